"""Forms of the source pages: registering a source, regrading it, sharing who it is."""

from __future__ import annotations

from typing import Any

from django import forms

from cases.forms.signals import (
    DescribedForm,
    PersonChoiceField,
    classification_choices,
    staff_people,
)
from cases.models import Reliability, Source, SourceType
from r2p.models import User

RELIABILITY_CHOICES = [(grade.value, f"{grade.value} — {grade.label}") for grade in Reliability]


class SourceFilterForm(forms.Form):
    source_type = forms.ChoiceField(
        required=False, label="Type", choices=[("", "Any type"), *SourceType.choices]
    )
    reliability = forms.ChoiceField(
        required=False, choices=[("", "Any grade"), *RELIABILITY_CHOICES]
    )

    def filters(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {key: data.get(key) or "" for key in ("source_type", "reliability")}


class SourceForm(DescribedForm):
    source_type = forms.CharField(
        required=False,
        label="Type of source",
        widget=forms.Select(choices=[("", "Choose a type"), *SourceType.choices]),
    )
    reliability = forms.CharField(
        required=False,
        label="Reliability",
        widget=forms.Select(choices=[("", "Choose a grade"), *RELIABILITY_CHOICES]),
        help_text="The source's record, not this report's: F when there is no basis to judge.",
    )
    classification = forms.CharField(required=False, widget=forms.Select())
    name = forms.CharField(
        required=False,
        max_length=300,
        label="Name",
        help_text="A person's name or the name an organisation is known by.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    organisation = forms.CharField(
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    contact = forms.CharField(
        required=False,
        label="How to reach them",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    handling_notes = forms.CharField(
        required=False,
        label="Handling notes",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Risks to the source and precautions for anyone contacting them.",
    )

    IDENTITY_FIELDS = ("name", "organisation", "contact", "handling_notes")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["classification"].widget.choices = classification_choices(user)
        self.fields["classification"].help_text = (
            f"Sources are usually CONFIDENTIAL; you may mark up to your clearance "
            f"({user.clearance_label})."
        )
        if not self.is_bound:
            self.initial.setdefault("classification", min(1, user.clearance))

    def grading_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("source_type", "reliability", "classification")]

    def identity_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.IDENTITY_FIELDS]

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data.get(name) or "" for name in self.fields}
        if values["classification"] == "":
            values.pop("classification")
        return values


class RegradeForm(DescribedForm):
    reliability = forms.CharField(
        required=False,
        label="New grade",
        widget=forms.Select(choices=[("", "Choose a grade"), *RELIABILITY_CHOICES]),
    )
    reason = forms.CharField(
        required=False,
        label="Why",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the grade for everyone who relies on it; do not name the source.",
    )


class IdentityGrantForm(DescribedForm):
    user = PersonChoiceField(
        queryset=User.objects.none(),
        label="Colleague",
        empty_label="Choose a colleague",
        error_messages={"invalid_choice": "Choose a colleague from the list."},
        help_text="They will see who this source is. Only colleagues cleared for the source's "
        "classification are listed; the grant is audited.",
    )

    def __init__(self, *args: Any, source: Source, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_people(clearance=source.classification)
