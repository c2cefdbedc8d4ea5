"""The report forms: compile a period, write the narrative. Validation of substance is the
services' (period_parse, report_narrative_update); these only collect and show it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from cases.forms.signals import DescribedForm, classification_choices
from r2p.models import User
from reports.models import NARRATIVE_SECTIONS, ReportKind

NARRATIVE_HELP = {
    "executive_summary": "The main findings of the period, for delegations reading one page.",
    "progress_by_pillar": (
        "What was done under each pillar: the State's own responsibility, international "
        "assistance, and timely and decisive response. The figures appear below it."
    ),
    "recommendations": "What the Secretary-General asks of the General Assembly.",
}


class CompileForm(DescribedForm):
    kind = forms.ChoiceField(
        label="Period",
        choices=ReportKind.choices,
        initial=ReportKind.QUARTERLY,
        widget=forms.RadioSelect,
    )
    year = forms.IntegerField(label="Year", required=False, min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label="Quarter",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            (1, "Q1 (Jan-Mar)"),
            (2, "Q2 (Apr-Jun)"),
            (3, "Q3 (Jul-Sep)"),
            (4, "Q4 (Oct-Dec)"),
        ],
        help_text="For a quarterly report.",
    )
    period_start = forms.DateField(
        label="First day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For a custom period.",
    )
    period_end = forms.DateField(
        label="Last day", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    audience = forms.TypedChoiceField(
        label="Audience",
        coerce=int,
        help_text=(
            "Who may read it once published. Figures count only records at or below this "
            "level; PUBLIC reports are read by every member state."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["audience"].choices = classification_choices(user)
        today = timezone.now().date()
        self.fields["year"].initial = today.year if today.month > 3 else today.year - 1
        self.fields["quarter"].initial = ((today.month - 1) // 3) or 4


class NarrativeForm(DescribedForm):
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in NARRATIVE_SECTIONS:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                strip=False,
                help_text=NARRATIVE_HELP[name],
                widget=forms.Textarea(attrs={"rows": 7}),
            )
