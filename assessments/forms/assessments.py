"""Forms of the assessment and challenge pages.

They only turn text into values. Every rule (a factor's levels, its indicator codes, the
justification an override needs, four eyes, who resolves a challenge) lives in
assessments.services, so the page and the API give the same messages. Choice fields are text
fields with a choice widget for that reason: an unknown value gets the service's words.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from assessments.models import (
    Assessment,
    ChallengeStatus,
    Confidence,
    FactorJudgment,
    FactorLevel,
    Indicator,
    RiskLevel,
)
from cases.forms.signals import DescribedForm, classification_choices
from r2p.models import User

SIGNAL_NUMBER = re.compile(r"^#?\s*(\d{1,12})$")


def _text(label: str, help_text: str = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        required=False,
        strip=False,
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def signal_numbers(text: str) -> tuple[list[int], list[str]]:
    """`#12, 40 7` -> ([12, 40, 7], []); what is not a signal number comes back as a problem."""
    numbers, bad = [], []
    for part in re.split(r"[,;\s]+", text or ""):
        part = part.strip()
        if not part:
            continue
        match = SIGNAL_NUMBER.match(part)
        if match:
            numbers.append(int(match.group(1)))
        else:
            bad.append(part)
    return numbers, bad


class FirstOptionFocus:
    """A group of radios or boxes takes the focus on its first option only (one autofocus)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)  # type: ignore[misc]
        if option["index"] not in (0, "0"):
            option["attrs"].pop("autofocus", None)
        return option


class RadioChoices(FirstOptionFocus, forms.RadioSelect):
    pass


class CheckboxChoices(FirstOptionFocus, forms.CheckboxSelectMultiple):
    pass


class PageForm(DescribedForm):
    """A form of a page with many forms: the first field with a problem takes the focus
    (autofocus), so a keyboard user lands on it when the page comes back."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self._focus_first_error()

    def _focus_first_error(self) -> None:
        first = next(
            (
                name
                for name, field in self.fields.items()
                if name in (self._errors or {}) and not field.widget.is_hidden
            ),
            None,
        )
        for name, field in self.fields.items():
            field.widget.attrs.pop("autofocus", None)
            if name == first:
                field.widget.attrs["autofocus"] = True

    def kept_text(self) -> list[tuple[str, str]]:
        """What the person typed in the long fields, to show back when nothing was saved."""
        if not self.is_bound:
            return []
        kept = []
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Textarea):
                value = str(self.data.get(self.add_prefix(name), "")).strip()
                if value:
                    kept.append((str(field.label or name), value))
        return kept


class RevisionForm(PageForm):
    """Every write of an assessment sends back the revision the person was looking at."""

    revision = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("revision", assessment.revision)
        super().__init__(*args, **kwargs)

    @property
    def sent_revision(self) -> str:
        """The revision as sent; empty makes the service ask for it."""
        return str(self.data.get(self.add_prefix("revision"), "")).strip()


class IndicatorCodesField(forms.MultipleChoiceField):
    """The indicators ticked, as codes. An unknown code is left to the service, which names
    the factor's real ones."""

    widget = CheckboxChoices

    def validate(self, value: Any) -> None:
        return None


class JudgmentForm(RevisionForm):
    """One risk factor: level, confidence, narrative and the indicators observed."""

    level = forms.CharField(
        required=False,
        widget=RadioChoices(choices=FactorLevel.choices),
        help_text="Insufficient information never raises the risk; say in the narrative what "
        "is missing.",
    )
    confidence = forms.CharField(
        required=False,
        widget=RadioChoices(choices=Confidence.choices),
        help_text="How sure you are of the level, given the evidence.",
    )
    narrative = _text(
        "Narrative", "A few sentences: what you see and why it supports the level.", rows=4
    )
    indicators = IndicatorCodesField(required=False, label="Indicators observed")

    def __init__(
        self,
        *args: Any,
        judgment: FactorJudgment,
        catalogue: list[Indicator],
        observed: list[Indicator],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", f"factor-{judgment.factor.number}")
        kwargs["initial"] = {
            "level": judgment.level,
            # A factor not judged yet has no confidence to show; the service keeps its default.
            "confidence": (
                judgment.confidence if judgment.level != FactorLevel.INSUFFICIENT else None
            ),
            "narrative": judgment.narrative,
            "indicators": [i.code for i in observed],
        }
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = [(i.code, i.statement) for i in catalogue]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {
            "level": data.get("level") or "",
            "confidence": data.get("confidence") or "",
            "narrative": data.get("narrative") or "",
            "indicators": [code.strip() for code in data.get("indicators") or []],
        }
        if not values["confidence"] and values["level"] in ("", FactorLevel.INSUFFICIENT):
            del values["confidence"]  # nothing judged, nothing to be confident about
        return values


class EvidenceAddForm(RevisionForm):
    """Back a factor with a signal: picked from the situation's signals, or typed by number."""

    signal = forms.CharField(
        required=False,
        label="Signal",
        help_text="Type a signal number, such as 1234, or pick one of the situation's signals "
        "from the suggestions.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "inputmode": "numeric",
                "list": "situation-signals",
                "class": "short",
            }
        ),
    )
    note = _text("Note", "What this signal shows for this factor.", rows=2)

    def __init__(self, *args: Any, judgment: FactorJudgment, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"evidence-{judgment.factor.number}")
        super().__init__(*args, **kwargs)

    def clean_signal(self) -> int | None:
        value = (self.cleaned_data.get("signal") or "").strip()
        if not value:
            raise forms.ValidationError("Type a signal number, or pick one from the suggestions.")
        match = SIGNAL_NUMBER.match(value)
        if not match:
            raise forms.ValidationError(f"“{value}” is not a signal number; use digits, e.g. 1234.")
        return int(match.group(1))


