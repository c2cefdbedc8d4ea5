"""The browser form for one signal, and what the intake forms share.

The forms only turn text into Python values; every rule (ranges, required fields, clearance)
lives in cases.services.signal_validate, so the form, the API and the imports say the same thing.
Choice fields are plain text fields with a select widget for that reason: an unknown country or
category gets the service's message, not Django's generic "Select a valid choice".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from cases import access
from cases.models import (
    Category,
    Credibility,
    DatePrecision,
    GroupKind,
    MonitoringStatus,
    Reliability,
    Signal,
    Situation,
    Source,
)
from r2p.countries import country_choices
from r2p.errors import ApplicationError, ApplicationValidationError
from r2p.models import Classification, User


class DescribedForm(forms.Form):
    """Help text and errors tied to their field for screen readers (aria-describedby)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}_help"

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self._errors or {}:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            bound = self[name]
            attrs["aria-invalid"] = "true"
            described = [f"{bound.auto_id}_error"]
            if self.fields[name].help_text:
                described.append(f"{bound.auto_id}_help")
            attrs["aria-describedby"] = " ".join(described)

    def errors_from(self, error: ApplicationError, *, skip_known: bool = False) -> None:
        """Put a service's field-level messages beside the fields they concern.

        Messages about fields this form does not show go to the top of the form.
        """
        if not error.fields:
            self.add_error(None, error.message)
            return
        for name, messages in error.fields.items():
            target = name if name in self.fields else None
            if skip_known and target and target in (self._errors or {}):
                continue
            for message in messages:
                self.add_error(target, message)


def classification_choices(user: User) -> list[tuple[int, str]]:
    """The levels this person may mark material with: up to their clearance."""
    return [(level.value, level.label) for level in Classification if level <= user.clearance]


def staff_people(*, permission: str = access.STAFF_PERMISSION, clearance: int = 0) -> QuerySet:
    """Active people holding `permission` (through their role or directly), cleared enough."""
    app_label, codename = permission.split(".", 1)
    held = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        User.objects.filter(is_active=True, clearance__gte=clearance)
        .filter(Q(groups__permissions__in=held) | Q(user_permissions__in=held))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def person_label(user: User) -> str:
    name = user.get_full_name() or user.username
    return f"{name} ({user.username}, cleared {user.clearance_label})"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


class SourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Source) -> str:
        return f"{obj.pseudonym} · {obj.reliability} ({Reliability(obj.reliability).label})"


def _select(choices: list[tuple[Any, str]], empty: str | None = None) -> forms.Select:
    options = ([("", empty)] if empty is not None else []) + list(choices)
    return forms.Select(choices=options)


def _number(mode: str = "numeric") -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": mode, "autocomplete": "off", "class": "short"})


