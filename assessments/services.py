"""Writes of assessments, challenges, triggers and response options.

Each workflow is declared once as data (ASSESSMENT_TRANSITIONS, OPTION_TRANSITIONS); only
assessment_transition and option_transition assign a status. Every change is audited in the
same transaction. Stale writes (a `revision` that is not the current one) get ConflictError.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments import access, selectors
from assessments.models import (
    OPEN_ASSESSMENT_STATUSES,
    Assessment,
    AssessmentStatus,
    AssessmentTransition,
    Catalogue,
    Challenge,
    ChallengeAcknowledgement,
    ChallengeStatus,
    Confidence,
    Evidence,
    FactorJudgment,
    FactorLevel,
    Feasibility,
    Indicator,
    Instrument,
    OptionStatus,
    OptionTransition,
    ResponseOption,
    RiskFactor,
    RiskLevel,
    TriggerEvent,
    TriggerKind,
)
from assessments.risk import risk_compute
from cases import access as cases_access
from cases.models import Signal, Situation
from r2p.errors import (
    ApplicationValidationError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
)
from r2p.models import Classification, User
from r2p.services import audit_record
from r2p.validation import TEXT_LIMIT, text_value

# --- Workflow, as data --------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    permission: str
    four_eyes: bool = False  # the author may not make this move
    needs_comment: bool = False
    team_only: bool = False  # only the situation's team (the drafters)


ASSESSMENT_TRANSITIONS: dict[str, dict[str, Move]] = {
    AssessmentStatus.DRAFT: {
        AssessmentStatus.SUBMITTED: Move("assessments.change_assessment", team_only=True),
    },
    AssessmentStatus.RETURNED: {
        AssessmentStatus.SUBMITTED: Move("assessments.change_assessment", team_only=True),
    },
    AssessmentStatus.SUBMITTED: {
        AssessmentStatus.APPROVED: Move("assessments.approve_assessment", four_eyes=True),
        AssessmentStatus.RETURNED: Move(
            "assessments.approve_assessment", four_eyes=True, needs_comment=True
        ),
    },
    AssessmentStatus.APPROVED: {},
}

OPTION_TRANSITIONS: dict[str, set[str]] = {
    OptionStatus.PROPOSED: {OptionStatus.RECOMMENDED, OptionStatus.ABANDONED},
    OptionStatus.RECOMMENDED: {OptionStatus.ADOPTED, OptionStatus.ABANDONED},
    OptionStatus.ADOPTED: {OptionStatus.IMPLEMENTED, OptionStatus.ABANDONED},
    OptionStatus.IMPLEMENTED: set(),
    OptionStatus.ABANDONED: set(),
}


# --- Small helpers ------------------------------------------------------------------------------


def _text(data: dict, field: str, errors: dict, *, required: bool = False, limit: int = TEXT_LIMIT):
    return text_value(data.get(field, ""), field, errors, required=required, limit=limit)


def _choice(data: dict, field: str, choices: Any, errors: dict, *, required: bool = True):
    value = data.get(field)
    if value in (None, "") and not required:
        return None
    if value not in choices.values:
        words = ", ".join(str(label).lower() for label in choices.labels)
        errors[field] = [f"Choose one of: {words}."]
        return None
    return value


def _check_revision(record: Assessment | ResponseOption, revision: object) -> None:
    if revision is None:
        return
    try:
        wanted = int(revision)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApplicationValidationError({"revision": ["Send the revision you edited."]}) from None
    if wanted != record.revision:
        raise ConflictError(
            "Someone changed this since you opened it. Reload to see their changes, then "
            "make yours again."
        )


def _lock_assessment(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update()
        .select_related("situation", "author")
        .get(pk=assessment.pk)
    )


def _require_editable(assessment: Assessment) -> None:
    if not assessment.is_editable:
        raise ConflictError(
            f"Version {assessment.version} is {assessment.get_status_display().lower()} and "
            "can no longer be edited."
        )


def _audit(action: str, actor: User, target: Any, **summary: Any) -> None:
    audit_record(action=action, actor=actor, target=target, summary=summary)


def _recompute(assessment: Assessment) -> None:
    """Store the rule's levels from the current judgments (called under the row lock)."""
    levels = dict(assessment.judgments.values_list("factor__number", "level"))
    result = risk_compute(levels)
    assessment.genocide_level = result.genocide
    assessment.crimes_against_humanity_level = result.crimes_against_humanity
    assessment.war_crimes_level = result.war_crimes
    assessment.computed_level = result.overall
    assessment.overall_level = assessment.override_level or result.overall


