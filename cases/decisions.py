"""The Secretary-General's desk: decisions on escalations, the referrals they make, and the
follow-up of each referral (status moves declared as data, overdue follow-ups reminded).

    escalation_decide   route (one referral per routing) / hold -> decided; send back -> draft
    referral_update     sent -> acknowledged -> on the agenda -> action taken | no action

Both lock the rows they change, write the audit event in the same transaction, and move the
escalation only through cases.escalations.escalation_transition. Reminder e-mails carry the
body's name and the references with a link, never classified content.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases import access
from cases.escalations import escalation_transition
from cases.models import (
    USUAL_LEGAL_BASIS,
    Body,
    Decision,
    DecisionOutcome,
    Escalation,
    EscalationStatus,
    Referral,
    ReferralStatus,
    ReferralUpdate,
    RegionalArrangement,
)
from r2p.errors import (
    ApplicationValidationError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
)
from r2p.models import User
from r2p.services import audit_record
from r2p.validation import text_value

# A referral is followed up a month after it is sent unless the desk says otherwise.
FOLLOW_UP_DAYS = 30
MAX_ROUTINGS = 12

# The usual legal basis of each body (cases.models), under the name the forms use.
DEFAULT_LEGAL_BASIS = USUAL_LEGAL_BASIS

R = ReferralStatus
# The follow-up of a referral, as data: from each status, where it may go next. A referral may
# also stay where it is (a note and a new follow-up date) until it reaches a final status.
REFERRAL_MOVES: dict[str, frozenset[str]] = {
    R.SENT: frozenset({R.ACKNOWLEDGED, R.ON_AGENDA, R.ACTION_TAKEN, R.NO_ACTION}),
    R.ACKNOWLEDGED: frozenset({R.ON_AGENDA, R.ACTION_TAKEN, R.NO_ACTION}),
    R.ON_AGENDA: frozenset({R.ACTION_TAKEN, R.NO_ACTION}),
    R.ACTION_TAKEN: frozenset(),
    R.NO_ACTION: frozenset(),
}
FINAL_REFERRAL_STATUSES = tuple(s for s, nexts in REFERRAL_MOVES.items() if not nexts)
OPEN_REFERRAL_STATUSES = tuple(s for s, nexts in REFERRAL_MOVES.items() if nexts)


# --- Reading the input ----------------------------------------------------------------------


def _date(value: object, field: str, errors: dict) -> date | None:
    """A date, an ISO `YYYY-MM-DD` string, or nothing (None)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors[field] = ["Give a date as YYYY-MM-DD, for example 2026-11-24."]
    return None


def _arrangements() -> dict[str, RegionalArrangement]:
    return {a.acronym.upper(): a for a in RegionalArrangement.objects.filter(active=True)}


def _routing(
    raw: object, index: int, today: date, arrangements: dict[str, RegionalArrangement], errors: dict
) -> dict[str, Any]:
    """One routing, checked; its problems go to `routings.<index>.<field>`."""
    prefix = f"routings.{index}."
    mine: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        errors[f"routings.{index}"] = ["Each routing names a body, its legal basis and rationale."]
        return {}
    body = raw.get("body")
    body = str(body.value if isinstance(body, Body) else (body or "")).strip()
    if not body:
        mine["body"] = ["Choose the body to route to."]
    elif body not in Body.values:
        mine["body"] = [f"Choose one of: {', '.join(str(label) for label in Body.labels)}."]
    arrangement = None
    acronym = text_value(raw.get("regional_arrangement"), "regional_arrangement", mine, limit=16)
    if body == Body.REGIONAL:
        if not acronym:
            mine.setdefault("regional_arrangement", ["Choose the regional arrangement."])
        else:
            arrangement = arrangements.get(acronym.upper())
            if arrangement is None:
                mine["regional_arrangement"] = [
                    f"{acronym!r} is not on the list of regional arrangements."
                ]
    elif acronym:
        mine["regional_arrangement"] = ["Only a routing to a regional arrangement names one."]
    other = text_value(raw.get("other_body"), "other_body", mine, limit=200)
    if body == Body.OTHER and not other and "other_body" not in mine:
        mine["other_body"] = ["Name the body in full."]
    elif body != Body.OTHER and other:
        mine["other_body"] = ["Only a routing to another body names it here."]
    legal_basis = text_value(raw.get("legal_basis"), "legal_basis", mine, limit=300)
    if not legal_basis and "legal_basis" not in mine:
        legal_basis = DEFAULT_LEGAL_BASIS.get(body, "")
        if not legal_basis and body:
            mine["legal_basis"] = ["Give the legal basis for routing to this body."]
    rationale = text_value(raw.get("rationale"), "rationale", mine, required=True)
    sent_on = _date(raw.get("sent_on"), "sent_on", mine)
    if sent_on is None and "sent_on" not in mine:
        sent_on = today
    if sent_on is not None and sent_on > today:
        mine["sent_on"] = [
            "A referral cannot be sent in the future; give today or an earlier date."
        ]
    reference = text_value(
        raw.get("transmittal_reference"), "transmittal_reference", mine, limit=100
    )
    follow_up_on = _date(raw.get("follow_up_on"), "follow_up_on", mine)
    if follow_up_on is None and "follow_up_on" not in mine and sent_on is not None:
        follow_up_on = sent_on + timedelta(days=FOLLOW_UP_DAYS)
    if follow_up_on is not None and sent_on is not None and follow_up_on <= sent_on:
        mine["follow_up_on"] = ["The follow-up date comes after the date it is sent."]
    for field, messages in mine.items():
        errors[prefix + field] = messages
    return {
        "body": body,
        "regional_arrangement": arrangement,
        "other_body": other,
        "legal_basis": legal_basis,
        "rationale": rationale,
        "sent_on": sent_on,
        "transmittal_reference": reference,
        "follow_up_on": follow_up_on,
    }


