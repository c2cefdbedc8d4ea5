"""Forms of the situation pages: the filters of the list, the situation itself, its team."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from cases.forms.signals import (
    DescribedForm,
    PersonChoiceField,
    classification_choices,
    staff_people,
)
from cases.models import MonitoringStatus, Situation
from r2p.countries import country_choices, country_name, regions
from r2p.models import User


def codes_split(text: str) -> list[str]:
    """`SDN, ssd;TCD` -> ["SDN", "SSD", "TCD"]: commas, semicolons or spaces all separate."""
    return [part.strip().upper() for part in re.split(r"[,;\s]+", text or "") if part.strip()]


class SituationFilterForm(forms.Form):
    region = forms.ChoiceField(required=False)
    country = forms.ChoiceField(required=False)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *MonitoringStatus.choices]
    )
    team = forms.BooleanField(required=False, label="My team only")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "Any region"), *((r, r) for r in regions())]
        self.fields["country"].choices = [("", "Any country"), *country_choices()]

    def filters(self) -> dict[str, Any]:
        """The valid filters only: a bad value in one does not empty the whole list."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "region": data.get("region") or "",
            "country": data.get("country") or "",
            "status": data.get("status") or "",
            "team": bool(data.get("team")),
        }


class SituationForm(DescribedForm):
    """Open or edit a situation. The services check every value; this only reads the text."""

    title = forms.CharField(
        required=False,
        max_length=200,
        help_text="What is being monitored, e.g. “Sudan: Darfur and Kordofan”.",
    )
    countries = forms.CharField(
        required=False,
        max_length=400,
        help_text="ISO 3166-1 alpha-3 codes separated by commas, e.g. SDN, SSD. The UN M49 "
        "region and sub-region are derived from them.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    subnational_areas = forms.CharField(
        required=False,
        label="Areas within the countries",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: one province, state or district per line.",
    )
    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Why the office monitors it, in a few sentences.",
    )
    status = forms.ChoiceField(
        choices=MonitoringStatus.choices,
        initial=MonitoringStatus.ACTIVE,
        label="Monitoring status",
    )
    classification = forms.CharField(required=False, widget=forms.Select())
    lead_analyst = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label=None,
        error_messages={"invalid_choice": "Choose the lead analyst from the list."},
        help_text="The analyst answerable for the situation; always on its team.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, situation: Situation | None = None, **kw: Any):
        if situation is not None and "initial" not in kw:
            kw["initial"] = self.initial_from(situation)
        super().__init__(*args, **kw)
        self.user = user
        self.fields["classification"].widget.choices = classification_choices(user)
        self.fields["classification"].help_text = (
            "The highest sensitivity of anything in the situation; you may mark up to your "
            f"clearance ({user.clearance_label})."
        )
        self.fields["lead_analyst"].queryset = staff_people(permission="cases.change_situation")
        if situation is None:
            self.fields.pop("version")
            self.initial.setdefault("lead_analyst", user.pk)
            self.initial.setdefault("classification", min(1, user.clearance))

    @staticmethod
    def initial_from(situation: Situation) -> dict[str, Any]:
        return {
            "title": situation.title,
            "countries": ", ".join(situation.countries),
            "subnational_areas": "\n".join(situation.subnational_areas),
            "summary": situation.summary,
            "status": situation.status,
            "classification": situation.classification,
            "lead_analyst": situation.lead_analyst_id,
            "version": situation.version,
        }

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "title": data.get("title") or "",
            "countries": codes_split(data.get("countries") or ""),
            "subnational_areas": [
                line.strip() for line in (data.get("subnational_areas") or "").splitlines()
            ],
            "summary": data.get("summary") or "",
            "status": data.get("status") or "",
        }
        if data.get("classification") not in (None, ""):
            values["classification"] = data["classification"]
        if data.get("lead_analyst") is not None:
            values["lead_analyst"] = data["lead_analyst"]
        return values


def countries_named(codes: list[str]) -> str:
    return ", ".join(country_name(code) or code for code in codes)


class TeamMemberForm(DescribedForm):
    user = PersonChoiceField(
        queryset=User.objects.none(),
        label="Add to the team",
        empty_label="Choose a colleague",
        error_messages={"invalid_choice": "Choose a colleague from the list."},
        help_text="Team members see the situation's confidential material (need-to-know). "
        "Only colleagues cleared for its classification are listed.",
    )

    def __init__(self, *args: Any, situation: Situation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_people(clearance=situation.classification).exclude(
            situation_memberships__situation=situation
        )