def _touch(assessment: Assessment, *fields: str) -> None:
    _recompute(assessment)
    assessment.revision += 1
    assessment.save(
        update_fields=[
            *fields,
            "genocide_level",
            "crimes_against_humanity_level",
            "war_crimes_level",
            "computed_level",
            "overall_level",
            "revision",
            "updated_at",
        ]
    )


# --- Assessments --------------------------------------------------------------------------------


def assessment_start(*, situation: Situation, actor: User) -> Assessment:
    """A new version: a copy of the last approved one, or a blank one on the latest catalogue.

    At most one version of a situation is open (draft, submitted or returned) at a time.
    """
    access.require_writer(actor, situation)
    with transaction.atomic():
        Situation.objects.select_for_update().get(pk=situation.pk)
        open_one = situation.assessments.filter(status__in=OPEN_ASSESSMENT_STATUSES).first()
        if open_one is not None:
            raise ConflictError(
                f"Version {open_one.version} is still {open_one.get_status_display().lower()}: "
                "continue it rather than start another."
            )
        last = (
            situation.assessments.filter(status=AssessmentStatus.APPROVED)
            .order_by("-version")
            .first()
        )
        number = (situation.assessments.aggregate(n=Max("version"))["n"] or 0) + 1
        catalogue = last.catalogue if last else Catalogue.objects.order_by("-version").first()
        if catalogue is None:
            raise ConflictError("No framework catalogue is loaded; run the migrations.")
        assessment = Assessment(
            situation=situation,
            version=number,
            catalogue=catalogue,
            based_on=last,
            author=actor,
            classification=last.classification if last else situation.classification,
            overall_narrative=last.overall_narrative if last else "",
            override_level=last.override_level if last else None,
            override_justification=last.override_justification if last else "",
            genocide_level=RiskLevel.LOW,
            crimes_against_humanity_level=RiskLevel.LOW,
            war_crimes_level=RiskLevel.LOW,
            computed_level=RiskLevel.LOW,
            overall_level=(last.override_level if last and last.override_level else RiskLevel.LOW),
        )
        assessment.save()
        if last is None:
            FactorJudgment.objects.bulk_create(
                FactorJudgment(assessment=assessment, factor=factor)
                for factor in catalogue.factors.order_by("number")
            )
        else:
            _copy_judgments(last, assessment)
        _recompute(assessment)
        assessment.save()
        _audit(
            "assessment.start",
            actor,
            assessment,
            situation=situation.reference,
            version=number,
            based_on=last.version if last else None,
        )
    return assessment


def _copy_judgments(source: Assessment, target: Assessment) -> None:
    old = list(source.judgments.prefetch_related("indicators", "evidence"))
    copies = FactorJudgment.objects.bulk_create(
        FactorJudgment(
            assessment=target,
            factor_id=j.factor_id,
            level=j.level,
            confidence=j.confidence,
            narrative=j.narrative,
        )
        for j in old
    )
    through = FactorJudgment.indicators.through
    through.objects.bulk_create(
        through(factorjudgment_id=copy.pk, indicator_id=indicator.pk)
        for j, copy in zip(old, copies, strict=True)
        for indicator in j.indicators.all()
    )
    Evidence.objects.bulk_create(
        Evidence(judgment=copy, signal_id=e.signal_id, note=e.note, added_by_id=e.added_by_id)
        for j, copy in zip(old, copies, strict=True)
        for e in j.evidence.all()
    )