def _check_version(current: int, version: object, what: str) -> None:
    if version is None:
        return
    try:
        stale = int(version) != current  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApplicationValidationError({"version": ["Send the version you saw."]}) from None
    if stale:
        raise ConflictError(f"{what} changed since you opened it. Reload it.")


# --- The joint office's recommended routing ---------------------------------------------------


_DATED = ("sent_on", "transmittal_reference", "follow_up_on")


# --- The decision ---------------------------------------------------------------------------


def escalation_decide(
    *,
    escalation: Escalation,
    actor: User,
    outcome: str,
    rationale: str,
    routings: list[dict] | None = None,
    version: object = None,
) -> Decision:
    """The Secretary-General's decision on an escalation at the desk, by the SG Office.

    Route: one referral per routing, and the escalation is decided. Hold: decided, no referral.
    Send back: the escalation returns to the joint office (draft) with the rationale as the
    reasons. 409 if it is not at the desk (or the version is stale), then 403 for anyone but
    the SG Office (the same order as escalation_transition), 400 with
    `routings.<index>.<field>` messages for bad routings.
    """
    routings = routings or []
    with transaction.atomic():
        locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if locked.status != EscalationStatus.AT_DESK:
            raise ConflictError(
                f"{locked.reference} is {locked.get_status_display().lower()}, not at the "
                "desk: there is nothing to decide."
            )
        if not actor.has_perm("cases.decide_escalation"):
            raise ForbiddenError("Only the Secretary-General's Office records decisions.")
        _check_version(locked.version, version, locked.reference)
        errors: dict[str, list[str]] = {}
        if outcome not in DecisionOutcome.values:
            errors["outcome"] = [
                "Choose: route to one or more bodies, hold and keep monitoring, or send back."
            ]
        rationale = text_value(rationale, "rationale", errors, required=True)
        checked: list[dict[str, Any]] = []
        if not isinstance(routings, list | tuple):
            errors["routings"] = ["Send the routings as a list."]
        elif outcome == DecisionOutcome.ROUTE:
            if not routings:
                errors["routings"] = ["Route to at least one body."]
            elif len(routings) > MAX_ROUTINGS:
                errors["routings"] = [f"Route to at most {MAX_ROUTINGS} bodies at once."]
            else:
                today = timezone.localdate()
                arrangements = _arrangements()
                checked = [
                    _routing(raw, i, today, arrangements, errors) for i, raw in enumerate(routings)
                ]
        elif routings and outcome in DecisionOutcome.values:
            errors["routings"] = [
                "Only a decision to route names bodies; clear the routings or choose to route."
            ]
        if errors:
            raise ApplicationValidationError(errors)

        decision = Decision.objects.create(
            escalation=locked, outcome=outcome, rationale=rationale, decided_by=actor
        )
        for routing in checked:
            referral = Referral.objects.create(decision=decision, **routing)
            audit_record(
                action="referral.create",
                actor=actor,
                target=referral,
                summary={
                    "escalation": locked.reference,
                    "body": referral.body,
                    "regional_arrangement": (
                        routing["regional_arrangement"].acronym
                        if routing["regional_arrangement"]
                        else ""
                    ),
                    "sent_on": referral.sent_on.isoformat(),
                    "follow_up_on": referral.follow_up_on.isoformat(),
                },
            )
        audit_record(
            action="decision.create",
            actor=actor,
            target=decision,
            summary={
                "escalation": locked.reference,
                "outcome": outcome,
                "referrals": len(checked),
            },
        )
        if outcome == DecisionOutcome.SEND_BACK:
            escalation_transition(
                escalation=locked, actor=actor, action="return", comment=rationale
            )
        else:
            escalation_transition(escalation=locked, actor=actor, action="decide")
    escalation.refresh_from_db()
    return decision


