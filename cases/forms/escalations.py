"""Forms of the escalation pages: drafting an escalation, moving it, the decision at the desk
with its routing rows, and the follow-up of a referral. The services check every value; these
only read the text and put the services' messages beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms

from cases.decisions import DEFAULT_LEGAL_BASIS, FOLLOW_UP_DAYS
from cases.forms.signals import DescribedForm
from cases.models import Body, DecisionOutcome, ReferralStatus, RegionalArrangement, Situation
from r2p.errors import ApplicationError

ROUTING_ROWS = 4
DATE = forms.DateInput(attrs={"type": "date"})


def usual_legal_bases() -> list[tuple[str, str]]:
    """(body, its usual legal basis), stated once above the routing rows."""
    labels = dict(Body.choices)
    return [(labels[body], basis) for body, basis in DEFAULT_LEGAL_BASIS.items()]


class RoutingForm(DescribedForm):
    """One routing row: a body, its legal basis and rationale; with dates at the desk."""

    body = forms.ChoiceField(required=False, choices=[("", "—"), *Body.choices])
    regional_arrangement = forms.ChoiceField(
        required=False, help_text="For a regional or subregional arrangement only."
    )
    other_body = forms.CharField(
        required=False, max_length=200, label="Other body", help_text="Its full name."
    )
    legal_basis = forms.CharField(
        required=False,
        max_length=300,
        label="Legal basis",
        help_text="Empty: the body's usual basis, listed above. Another body needs one.",
    )
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    sent_on = forms.CharField(
        required=False, widget=DATE, label="Sent on", help_text="Empty: today."
    )
    transmittal_reference = forms.CharField(required=False, max_length=100)
    follow_up_on = forms.CharField(
        required=False,
        widget=DATE,
        label="Follow up on",
        help_text=f"Empty: {FOLLOW_UP_DAYS} days after it is sent.",
    )
    DATED = ("sent_on", "transmittal_reference", "follow_up_on")

    def __init__(self, *args: Any, dated: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regional_arrangement"].choices = [
            ("", "—"),
            *((a.acronym, str(a)) for a in RegionalArrangement.objects.filter(active=True)),
        ]
        if not dated:
            for name in self.DATED:
                self.fields.pop(name)

    @property
    def filled(self) -> bool:
        """Whether the row holds anything: what was sent, or what it was offered with."""
        if self.is_bound:
            return any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields)
        return any(self.initial.get(name) for name in self.fields)

    def value(self) -> dict[str, str] | None:
        """The row as the service reads it, or None for a row left empty."""
        self.is_valid()
        data = {name: (self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields}
        return data if any(data.values()) else None


def routing_forms(
    data: Any = None, *, dated: bool = True, initial: list[dict] | None = None
) -> list[RoutingForm]:
    """The routing rows: at least ROUTING_ROWS, and one for each routing offered. The rows
    after the last filled one (the first row always shows) are `folded` under "Add another
    body", which opens without JavaScript."""
    initial = initial or []
    rows = [
        RoutingForm(
            data,
            prefix=f"routing-{i}",
            dated=dated,
            initial=initial[i] if i < len(initial) else None,
        )
        for i in range(max(ROUTING_ROWS, len(initial)))
    ]
    shown = max([1, *(i + 1 for i, row in enumerate(rows) if row.filled)])
    for i, row in enumerate(rows):
        row.folded, row.first_folded = i >= shown, i == shown
    return rows


def routings_read(forms_: list[RoutingForm]) -> tuple[list[dict], list[int]]:
    """The filled rows, and the row number of each (to put the service's messages back)."""
    rows, positions = [], []
    for position, form in enumerate(forms_):
        value = form.value()
        if value is not None:
            rows.append(value)
            positions.append(position)
    return rows, positions


def routing_errors(
    error: ApplicationError, main: DescribedForm, rows: list[RoutingForm], positions: list[int]
) -> None:
    """`routings.<index>.<field>` to the field of its row; everything else to the main form."""
    rest: dict[str, list[str]] = {}
    for key, messages in error.fields.items():
        parts = key.split(".")
        if parts[0] == "routings" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(positions) and parts[2] in rows[positions[index]].fields:
                for message in messages:
                    rows[positions[index]].add_error(parts[2], message)
                continue
        rest[key] = messages
    if rest or not error.fields:
        main.errors_from(type(error)(rest) if rest else error)


class EscalationCreateForm(DescribedForm):
    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Why this needs the Secretary-General's attention now, in a few sentences.",
    )
    response_options = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Recommended response options",
        help_text="The situation's response options the joint office recommends.",
    )

    def __init__(self, *args: Any, situation: Situation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["response_options"].choices = [
            (str(o.pk), f"#{o.pk} {o.instrument.name} ({o.lead_actor}): {o.get_status_display()}")
            for o in situation.response_options.select_related("instrument").order_by("pk")
        ]

    def option_ids(self) -> list[str]:
        return self.data.getlist("response_options") if self.is_bound else []


class EscalationEditForm(EscalationCreateForm):
    """The draft's summary and recommended options, with the version the person saw."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DissentForm(DescribedForm):
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Your dissenting view",
        help_text=(
            "It travels with the briefing, under your name. Dissents are attached until the "
            "escalation is endorsed."
        ),
    )


class EscalationMoveForm(forms.Form):
    action = forms.CharField(max_length=16)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False)


class DecisionForm(DescribedForm):
    outcome = forms.ChoiceField(
        required=False, choices=DecisionOutcome.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The reasons for the decision; for a send-back, what more is needed.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReferralUpdateForm(DescribedForm):
    status = forms.ChoiceField(required=False, choices=ReferralStatus.choices)
    action_taken = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Action taken",
        help_text="When the body acted: what it did (a resolution, a mission, a statement).",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_on = forms.CharField(
        required=False,
        widget=DATE,
        label="Next follow-up",
        help_text="Required while the referral is open.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