def assessment_update(
    *, assessment: Assessment, actor: User, data: dict[str, Any], revision: object = None
) -> Assessment:
    """The overall narrative, the classification, and the override of the overall level.

    Only keys present in `data` change. An override needs a written justification.
    """
    access.require_writer(actor, assessment.situation)
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        assessment = _lock_assessment(assessment)
        _check_revision(assessment, revision)
        _require_editable(assessment)
        changed = []
        if "overall_narrative" in data:
            assessment.overall_narrative = _text(data, "overall_narrative", errors)
            changed.append("overall_narrative")
        if "classification" in data:
            try:
                level = Classification.parse(data["classification"])
            except (ValueError, TypeError) as exc:
                errors["classification"] = [str(exc)]
            else:
                if level > actor.clearance:
                    errors["classification"] = ["You cannot mark above your own clearance."]
                elif level < assessment.situation.classification:
                    errors["classification"] = [
                        "An assessment is marked at least as high as its situation "
                        f"({Classification(assessment.situation.classification).label})."
                    ]
                else:
                    assessment.classification = level
                    changed.append("classification")
        if "override_level" in data or "override_justification" in data:
            raw = data.get("override_level", assessment.override_level)
            override = None
            if raw not in (None, ""):
                try:
                    override = RiskLevel(int(raw))
                except (TypeError, ValueError):
                    errors["override_level"] = [
                        "Choose low, moderate, high or very high, or leave it empty."
                    ]
            justification = _text(
                {"j": data.get("override_justification", assessment.override_justification)},
                "j",
                errors,
            )
            errors.pop("j", None)
            if override is not None and not justification:
                errors["override_justification"] = [
                    "Explain why the overall level differs from the computed one."
                ]
            assessment.override_level = override
            assessment.override_justification = justification if override is not None else ""
            changed += ["override_level", "override_justification"]
        if errors:
            raise ApplicationValidationError(errors)
        _touch(assessment, *changed)
        _audit("assessment.update", actor, assessment, fields=sorted(set(changed)))
    return assessment


def judgment_update(
    *, judgment: FactorJudgment, actor: User, data: dict[str, Any], revision: object = None
) -> FactorJudgment:
    """A factor's level, confidence, narrative and observed indicators (codes like "7.3")."""
    assessment = judgment.assessment
    access.require_writer(actor, assessment.situation)
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        assessment = _lock_assessment(assessment)
        _check_revision(assessment, revision)
        _require_editable(assessment)
        judgment = FactorJudgment.objects.select_related("factor").get(pk=judgment.pk)
        changed = {}
        if "level" in data:
            level = _choice(data, "level", FactorLevel, errors)
            if level:
                judgment.level = level
                changed["level"] = level
        if "confidence" in data:
            confidence = _choice(data, "confidence", Confidence, errors)
            if confidence:
                judgment.confidence = confidence
                changed["confidence"] = confidence
        if "narrative" in data:
            judgment.narrative = _text(data, "narrative", errors)
            changed["narrative"] = True
        indicators = None
        if "indicators" in data:
            codes = data["indicators"] or []
            if isinstance(codes, str):
                codes = [c for c in codes.replace(",", " ").split() if c]
            if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
                errors["indicators"] = ["Send a list of indicator codes such as 7.3."]
            else:
                known = {i.code: i for i in Indicator.objects.filter(factor_id=judgment.factor_id)}
                unknown = [c for c in codes if c.strip() not in known]
                if unknown:
                    errors["indicators"] = [
                        f"Factor {judgment.factor.number} has no indicator "
                        f"{', '.join(unknown)}; its indicators are "
                        f"{judgment.factor.number}.1 to {judgment.factor.number}.{len(known)}."
                    ]
                else:
                    indicators = [known[c.strip()] for c in codes]
        if errors:
            raise ApplicationValidationError(errors)
        judgment.save()
        if indicators is not None:
            judgment.indicators.set(indicators)
            changed["indicators"] = sorted(i.code for i in indicators)
        _touch(assessment)
        _audit(
            "assessment.judgment",
            actor,
            assessment,
            factor=judgment.factor.number,
            **{k: v for k, v in changed.items() if k != "narrative"},
            narrative_changed="narrative" in changed,
        )
    judgment.assessment = assessment
    return judgment