class FlagsAcknowledgeForm(RevisionForm):
    note = _text(
        "Why the evidence may stand",
        "The note is kept with the factor and shown to the reviewer.",
        rows=2,
    )

    def __init__(self, *args: Any, judgment: FactorJudgment, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"flags-{judgment.factor.number}")
        super().__init__(*args, **kwargs)


class OverallForm(RevisionForm):
    """The overall narrative, an override of the computed level, and the marking."""

    overall_narrative = _text(
        "Overall narrative",
        "The assessment in a paragraph or two, for a reader with minutes to spare.",
        rows=6,
    )
    override_level = forms.CharField(
        required=False,
        label="Override the overall level",
        widget=forms.Select(
            choices=[("", "No override: use the computed level"), *RiskLevel.choices]
        ),
        help_text="Only when the rule misses something; the justification is shown beside it.",
    )
    override_justification = _text(
        "Justification of the override", "Required with an override.", rows=3
    )
    classification = forms.CharField(required=False, widget=forms.Select())

    def __init__(self, *args: Any, assessment: Assessment, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "overall")
        kwargs["initial"] = {
            "overall_narrative": assessment.overall_narrative,
            "override_level": assessment.override_level or "",
            "override_justification": assessment.override_justification,
            "classification": assessment.classification,
        }
        super().__init__(*args, assessment=assessment, **kwargs)
        self.fields["classification"].widget.choices = classification_choices(user)
        self.fields[
            "classification"
        ].help_text = (
            f"At least the situation's marking; at most your clearance ({user.clearance_label})."
        )

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "overall_narrative": data.get("overall_narrative") or "",
            "override_level": data.get("override_level") or None,
            "override_justification": data.get("override_justification") or "",
            "classification": data.get("classification") or "",
        }


class TransitionForm(RevisionForm):
    """Submit, approve or return: a comment (required to return) and the revision."""

    comment = _text("Comment", rows=3)

    def __init__(self, *args: Any, move: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", move)
        super().__init__(*args, **kwargs)
        if move == "submit":
            self.fields.pop("comment")
        elif move == "return":
            self.fields["comment"].label = "What must change"
            self.fields["comment"].help_text = "Required: the author sees it with the version."
        else:
            self.fields["comment"].label = "Comment (optional)"


class ChallengeRaiseForm(PageForm):
    """Challenge a signal or a factor judgment: reasoning, and signals that say otherwise."""

    reasoning = _text(
        "Reasoning", "Why the signal or the judgment may be wrong, in a few sentences.", rows=3
    )
    counter_evidence = forms.CharField(
        required=False,
        label="Counter-evidence (optional)",
        help_text="Numbers of signals that say otherwise, separated by commas, e.g. 1234, 1240.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_counter_evidence(self) -> list[int]:
        numbers, bad = signal_numbers(self.cleaned_data.get("counter_evidence") or "")
        if bad:
            raise forms.ValidationError(
                f"Not signal numbers: {', '.join(bad)}. Use digits, e.g. 1234, 1240."
            )
        return numbers


class ChallengeResolveForm(PageForm):
    outcome = forms.CharField(
        required=False,
        widget=RadioChoices(
            choices=[
                (ChallengeStatus.UPHELD, "Upheld: the challenge is right"),
                (ChallengeStatus.DISMISSED, "Dismissed: the signal or judgment stands"),
            ]
        ),
    )
    note = _text("Resolution note", "Required: why, in a sentence or two.", rows=3)


class ChallengeAcknowledgeForm(PageForm):
    note = _text(
        "Acknowledgement note",
        "How the challenge was weighed for this version; required before approval.",
        rows=2,
    )


STATUS_ANY = ""


class ChallengeFilterForm(forms.Form):
    """The status filter: absent means open challenges, empty means every status."""

    status = forms.ChoiceField(
        required=False,
        choices=[*ChallengeStatus.choices, (STATUS_ANY, "Any status")],
        error_messages={"invalid_choice": "Unknown status “%(value)s”; choose one from the list."},
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = ChallengeStatus.OPEN
        super().__init__(data, **kwargs)

    def chosen_status(self) -> str:
        if self.is_valid():
            return self.cleaned_data["status"]
        return ChallengeStatus.OPEN
