"""Forms of the portfolio pages: the portfolio's and the calendar's filters, a trigger, a
response option and the moves of its lifecycle.

As in the intake forms, the forms only read text: every rule (a kind from the list, a date, the
days of a reminder, an instrument of the catalogue, factors 1 to 14, who adopted an option and
when) lives in assessments.services, so the pages and the API say the same thing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict

from assessments.models import (
    Catalogue,
    Feasibility,
    Instrument,
    OptionStatus,
    Pillar,
    RiskFactor,
    TriggerKind,
)
from cases.forms.signals import DescribedForm
from r2p.countries import regions

PORTFOLIO_MONTHS = (6, 12, 24)
CALENDAR_DAYS = (30, 60, 90, 180, 365)


def _select(choices: list[tuple[Any, Any]], empty: str | None = None) -> forms.Select:
    options = ([("", empty)] if empty is not None else []) + list(choices)
    return forms.Select(choices=options)


def _text(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- Filters ------------------------------------------------------------------------------------


def _with_default(data: QueryDict | None, name: str, value: int) -> QueryDict | None:
    """Filters sent without `name` show its default selected, not the list's first choice."""
    if data is not None and not data.get(name):
        data = data.copy()
        data[name] = str(value)
    return data


class PortfolioFilterForm(forms.Form):
    region = forms.ChoiceField(required=False, label="Region")
    months = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=12,
        initial=12,
        label="Months",
        choices=[(n, f"Last {n} months") for n in PORTFOLIO_MONTHS],
        error_messages={"invalid_choice": "Choose 6, 12 or 24 months."},
    )

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(_with_default(data, "months", 12), **kwargs)
        self.fields["region"].choices = [("", "Any region"), *((r, r) for r in regions())]
        self.fields["region"].error_messages["invalid_choice"] = (
            "Choose a UN M49 region or sub-region from the list."
        )

    def filters(self) -> dict[str, Any]:
        """The valid filters; a bad one falls back to its default (and is marked on the page)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"region": data.get("region") or "", "months": data.get("months") or 12}


class CalendarFilterForm(forms.Form):
    days = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=90,
        initial=90,
        label="Within",
        choices=[(n, f"the next {n} days") for n in CALENDAR_DAYS],
        error_messages={
            "invalid_choice": "Choose one of " + ", ".join(str(n) for n in CALENDAR_DAYS) + " days."
        },
    )
    mine = forms.BooleanField(required=False, label="My situations only")

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(_with_default(data, "days", 90), **kwargs)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"days": data.get("days") or 90, "mine": bool(data.get("mine"))}


# --- Triggers -----------------------------------------------------------------------------------


class TriggerForm(DescribedForm):
    """One dated event that may trigger violence (risk factor 8)."""

    kind = forms.CharField(
        required=False, widget=_select(TriggerKind.choices, "Choose a kind"), label="Kind"
    )
    title = forms.CharField(
        required=False,
        help_text="What happens, e.g. “Presidential election, first round”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    occurs_on = forms.CharField(
        required=False,
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day of the event (YYYY-MM-DD).",
    )
    remind_days_before = forms.CharField(
        required=False,
        label="Remind the team, days before",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "short"}),
    )
    description = forms.CharField(
        required=False,
        widget=_text(3),
        help_text="Optional: why it matters for the risk, and what to watch for.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remind_days_before"].help_text = (
            "From 0 to 365. Leave empty for the usual "
            f"{settings.TRIGGER_REMINDER_DAYS} days; the team is e-mailed once."
        )
        field = self.fields["remind_days_before"]
        field.widget.attrs["aria-describedby"] = f"{self['remind_days_before'].auto_id}_help"

    @staticmethod
    def initial_from(trigger: Any) -> dict[str, Any]:
        return {
            "kind": trigger.kind,
            "title": trigger.title,
            "occurs_on": trigger.occurs_on.isoformat(),
            "remind_days_before": (
                "" if trigger.remind_days_before is None else str(trigger.remind_days_before)
            ),
            "description": trigger.description,
        }

    def service_data(self) -> dict[str, str]:
        self.is_valid()
        return {name: self.cleaned_data.get(name, "") for name in self.fields}


# --- Response options ---------------------------------------------------------------------------


class FactorChoiceField(forms.MultipleChoiceField):
    """Risk factor numbers as ticked: the service says what is wrong with an unknown one."""

    def valid_value(self, value: Any) -> bool:
        return True


def instruments_by_pillar(
    instruments: list[Instrument],
) -> list[tuple[str, str, list[Instrument]]]:
    """(pillar, its label, its instruments), pillars I, II, III in order."""
    return [
        (pillar.value, str(pillar.label), [i for i in instruments if i.pillar == pillar.value])
        for pillar in Pillar
        if any(i.pillar == pillar.value for i in instruments)
    ]


def latest_factors() -> list[RiskFactor]:
    """The 14 risk factors of the latest catalogue, the one new options are written against."""
    catalogue = Catalogue.objects.order_by("-version").values("pk")[:1]
    return list(RiskFactor.objects.filter(catalogue__in=catalogue).order_by("number"))


class OptionForm(DescribedForm):
    """Propose or edit a response option of a situation."""

    instrument = forms.CharField(
        required=False,
        widget=forms.Select(),
        help_text="From the catalogue, grouped by R2P pillar; the typical actor of each "
        "instrument is listed under the form.",
    )
    rationale = forms.CharField(
        required=False,
        widget=_text(4),
        help_text="Why this instrument, now: the risk it answers and the evidence behind it.",
    )
    factors = FactorChoiceField(
        required=False,
        label="Risk factors it addresses",
        widget=forms.CheckboxSelectMultiple,
    )
    lead_actor = forms.CharField(
        required=False,
        label="Lead actor or body",
        help_text="Who would carry it out, e.g. “Special Adviser on the Prevention of Genocide”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    expected_effect = forms.CharField(
        required=False, widget=_text(3), help_text="What should change, and by when."
    )
    risks = forms.CharField(
        required=False,
        widget=_text(3),
        help_text="What could go wrong: backlash, harm to sources, loss of access.",
    )
    feasibility = forms.CharField(
        required=False, widget=_select(Feasibility.choices, "Choose the feasibility")
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        instruments: list[Instrument],
        factors: list[RiskFactor],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        groups = instruments_by_pillar(instruments)
        self.fields["instrument"].widget.choices = [
            ("", "Choose an instrument"),
            *((label, [(i.key, i.name) for i in members]) for _, label, members in groups),
        ]
        self.fields["factors"].choices = [
            (str(f.number), f"{f.number}. {f.title}") for f in factors
        ]
        if not editing:
            self.fields.pop("revision")

    @staticmethod
    def initial_from(option: Any) -> dict[str, Any]:
        return {
            "instrument": option.instrument.key,
            "rationale": option.rationale,
            "factors": [str(f.number) for f in option.factors.all()],
            "lead_actor": option.lead_actor,
            "expected_effect": option.expected_effect,
            "risks": option.risks,
            "feasibility": option.feasibility,
            "revision": option.revision,
        }

    def service_data(self) -> dict[str, Any]:
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name, "")
            for name in self.fields
            if name not in ("factors", "revision")
        }
        data["factors"] = list(self.cleaned_data.get("factors") or [])
        return data

    @property
    def revision_value(self) -> object:
        """The revision the person edited (None when the form did not send one)."""
        if "revision" not in self.fields:
            return None
        value = self.data.get(self.add_prefix("revision"), "")
        return value if value != "" else None


# What each move of an option asks for, in the order the page offers them.
MOVES: dict[str, dict[str, Any]] = {
    OptionStatus.RECOMMENDED: {
        "title": "Recommend it",
        "button": "Recommend",
        "fields": ("note",),
        "note_label": "Note (optional)",
        "note_help": "Why the office recommends it, for the record.",
    },
    OptionStatus.ADOPTED: {
        "title": "Record its adoption",
        "button": "Record the adoption",
        "fields": ("adopted_by", "adopted_on", "note"),
        "note_label": "Note (optional)",
        "note_help": "The decision or document, if there is one.",
    },
    OptionStatus.IMPLEMENTED: {
        "title": "Mark it implemented",
        "button": "Mark implemented",
        "fields": ("note",),
        "note_label": "Note (optional)",
        "note_help": "What was done, and when.",
    },
    OptionStatus.ABANDONED: {
        "title": "Abandon it",
        "button": "Abandon",
        "fields": ("note",),
        "note_label": "Why is it abandoned?",
        "note_help": "Required: the reason stays on the record.",
    },
}


class OptionMoveForm(DescribedForm):
    """One move of an option's lifecycle; each move has its own prefix, so several fit a page."""

    note = forms.CharField(required=False, widget=_text(2))
    adopted_by = forms.CharField(
        required=False,
        label="Adopted by",
        help_text="The body or person that adopted it, e.g. “Security Council”.",
    )
    adopted_on = forms.CharField(
        required=False,
        label="Adopted on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The date of the decision (YYYY-MM-DD), not in the future.",
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, to: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", to)
        super().__init__(*args, **kwargs)
        self.to = to
        move = MOVES[to]
        self.title = move["title"]
        self.button = move["button"]
        for name in ("note", "adopted_by", "adopted_on"):
            if name not in move["fields"]:
                self.fields.pop(name)
        self.fields["note"].label = move["note_label"]
        self.fields["note"].help_text = move["note_help"]
        self.fields["note"].widget.attrs["aria-describedby"] = f"{self['note'].auto_id}_help"

    @property
    def visible(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name != "revision"]

    def service_values(self) -> dict[str, Any]:
        self.is_valid()
        return {
            "note": self.cleaned_data.get("note", ""),
            "adopted_by": self.cleaned_data.get("adopted_by", ""),
            "adopted_on": self.cleaned_data.get("adopted_on", "") or None,
            "revision": self.data.get(self.add_prefix("revision")) or None,
        }