def evidence_add(
    *,
    judgment: FactorJudgment,
    actor: User,
    signal_id: object,
    note: str = "",
    revision: object = None,
) -> Evidence:
    """Back a factor judgment with a signal the actor may see, with a note on what it shows."""
    assessment = judgment.assessment
    access.require_writer(actor, assessment.situation)
    try:
        signal = cases_access.access_signal(actor, signal_id)
    except NotFoundError:
        raise ApplicationValidationError(
            {"signal": [f"No signal #{signal_id} that you may see."]}
        ) from None
    errors: dict[str, list[str]] = {}
    note = _text({"note": note}, "note", errors)
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        assessment = _lock_assessment(assessment)
        _check_revision(assessment, revision)
        _require_editable(assessment)
        if Evidence.objects.filter(judgment=judgment, signal=signal).exists():
            raise ApplicationValidationError(
                {"signal": [f"Signal #{signal.pk} already backs this factor."]}
            )
        evidence = Evidence.objects.create(
            judgment=judgment, signal=signal, note=note, added_by=actor
        )
        _touch(assessment)
        _audit(
            "assessment.evidence_add",
            actor,
            assessment,
            factor=judgment.factor.number,
            signal=signal.pk,
        )
    return evidence


def evidence_remove(*, evidence: Evidence, actor: User, revision: object = None) -> None:
    assessment = evidence.judgment.assessment
    access.require_writer(actor, assessment.situation)
    with transaction.atomic():
        assessment = _lock_assessment(assessment)
        _check_revision(assessment, revision)
        _require_editable(assessment)
        factor = evidence.judgment.factor.number
        signal = evidence.signal_id
        evidence.delete()
        _touch(assessment)
        _audit("assessment.evidence_remove", actor, assessment, factor=factor, signal=signal)


def flags_acknowledge(
    *, judgment: FactorJudgment, actor: User, note: str, revision: object = None
) -> FactorJudgment:
    """Accept the factor's current evidence flags, with a note saying why they may stand."""
    assessment = judgment.assessment
    access.require_writer(actor, assessment.situation)
    errors: dict[str, list[str]] = {}
    note = _text({"note": note}, "note", errors, required=True)
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        assessment = _lock_assessment(assessment)
        _check_revision(assessment, revision)
        _require_editable(assessment)
        judgment = FactorJudgment.objects.select_related("factor").get(pk=judgment.pk)
        flags = selectors.judgment_flags(judgment)
        if not flags:
            raise ApplicationValidationError(
                {"note": [f"Factor {judgment.factor.number} has no evidence flag to acknowledge."]}
            )
        judgment.acknowledged_flags = sorted(flags)
        judgment.acknowledgement_note = note
        judgment.acknowledged_by = actor
        judgment.acknowledged_at = timezone.now()
        judgment.save()
        _touch(assessment)
        _audit(
            "assessment.flags_acknowledge",
            actor,
            assessment,
            factor=judgment.factor.number,
            flags=sorted(flags),
        )
    return judgment


def assessment_transition(
    *,
    assessment: Assessment,
    actor: User,
    to: str,
    comment: str = "",
    revision: object = None,
) -> Assessment:
    """The one place that moves an assessment: lock, check the move and the actor, write the
    transition row and the audit event. Approval also requires every evidence flag resolved or
    acknowledged and every open challenge acknowledged (assessments.selectors.approval_blockers).
    """
    errors: dict[str, list[str]] = {}
    comment = _text({"comment": comment}, "comment", errors)
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        assessment = _lock_assessment(assessment)
        _check_revision(assessment, revision)
        move = ASSESSMENT_TRANSITIONS.get(assessment.status, {}).get(to)
        if move is None:
            raise ConflictError(
                f"Version {assessment.version} is {assessment.get_status_display().lower()}; "
                f"it cannot become {AssessmentStatus(to).label.lower()}."
                if to in AssessmentStatus.values
                else f"Unknown status {to!r}."
            )
        if not actor.has_perm(move.permission):
            raise ForbiddenError("Your role cannot make this move.")
        if move.team_only and not access.on_team(actor, assessment.situation):
            raise ForbiddenError("Only the situation's team submits its assessments.")
        if move.four_eyes and assessment.author_id == actor.pk:
            raise ForbiddenError(
                "Four eyes: someone other than the author must review this assessment."
            )
        if move.needs_comment and not comment:
            raise ApplicationValidationError({"comment": ["Say what must change."]})
        if to == AssessmentStatus.APPROVED:
            blockers = selectors.approval_blockers(assessment)
            if blockers:
                raise ApplicationValidationError({"non_field_errors": blockers})
        previous = assessment.status
        assessment.status = to
        now = timezone.now()
        fields = ["status"]
        if to == AssessmentStatus.SUBMITTED:
            assessment.submitted_at = now
            fields.append("submitted_at")
        if to == AssessmentStatus.APPROVED:
            assessment.approved_by, assessment.approved_at = actor, now
            fields += ["approved_by", "approved_at"]
        _touch(assessment, *fields)
        AssessmentTransition.objects.create(
            assessment=assessment, from_status=previous, to_status=to, actor=actor, comment=comment
        )
        _audit(
            "assessment.status",
            actor,
            assessment,
            to=to,
            version=assessment.version,
            situation=assessment.situation.reference,
            **{"from": previous},
        )
    return assessment