class SignalForm(DescribedForm):
    """One signal, in the order a person tells it: what, when, where, who, how many, who says."""

    headline = forms.CharField(
        required=False,
        max_length=300,
        help_text="One line saying what happened, as you would title a report.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    category = forms.CharField(
        required=False,
        widget=_select(Category.choices, "Choose a category"),
        help_text="The kind of event, from the office's taxonomy.",
    )
    description = forms.CharField(
        required=False,
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The facts as reported: what, to whom, by whom, and what is not yet known.",
    )
    occurred_on = forms.DateField(
        required=False,
        label="Date of the event",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Give the date as YYYY-MM-DD, for example 2026-03-14."},
        help_text="If only the week, month or year is known, give any day in it.",
    )
    occurred_precision = forms.CharField(
        required=False,
        label="Date known to the",
        initial=DatePrecision.DAY,
        widget=_select(DatePrecision.choices),
    )
    country = forms.CharField(
        required=False, widget=forms.Select(), help_text="Where the event took place."
    )
    admin1 = forms.CharField(required=False, label="Province, state or region", max_length=120)
    place_name = forms.CharField(required=False, label="Place", max_length=200)
    latitude = forms.CharField(
        required=False,
        widget=_number("decimal"),
        help_text="Decimal degrees, -90 to 90 (north is positive).",
    )
    longitude = forms.CharField(
        required=False,
        widget=_number("decimal"),
        help_text="Decimal degrees, -180 to 180 (east is positive).",
    )
    perpetrators = forms.CharField(
        required=False,
        max_length=500,
        label="Alleged perpetrators",
        help_text="As named in the report; leave empty if unknown.",
    )
    targeted_group = forms.CharField(
        required=False, max_length=300, label="Targeted group", help_text="Who was attacked."
    )
    targeted_group_kind = forms.CharField(
        required=False,
        label="The group is",
        widget=_select(GroupKind.choices, "Not a protected group / unknown"),
        help_text="National, ethnic, racial and religious groups are those the Genocide "
        "Convention protects.",
    )
    fatalities_best = forms.CharField(
        required=False,
        label="Deaths, best estimate",
        widget=_number(),
        help_text="Leave empty if no deaths are reported.",
    )
    fatalities_low = forms.CharField(required=False, label="Low estimate", widget=_number())
    fatalities_high = forms.CharField(required=False, label="High estimate", widget=_number())
    source = SourceChoiceField(
        queryset=Source.objects.none(),
        required=False,
        empty_label="Choose a source",
        error_messages={"invalid_choice": "Choose a source from the list."},
        help_text="Sources appear by pseudonym and reliability (A completely reliable to "
        "E unreliable, F cannot be judged). Register a new one under Sources.",
    )
    credibility = forms.CharField(
        required=False,
        label="Credibility of this information",
        widget=_select(
            [(c.value, f"{c.value} — {c.label}") for c in Credibility], "Grade the information"
        ),
        help_text="How believable this item is, whatever the source's record.",
    )
    original_source_text = forms.CharField(
        required=False,
        label="Original outlet or document",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: where the source said it, in its own words (outlet, document, date).",
    )
    classification = forms.CharField(required=False, widget=forms.Select())
    language = forms.CharField(
        required=False,
        initial="en",
        max_length=8,
        widget=forms.TextInput(attrs={"class": "short", "autocomplete": "off"}),
        help_text="The language of the original report: en, fr, ar, es, ru, zh ...",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["country"].widget.choices = [("", "Choose a country"), *country_choices()]
        self.fields["source"].queryset = access.sources_visible(user).order_by("pseudonym")
        levels = classification_choices(user)
        self.fields["classification"].widget.choices = levels
        self.fields["classification"].help_text = (
            "The highest sensitivity of anything in this signal; you may mark up to your "
            f"clearance ({user.clearance_label})."
        )
        if not self.is_bound:
            default = min(Classification.CONFIDENTIAL, user.clearance)
            self.initial.setdefault("classification", default)

    def service_data(self) -> dict[str, Any]:
        """The values for cases.services: raw text except what the form already parsed."""
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        data["classification"] = data.get("classification") or Classification.CONFIDENTIAL
        return data

    # The service speaks to API clients, who send codes; a person left a list or a date empty.
    WHEN_LEFT_EMPTY = {
        "category": "Choose the kind of event from the list.",
        "occurred_on": "Give the date of the event.",
        "country": "Choose the country where it happened.",
        "source": "Choose the source of this report from the list.",
        "credibility": "Grade how credible this information is, from 1 to 6.",
    }

    def service_errors_add(self, error: ApplicationError) -> None:
        fields = dict(error.fields)
        for name, wording in self.WHEN_LEFT_EMPTY.items():
            if name in fields and not str(self.data.get(name, "")).strip():
                fields[name] = [wording]
        self.errors_from(ApplicationValidationError(fields, error.message), skip_known=True)


class SituationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Situation) -> str:
        return f"{obj.reference} · {obj.title}"


class SituationLinkForm(DescribedForm):
    situation = SituationChoiceField(
        queryset=Situation.objects.none(),
        label="Link to a situation",
        empty_label="Choose a situation",
        error_messages={"invalid_choice": "Choose a situation from the list."},
        help_text="Linking a new signal triages it; the situation's team then sees it.",
    )

    def __init__(self, *args: Any, user: User, signal: Signal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["situation"].queryset = (
            access.situations_visible(user)
            .exclude(signal_links__signal=signal)
            .exclude(status=MonitoringStatus.CLOSED)
            .order_by("title")
        )


class DismissForm(DescribedForm):
    reason = forms.CharField(
        required=False,
        label="Reason for dismissing",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the signal, e.g. “not an atrocity-risk event” or “report retracted”.",
    )