# --- Following up a referral ----------------------------------------------------------------


def referral_may_update(user: User, referral: Referral) -> bool:
    """The SG Office, or the situation's team with the role that drafts escalations."""
    if user.has_perm("cases.decide_escalation"):
        return True
    situation = referral.decision.escalation.situation
    return user.has_perm("cases.add_escalation") and (
        situation.lead_analyst_id == user.pk or situation.members.filter(user=user).exists()
    )


def referral_update(
    *,
    referral: Referral,
    actor: User,
    status: str,
    note: str = "",
    follow_up_on: object = None,
    action_taken: str = "",
    version: object = None,
) -> Referral:
    """Record what a body did with a referral: its new status (REFERRAL_MOVES), a note, and
    the next follow-up date (required while it stays open). Action taken says what action.
    403 for someone else, 409 for a final referral, a move not allowed or a stale version."""
    with transaction.atomic():
        locked = (
            Referral.objects.select_for_update()
            .select_related("decision__escalation__situation")
            .get(pk=referral.pk)
        )
        if not referral_may_update(actor, locked):
            raise ForbiddenError(
                "Only the Secretary-General's Office and the situation's team follow up referrals."
            )
        _check_version(locked.version, version, "This referral")
        if locked.status in FINAL_REFERRAL_STATUSES:
            raise ConflictError(
                f"This referral is closed ({locked.get_status_display().lower()}); its record "
                "no longer changes."
            )
        errors: dict[str, list[str]] = {}
        if status not in R.values:
            errors["status"] = [f"Choose one of: {', '.join(str(x) for x in R.labels)}."]
        elif status != locked.status and status not in REFERRAL_MOVES[locked.status]:
            raise ConflictError(
                f"A referral that is {locked.get_status_display().lower()} cannot go back to "
                f"{R(status).label.lower()}."
            )
        note = text_value(note, "note", errors)
        action_taken = text_value(action_taken, "action_taken", errors)
        if status == R.ACTION_TAKEN and not action_taken and "action_taken" not in errors:
            errors["action_taken"] = ["Say what action the body took."]
        elif status != R.ACTION_TAKEN and action_taken:
            errors["action_taken"] = ["Only a referral with action taken says what action."]
        follow_up = _date(follow_up_on, "follow_up_on", errors)
        today = timezone.localdate()
        if status in OPEN_REFERRAL_STATUSES and "follow_up_on" not in errors:
            if follow_up is None:
                errors["follow_up_on"] = ["Give the date of the next follow-up."]
            elif follow_up <= today:
                errors["follow_up_on"] = ["The next follow-up is after today."]
        if errors:
            raise ApplicationValidationError(errors)
        previous = locked.status
        follow_up = follow_up or locked.follow_up_on
        if follow_up != locked.follow_up_on:
            locked.reminded_at = None  # a new date is reminded anew
        locked.status = status
        locked.follow_up_on = follow_up
        locked.action_taken = action_taken if status == R.ACTION_TAKEN else ""
        locked.version += 1
        locked.save()
        ReferralUpdate.objects.create(
            referral=locked, status=status, note=note, follow_up_on=follow_up, actor=actor
        )
        audit_record(
            action="referral.update",
            actor=actor,
            target=locked,
            summary={
                "from": previous,
                "to": status,
                "follow_up_on": follow_up.isoformat(),
                "escalation": locked.decision.escalation.reference,
            },
        )
    return locked


# --- Overdue follow-ups ---------------------------------------------------------------------


def referrals_overdue(today: date | None = None) -> QuerySet[Referral]:
    """Open referrals whose follow-up date has passed."""
    today = today or timezone.localdate()
    return Referral.objects.filter(
        status__in=OPEN_REFERRAL_STATUSES, follow_up_on__lt=today
    ).select_related("decision__escalation__situation__lead_analyst", "regional_arrangement")