def assessment_submit(*, assessment: Assessment, actor: User, revision: object = None):
    return assessment_transition(
        assessment=assessment, actor=actor, to=AssessmentStatus.SUBMITTED, revision=revision
    )


def assessment_approve(
    *, assessment: Assessment, actor: User, comment: str = "", revision: object = None
):
    return assessment_transition(
        assessment=assessment,
        actor=actor,
        to=AssessmentStatus.APPROVED,
        comment=comment,
        revision=revision,
    )


def assessment_return(
    *, assessment: Assessment, actor: User, comment: str, revision: object = None
):
    return assessment_transition(
        assessment=assessment,
        actor=actor,
        to=AssessmentStatus.RETURNED,
        comment=comment,
        revision=revision,
    )


# --- Challenges ---------------------------------------------------------------------------------


def challenge_raise(
    *,
    actor: User,
    reasoning: str,
    signal_id: object = None,
    judgment: FactorJudgment | None = None,
    counter_evidence: Iterable[object] = (),
) -> Challenge:
    """Anyone with access may challenge a signal or a factor judgment, with reasoning and
    optionally counter-evidence (signals they may see)."""
    if not actor.has_perm("assessments.add_challenge"):
        raise ForbiddenError("Your role cannot raise challenges.")
    errors: dict[str, list[str]] = {}
    reasoning = _text({"reasoning": reasoning}, "reasoning", errors, required=True)
    if (signal_id in (None, "")) == (judgment is None):
        errors["non_field_errors"] = ["Challenge either one signal or one factor judgment."]
    signal = None
    if signal_id not in (None, ""):
        try:
            signal = cases_access.access_signal(actor, signal_id)
        except NotFoundError:
            errors["signal"] = [f"No signal #{signal_id} that you may see."]
    counter: list[Signal] = []
    bad = []
    for raw in counter_evidence:
        try:
            counter.append(cases_access.access_signal(actor, raw))
        except NotFoundError:
            bad.append(str(raw))
    if bad:
        errors["counter_evidence"] = [f"No signal {', '.join('#' + b for b in bad)} you may see."]
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        challenge = Challenge.objects.create(
            signal=signal,
            judgment=judgment,
            situation=judgment.assessment.situation if judgment else None,
            factor_number=judgment.factor.number if judgment else None,
            reasoning=reasoning,
            author=actor,
        )
        challenge.counter_evidence.set(counter)
        _audit(
            "challenge.raise",
            actor,
            challenge,
            signal=signal.pk if signal else None,
            factor=judgment.factor.number if judgment else None,
        )
    return challenge


def challenge_resolve(*, challenge: Challenge, actor: User, outcome: str, note: str) -> Challenge:
    """Uphold or dismiss an open challenge, with a note, by someone other than its author."""
    if not actor.has_perm("assessments.change_challenge"):
        raise ForbiddenError("Your role cannot resolve challenges.")
    errors: dict[str, list[str]] = {}
    note = _text({"note": note}, "note", errors, required=True)
    if outcome not in (ChallengeStatus.UPHELD, ChallengeStatus.DISMISSED):
        errors["outcome"] = ["Choose upheld or dismissed."]
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
        if challenge.status != ChallengeStatus.OPEN:
            raise ConflictError(f"This challenge was already {challenge.status}.")
        if challenge.author_id == actor.pk:
            raise ForbiddenError("Someone other than the challenge's author must resolve it.")
        challenge.status = outcome
        challenge.resolution_note = note
        challenge.resolved_by = actor
        challenge.resolved_at = timezone.now()
        challenge.save()
        _audit("challenge.resolve", actor, challenge, outcome=outcome)
    return challenge


