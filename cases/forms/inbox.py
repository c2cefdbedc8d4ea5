"""The triage inbox's two forms: the filters (GET) and the bulk actions (POST)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict

from cases import access
from cases.models import (
    Category,
    Credibility,
    MonitoringStatus,
    Reliability,
    Signal,
    SignalStatus,
    Situation,
    SourceType,
)
from cases.selectors import SignalFilters
from r2p.countries import country_choices, regions
from r2p.models import Classification, User

SORT_CHOICES = [
    ("newest", "Newest filed"),
    ("oldest", "Oldest filed"),
    ("occurred", "Date of event"),
    ("fatalities", "Fatalities"),
    ("credibility", "Credibility (1 first)"),
    ("relevance", "Best match (search)"),
]

# An absent status means the inbox proper (new signals); an empty one, every status.
ANY = ""
AUTO_SORT = ""
STATUS_DEFAULT = SignalStatus.NEW
MAX_SELECTED = 200


def _any(label: str) -> list[tuple[str, str]]:
    return [(ANY, label)]


def _unknown(what: str) -> dict[str, str]:
    return {"invalid_choice": f"Unknown {what} “%(value)s”; choose one from the list."}


class InboxFilterForm(forms.Form):
    """The filters line. `filters()` turns valid input into the selector's SignalFilters.

    An absent status means new signals (the inbox proper), an empty one every status. The
    default order is best match when there are words to search, newest otherwise; an explicit
    "best match" without words falls back to that default rather than to an error.
    """

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": 'words, "a phrase", -not', "size": 22}
        ),
    )
    region = forms.ChoiceField(label="Region", required=False, error_messages=_unknown("region"))
    country = forms.ChoiceField(label="Country", required=False, error_messages=_unknown("country"))
    category = forms.ChoiceField(
        label="Category",
        required=False,
        choices=_any("Any category") + list(Category.choices),
        error_messages=_unknown("category"),
    )
    source_type = forms.ChoiceField(
        label="Source type",
        required=False,
        choices=_any("Any type") + list(SourceType.choices),
        error_messages=_unknown("source type"),
    )
    reliability = forms.ChoiceField(
        label="Reliability",
        required=False,
        choices=_any("Any") + [(r.value, f"{r.value} · {r.label}") for r in Reliability],
        error_messages=_unknown("reliability grade"),
    )
    credibility = forms.TypedChoiceField(
        label="Credibility",
        required=False,
        coerce=int,
        empty_value=None,
        choices=_any("Any") + [(str(c.value), f"{c.value} · {c.label}") for c in Credibility],
        error_messages=_unknown("credibility grade"),
    )
    classification = forms.TypedChoiceField(
        label="Classification",
        required=False,
        coerce=int,
        empty_value=None,
        choices=_any("Any") + [(str(c.value), c.label.capitalize()) for c in Classification],
        error_messages=_unknown("classification"),
    )
    date_from = forms.DateField(
        label="Occurred from",
        required=False,
        input_formats=["%Y-%m-%d"],  # 10/03/2025 means March to some readers, October to others
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    date_to = forms.DateField(
        label="to",
        required=False,
        input_formats=["%Y-%m-%d"],  # 10/03/2025 means March to some readers, October to others
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=list(SignalStatus.choices) + _any("Any status"),
        error_messages=_unknown("status"),
    )
    sort = forms.ChoiceField(
        label="Order",
        required=False,
        # The default follows the search box, so typing words and pressing Enter ranks by match.
        choices=[(AUTO_SORT, "Newest, or best match"), *SORT_CHOICES],
        error_messages=_unknown("order"),
    )

    def __init__(self, params: QueryDict | dict[str, Any]):
        data = params.copy() if isinstance(params, QueryDict) else QueryDict(mutable=True)
        if not isinstance(params, QueryDict):
            data.update(params)
        if "status" not in data:
            data["status"] = STATUS_DEFAULT
        if data.get("sort") == "relevance" and not str(data.get("q", "")).strip():
            data["sort"] = AUTO_SORT
        super().__init__(data)
        self.fields["region"].choices = _any("Any region") + [(r, r) for r in regions()]
        self.fields["country"].choices = _any("Any country") + [
            (code, f"{name} ({code})") for code, name in country_choices()
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start: date | None = cleaned.get("date_from")
        end: date | None = cleaned.get("date_to")
        if start and end and start > end:
            self.add_error(
                "date_to",
                f"The end ({end:%d %b %Y}) is before the start ({start:%d %b %Y}); "
                "swap them or clear one.",
            )
        return cleaned

    def filters(self) -> SignalFilters:
        """The selector's filters; call only on a valid form."""
        data = self.cleaned_data
        return SignalFilters(
            q=data["q"].strip(),
            region=data["region"],
            country=data["country"],
            category=data["category"],
            source_type=data["source_type"],
            reliability=data["reliability"],
            credibility=data["credibility"],
            classification=data["classification"],
            status=data["status"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            sort=data["sort"] or ("relevance" if data["q"].strip() else "newest"),
        )

    @property
    def active_count(self) -> int:
        """How many filters narrow the list beyond the inbox's defaults (for the summary)."""
        if not self.is_valid():
            return 0
        data = self.cleaned_data
        narrowing = [name for name in data if name not in ("sort", "status") and data[name]]
        return len(narrowing) + (data["status"] != STATUS_DEFAULT)


class BulkTriageForm(forms.Form):
    """The bulk action bar: the selected signals and one of link, dismiss, mark duplicate.

    The first submit button of the bar is an invisible "auto" button, so that pressing Enter in
    the dismissal reason or the original's number does what that field is for (browsers submit
    a form with its first button); `clean` then infers the action from the one filled field.
    """

    ACTIONS = (("link", "Link"), ("dismiss", "Dismiss"), ("duplicate", "Mark duplicate"))

    action = forms.ChoiceField(
        choices=[("auto", "Apply"), *ACTIONS], error_messages=_unknown("action")
    )
    situation = forms.ChoiceField(
        label="Link to situation",
        required=False,
        error_messages={"invalid_choice": "That situation is not one you can link to."},
    )
    reason = forms.CharField(
        label="Dismiss, because",
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": "why they do not matter", "size": 22}),
    )
    original = forms.IntegerField(
        label="Duplicate of #",
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"placeholder": "signal id", "class": "input-id"}),
        error_messages={"invalid": "Give the number of the original signal, e.g. 1042."},
    )
    back = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(
        self, data: QueryDict | None = None, *, user: User, situations: list[Situation]
    ) -> None:
        super().__init__(data)
        self.user = user
        # Only situations the page already loaded through cases.access are valid choices.
        self.situations = {str(situation.pk): situation for situation in situations}
        self.fields["situation"].choices = [("", "Choose a situation…")] + [
            (str(situation.pk), situation_option_label(situation)) for situation in situations
        ]

    def clean_situation(self) -> Situation | None:
        value = self.cleaned_data.get("situation")
        return self.situations[value] if value else None

    def clean_original(self) -> Signal | None:
        number = self.cleaned_data.get("original")
        if number is None:
            return None
        original = (
            access.signals_visible(self.user, Signal.objects.select_related("source"))
            .filter(pk=number)
            .first()
        )
        if original is None:
            raise forms.ValidationError(f"There is no signal #{number} that you can see.")
        return original

    def selected_ids(self) -> list[int]:
        """The ticked signals' ids, in page order, each once; junk values are ignored."""
        ids: list[int] = []
        for raw in self.data.getlist("signals") if self.data else []:
            if str(raw).isdigit() and int(raw) not in ids:
                ids.append(int(raw))
        return ids

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        ids = self.selected_ids()
        if not ids:
            raise forms.ValidationError(
                "Select at least one signal first: tick its box, or press x on its row."
            )
        if len(ids) > MAX_SELECTED:
            raise forms.ValidationError(f"Select at most {MAX_SELECTED} signals at a time.")
        cleaned["signal_ids"] = ids
        action = cleaned.get("action")
        if action == "auto":
            filled = [
                name
                for name, field in (
                    ("link", "situation"),
                    ("dismiss", "reason"),
                    ("duplicate", "original"),
                )
                if str(self.data.get(field, "")).strip()
            ]
            if len(filled) != 1:
                raise forms.ValidationError(
                    "Say what to do: press Link, Dismiss or Mark duplicate."
                )
            action = cleaned["action"] = filled[0]
        if action == "link" and not cleaned.get("situation") and "situation" not in self.errors:
            self.add_error("situation", "Choose the situation these signals concern.")
        if action == "dismiss" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why these signals are dismissed; the reason is kept.")
        if action == "duplicate" and not cleaned.get("original") and "original" not in self.errors:
            self.add_error("original", "Give the number of the signal they duplicate.")
        cleaned["reason"] = (cleaned.get("reason") or "").strip()
        return cleaned


def situation_option_label(situation: Situation) -> str:
    label = f"{situation.reference} · {situation.title}"
    if situation.status != MonitoringStatus.ACTIVE:
        label += f" ({situation.get_status_display().lower()})"
    return label