def referral_body_name(referral: Referral) -> str:
    """`Security Council`, `ECOWAS (Economic Community of West African States)`, or the name
    of the other body as written."""
    if referral.body == Body.REGIONAL and referral.regional_arrangement is not None:
        return str(referral.regional_arrangement)
    if referral.body == Body.OTHER:
        return referral.other_body
    return referral.get_body_display()


def _desk_people() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(
                groups__permissions__codename="decide_escalation",
                groups__permissions__content_type__app_label="cases",
            )
            | Q(
                user_permissions__codename="decide_escalation",
                user_permissions__content_type__app_label="cases",
            )
        )
        .distinct()
    )


def referral_url(referral: Referral) -> str:
    return reverse("cases:referral-detail", args=[referral.pk])


def referral_remind(*, referral_id: int) -> int:
    """E-mail the SG Office and the situation's lead analyst about one overdue referral;
    returns how many were written to."""
    referral = Referral.objects.select_related(
        "decision__escalation__situation__lead_analyst", "regional_arrangement"
    ).get(pk=referral_id)
    escalation = referral.decision.escalation
    people = [p for p in _desk_people() if p.clearance >= escalation.classification]
    lead = escalation.situation.lead_analyst
    if lead is not None and lead.is_active:
        people.append(lead)
    recipients = sorted({p.email for p in people if p.email})
    if not recipients:
        return 0
    context = {
        "body": referral_body_name(referral),
        "escalation": escalation.reference,
        "situation": escalation.situation.reference,
        "due": referral.follow_up_on.strftime("%d %b %Y"),
        "url": settings.SITE_URL.rstrip("/") + referral_url(referral),
    }
    send_mail(
        render_to_string("emails/referral_reminder_subject.txt", context).strip(),
        render_to_string("emails/referral_reminder_body.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    return len(recipients)


def referral_reminders_send(today: date | None = None) -> int:
    """Daily (beat): remind once per follow-up date of each overdue referral. A new follow-up
    date (referral_update) is reminded again when it passes. Returns how many were reminded."""
    today = today or timezone.localdate()
    reminded = 0
    for pk in list(referrals_overdue(today).filter(reminded_at=None).values_list("pk", flat=True)):
        with transaction.atomic():
            referral = (
                Referral.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, reminded_at=None, status__in=OPEN_REFERRAL_STATUSES)
                .first()
            )
            if referral is None:
                continue
            referral.reminded_at = timezone.now()
            referral.save(update_fields=["reminded_at"])
            audit_record(
                action="referral.remind",
                actor_username="scheduler",
                target=referral,
                summary={"follow_up_on": referral.follow_up_on.isoformat()},
            )
            transaction.on_commit(lambda p=pk: referral_remind(referral_id=p))
            reminded += 1
    return reminded


# --- Selectors ------------------------------------------------------------------------------


def desk_queue(*, user: User) -> QuerySet[Escalation]:
    """Escalations at the desk that this user may see: highest risk first (the overall level
    of the assessment each carries), then the longest waiting."""
    return (
        access.escalations_visible(user)
        .filter(status=EscalationStatus.AT_DESK)
        .select_related("situation", "assessment", "drafted_by", "endorsed_by")
        .order_by(F("assessment__overall_level").desc(nulls_last=True), "status_since", "pk")
    )


def referral_list(*, user: User, overdue: bool = False) -> QuerySet[Referral]:
    """Referrals of the escalations this user may see; `overdue`: only those whose follow-up
    date has passed while still open. Earliest follow-up first."""
    queryset = Referral.objects.filter(
        decision__escalation__in=access.escalations_visible(user).values("pk")
    ).select_related(
        "decision__escalation__situation", "decision__decided_by", "regional_arrangement"
    )
    if overdue:
        queryset = queryset.filter(
            status__in=OPEN_REFERRAL_STATUSES, follow_up_on__lt=timezone.localdate()
        )
    return queryset.order_by("follow_up_on", "pk")


def referral_overdue(referral: Referral, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return referral.status in OPEN_REFERRAL_STATUSES and referral.follow_up_on < today


def access_referral(user: User, pk: object) -> Referral:
    """One referral for this user, or NotFoundError (the same for missing and not visible)."""
    try:
        return referral_list(user=user).get(pk=int(pk))  # type: ignore[arg-type]
    except (Referral.DoesNotExist, TypeError, ValueError):
        raise NotFoundError() from None