def challenge_acknowledge(
    *, challenge: Challenge, assessment: Assessment, actor: User, note: str
) -> ChallengeAcknowledgement:
    """The people approving `assessment` record that they weighed an open challenge."""
    if not (
        actor.has_perm("assessments.approve_assessment")
        or access.on_team(actor, assessment.situation)
    ):
        raise ForbiddenError("Only the situation's team or a reviewer acknowledges challenges.")
    errors: dict[str, list[str]] = {}
    note = _text({"note": note}, "note", errors, required=True)
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        # Read both afresh under locks: a challenge resolved, or a version approved, since the
        # caller loaded them takes no acknowledgement (and a resolution cannot slip in between).
        challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
        assessment = _lock_assessment(assessment)
        if challenge.status != ChallengeStatus.OPEN:
            raise ConflictError("Only open challenges are acknowledged; this one is resolved.")
        if assessment.status == AssessmentStatus.APPROVED:
            raise ConflictError(
                f"Version {assessment.version} is approved; what its reviewers weighed is final."
            )
        if challenge.pk not in {c.pk for c in selectors.challenges_relevant(assessment)}:
            raise ApplicationValidationError(
                {"challenge": ["This challenge is not about anything this assessment uses."]}
            )
        try:
            with transaction.atomic():
                ack = ChallengeAcknowledgement.objects.create(
                    challenge=challenge, assessment=assessment, note=note, by=actor
                )
        except IntegrityError:
            raise ConflictError(
                "This challenge is already acknowledged for this version."
            ) from None
        _audit("challenge.acknowledge", actor, challenge, assessment=assessment.pk)
    return ack


# --- Trigger calendar ---------------------------------------------------------------------------


def _trigger_fields(data: dict[str, Any], errors: dict) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    fields["kind"] = _choice(data, "kind", TriggerKind, errors)
    fields["title"] = _text(data, "title", errors, required=True, limit=200)
    fields["description"] = _text(data, "description", errors)
    raw = data.get("occurs_on")
    if isinstance(raw, date):
        fields["occurs_on"] = raw
    else:
        try:
            fields["occurs_on"] = date.fromisoformat(str(raw or "").strip())
        except ValueError:
            errors["occurs_on"] = ["Enter the date as YYYY-MM-DD."]
    days = data.get("remind_days_before")
    if days in (None, ""):
        fields["remind_days_before"] = None
    else:
        try:
            fields["remind_days_before"] = int(days)
            if not 0 <= fields["remind_days_before"] <= 365:
                raise ValueError
        except (TypeError, ValueError):
            errors["remind_days_before"] = ["Enter a number of days from 0 to 365, or leave empty."]
    return fields


def trigger_create(*, situation: Situation, actor: User, data: dict[str, Any]) -> TriggerEvent:
    access.require_writer(actor, situation)
    errors: dict[str, list[str]] = {}
    fields = _trigger_fields(data, errors)
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        trigger = TriggerEvent.objects.create(situation=situation, created_by=actor, **fields)
        _audit("trigger.create", actor, trigger, situation=situation.reference, kind=trigger.kind)
    return trigger


def trigger_update(*, trigger: TriggerEvent, actor: User, data: dict[str, Any]) -> TriggerEvent:
    access.require_writer(actor, trigger.situation)
    with transaction.atomic():
        # Read afresh under the lock: the reminder task may have marked it since the caller
        # loaded it, and saving a stale copy would clear `reminded_at` and remind the team twice.
        trigger = (
            TriggerEvent.objects.select_for_update(of=("self",))
            .select_related("situation")
            .get(pk=trigger.pk)
        )
        errors: dict[str, list[str]] = {}
        fields = _trigger_fields({**_trigger_data(trigger), **data}, errors)
        if errors:
            raise ApplicationValidationError(errors)
        if fields["occurs_on"] != trigger.occurs_on or fields["remind_days_before"] != (
            trigger.remind_days_before
        ):
            trigger.reminded_at = None  # a moved date deserves a new reminder
        for name, value in fields.items():
            setattr(trigger, name, value)
        trigger.save()
        _audit("trigger.update", actor, trigger, situation=trigger.situation.reference)
    return trigger


def _trigger_data(trigger: TriggerEvent) -> dict[str, Any]:
    return {
        "kind": trigger.kind,
        "title": trigger.title,
        "description": trigger.description,
        "occurs_on": trigger.occurs_on,
        "remind_days_before": trigger.remind_days_before,
    }


def trigger_delete(*, trigger: TriggerEvent, actor: User) -> None:
    access.require_writer(actor, trigger.situation)
    with transaction.atomic():
        _audit("trigger.delete", actor, trigger, situation=trigger.situation.reference)
        trigger.delete()


def trigger_reminders_send(*, today: date | None = None) -> int:
    """E-mail each situation's team about triggers now within their reminder window; each
    trigger is reminded once (until its date moves). Returns how many triggers were reminded.

    The e-mail carries no classified content: the situation's reference, the date, the kind,
    and a link. Safe to run twice: the row lock and `reminded_at` make it idempotent.
    """
    today = today or timezone.localdate()
    default_days = settings.TRIGGER_REMINDER_DAYS
    sent = 0
    due = TriggerEvent.objects.filter(reminded_at__isnull=True, occurs_on__gte=today).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            trigger = (
                # Lock the trigger only, not the situation and user rows it is read with.
                TriggerEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("situation__lead_analyst")
                .filter(pk=pk, reminded_at__isnull=True)
                .first()
            )
            if trigger is None:
                continue
            days = (
                trigger.remind_days_before
                if trigger.remind_days_before is not None
                else default_days
            )
            if (trigger.occurs_on - today).days > days:
                continue
            situation = trigger.situation
            people = {situation.lead_analyst, *(m.user for m in situation.members.all())}
            recipients = sorted({p.email for p in people if p.email and p.is_active})
            context = {
                "reference": situation.reference,
                "kind": trigger.get_kind_display(),
                "occurs_on": trigger.occurs_on,
                "days": (trigger.occurs_on - today).days,
                "url": settings.SITE_URL.rstrip("/")
                + reverse("cases:situation-detail", args=[situation.pk]),
            }
            if recipients:
                subject = render_to_string("emails/trigger_reminder_subject.txt", context).strip()
                body = render_to_string("emails/trigger_reminder_body.txt", context)
                transaction.on_commit(
                    lambda s=subject, b=body, r=recipients: send_mail(
                        s, b, settings.DEFAULT_FROM_EMAIL, r
                    )
                )
            trigger.reminded_at = timezone.now()
            trigger.save(update_fields=["reminded_at"])
            audit_record(
                action="trigger.remind",
                target=trigger,
                actor_username="scheduler",
                summary={"situation": situation.reference, "recipients": len(recipients)},
            )
            sent += 1
    return sent


# --- Response options ---------------------------------------------------------------------------


def _option_fields(data: dict[str, Any], errors: dict, situation: Situation) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    key = data.get("instrument")
    instrument = (
        Instrument.objects.filter(key=key).first()
        if isinstance(key, str)
        else Instrument.objects.filter(pk=key).first()
        if isinstance(key, int)
        else None
    )
    if instrument is None:
        errors["instrument"] = ["Choose an instrument from the catalogue."]
    fields["instrument"] = instrument
    fields["rationale"] = _text(data, "rationale", errors, required=True)
    fields["lead_actor"] = _text(data, "lead_actor", errors, required=True, limit=200)
    fields["expected_effect"] = _text(data, "expected_effect", errors)
    fields["risks"] = _text(data, "risks", errors)
    fields["feasibility"] = _choice(data, "feasibility", Feasibility, errors)
    numbers = data.get("factors") or []
    if isinstance(numbers, str):
        numbers = [n for n in numbers.replace(",", " ").split() if n]
    try:
        numbers = sorted({int(n) for n in numbers})
    except (TypeError, ValueError):
        errors["factors"] = ["List risk factor numbers from 1 to 14."]
        numbers = []
    if any(not 1 <= n <= 14 for n in numbers):
        errors["factors"] = ["Risk factors are numbered 1 to 14."]
    catalogue = Catalogue.objects.order_by("-version").first()
    fields["factors"] = list(RiskFactor.objects.filter(catalogue=catalogue, number__in=numbers))
    return fields


def option_propose(*, situation: Situation, actor: User, data: dict[str, Any]) -> ResponseOption:
    access.require_writer(actor, situation)
    errors: dict[str, list[str]] = {}
    fields = _option_fields(data, errors, situation)
    if errors:
        raise ApplicationValidationError(errors)
    factors = fields.pop("factors")
    with transaction.atomic():
        option = ResponseOption.objects.create(situation=situation, proposed_by=actor, **fields)
        option.factors.set(factors)
        OptionTransition.objects.create(
            option=option, from_status="", to_status=OptionStatus.PROPOSED, actor=actor
        )
        _audit(
            "option.propose",
            actor,
            option,
            situation=situation.reference,
            instrument=option.instrument.key,
        )
    return option


def option_update(
    *, option: ResponseOption, actor: User, data: dict[str, Any], revision: object = None
) -> ResponseOption:
    access.require_writer(actor, option.situation)
    errors: dict[str, list[str]] = {}
    current = {
        "instrument": option.instrument.key,
        "rationale": option.rationale,
        "lead_actor": option.lead_actor,
        "expected_effect": option.expected_effect,
        "risks": option.risks,
        "feasibility": option.feasibility,
        "factors": [f.number for f in option.factors.all()],
    }
    fields = _option_fields({**current, **data}, errors, option.situation)
    if errors:
        raise ApplicationValidationError(errors)
    factors = fields.pop("factors")
    with transaction.atomic():
        option = ResponseOption.objects.select_for_update().get(pk=option.pk)
        _check_revision(option, revision)
        if option.status in (OptionStatus.IMPLEMENTED, OptionStatus.ABANDONED):
            raise ConflictError(f"An {option.status} option is closed.")
        for name, value in fields.items():
            setattr(option, name, value)
        option.revision += 1
        option.save()
        option.factors.set(factors)
        _audit("option.update", actor, option, fields=sorted(data))
    return option


def option_transition(
    *,
    option: ResponseOption,
    actor: User,
    to: str,
    note: str = "",
    adopted_by: str = "",
    adopted_on: object = None,
    revision: object = None,
) -> ResponseOption:
    """The one place that moves a response option along proposed, recommended, adopted,
    implemented, or abandoned (why). Adoption records by whom (a body or person) and when."""
    access.require_writer(actor, option.situation)
    errors: dict[str, list[str]] = {}
    note = _text({"note": note}, "note", errors)
    adopted_by = _text({"adopted_by": adopted_by}, "adopted_by", errors, limit=200)
    adopted_date = None
    if to == OptionStatus.ADOPTED:
        if not adopted_by:
            errors["adopted_by"] = ["Name the body or person that adopted it."]
        if isinstance(adopted_on, date):
            adopted_date = adopted_on
        else:
            try:
                adopted_date = date.fromisoformat(str(adopted_on or "").strip())
            except ValueError:
                errors["adopted_on"] = ["Enter the date of adoption as YYYY-MM-DD."]
        if adopted_date and adopted_date > timezone.localdate():
            errors["adopted_on"] = ["The date of adoption cannot be in the future."]
    if to == OptionStatus.ABANDONED and not note:
        errors["note"] = ["Say why the option is abandoned."]
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        option = ResponseOption.objects.select_for_update().get(pk=option.pk)
        _check_revision(option, revision)
        if to not in OPTION_TRANSITIONS.get(option.status, set()):
            raise ConflictError(
                f"A {option.get_status_display().lower()} option cannot become "
                f"{OptionStatus(to).label.lower() if to in OptionStatus.values else to}."
            )
        previous = option.status
        option.status = to
        if to == OptionStatus.ADOPTED:
            option.adopted_by, option.adopted_on = adopted_by, adopted_date
        if to == OptionStatus.ABANDONED:
            option.abandoned_reason = note
        option.revision += 1
        option.save()
        OptionTransition.objects.create(
            option=option, from_status=previous, to_status=to, actor=actor, note=note
        )
        _audit("option.status", actor, option, to=to, **{"from": previous})
    return option
