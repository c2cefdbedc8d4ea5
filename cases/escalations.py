"""Escalation through the joint office to the Secretary-General's desk: the workflow, declared
once as data (ESCALATION_MOVES), and the one function that moves an escalation.

    draft --submit--> in review --review--> reviewed --endorse--> endorsed --transmit--> at desk
      at desk --decide--> decided
      draft --urgent--> at desk (a Special Adviser, with a written justification)
      in review / reviewed / endorsed / at desk --return--> draft (with reasons; from the
        desk: sent back to the joint office for more information)
      draft / in review / reviewed / endorsed --withdraw--> withdrawn (with reasons)

escalation_transition locks the row, checks the move and the actor, writes the transition row
and the audit event, and e-mails the people who must act next once the transaction commits.
E-mails carry a link and the situation's pseudonymous reference, never classified content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cases import access
from cases.briefings import briefing_on_transition
from cases.models import Escalation, EscalationStatus, EscalationTransition, Situation
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError
from r2p.models import User
from r2p.services import audit_record
from r2p.validation import TEXT_LIMIT, text_value

S = EscalationStatus


@dataclass(frozen=True)
class EscalationMove:
    target: str
    permission: str
    not_drafter: bool = False  # four eyes: the drafter may not make this move
    team_only: bool = False  # the situation's lead analyst or team
    needs_comment: bool = False
    label: str = ""  # what happened, for the history ("Endorsed")


# What the button for each action says ("Endorse"), and the sentence once it is done.
ACTION_BUTTONS: dict[str, str] = {
    "submit": "Submit for review",
    "review": "Mark as reviewed",
    "return": "Return to the drafter",
    "endorse": "Endorse",
    "transmit": "Send to the Secretary-General's desk",
    "urgent": "Send straight to the desk (urgent)",
    "decide": "Record the decision",
    "withdraw": "Withdraw",
}
ACTION_DONE: dict[str, str] = {
    "submit": "{ref} is submitted for review.",
    "review": "{ref} is reviewed and awaits endorsement.",
    "return": "{ref} is returned to the drafter.",
    "endorse": "{ref} is endorsed; its briefing is frozen.",
    "transmit": "{ref} is sent to the Secretary-General's desk.",
    "urgent": "{ref} is sent straight to the Secretary-General's desk.",
    "decide": "{ref} is decided.",
    "withdraw": "{ref} is withdrawn.",
}
# The moves that carry the escalation forward (shown first, as the main button).
FORWARD_ACTIONS = frozenset({"submit", "review", "endorse", "transmit", "decide"})


# (action, from status) -> the move. Anything not listed is refused.
ESCALATION_MOVES: dict[tuple[str, str], EscalationMove] = {
    ("submit", S.DRAFT): EscalationMove(
        S.IN_REVIEW, "cases.add_escalation", team_only=True, label="Submitted for review"
    ),
    ("review", S.IN_REVIEW): EscalationMove(
        S.REVIEWED, "cases.review_escalation", not_drafter=True, label="Reviewed"
    ),
    ("return", S.IN_REVIEW): EscalationMove(
        S.DRAFT,
        "cases.review_escalation",
        not_drafter=True,
        needs_comment=True,
        label="Returned to the drafter",
    ),
    ("endorse", S.REVIEWED): EscalationMove(
        S.ENDORSED, "cases.endorse_escalation", not_drafter=True, label="Endorsed"
    ),
    ("return", S.REVIEWED): EscalationMove(
        S.DRAFT, "cases.endorse_escalation", needs_comment=True, label="Returned to the drafter"
    ),
    ("transmit", S.ENDORSED): EscalationMove(
        S.AT_DESK, "cases.endorse_escalation", label="Sent to the Secretary-General's desk"
    ),
    ("return", S.ENDORSED): EscalationMove(
        S.DRAFT, "cases.endorse_escalation", needs_comment=True, label="Returned to the drafter"
    ),
    ("urgent", S.DRAFT): EscalationMove(
        S.AT_DESK,
        "cases.endorse_escalation",
        needs_comment=True,
        label="Sent straight to the desk (urgent)",
    ),
    ("decide", S.AT_DESK): EscalationMove(S.DECIDED, "cases.decide_escalation", label="Decided"),
    # The desk sends it back to the joint office for more information.
    ("return", S.AT_DESK): EscalationMove(
        S.DRAFT,
        "cases.decide_escalation",
        needs_comment=True,
        label="Sent back for more information",
    ),
    **{
        ("withdraw", status): EscalationMove(
            S.WITHDRAWN,
            "cases.add_escalation",
            team_only=True,
            needs_comment=True,
            label="Withdrawn",
        )
        for status in (S.DRAFT, S.IN_REVIEW, S.REVIEWED, S.ENDORSED)
    },
}
ACTIONS = tuple(sorted({action for action, _ in ESCALATION_MOVES}))
# Who acts in each status, for notifications, reminders and dashboards.
WAITING_ON: dict[str, str] = {
    S.DRAFT: "drafter",
    S.IN_REVIEW: "cases.review_escalation",
    S.REVIEWED: "cases.endorse_escalation",
    S.ENDORSED: "cases.endorse_escalation",
    S.AT_DESK: "cases.decide_escalation",
}
OPEN_STATUSES = tuple(WAITING_ON)


def _code(length: int = 5) -> str:
    from cases.services import _code as code

    return code("ESC-", length)


def _latest_approved(situation: Situation):
    from assessments.models import AssessmentStatus

    return (
        situation.assessments.filter(status=AssessmentStatus.APPROVED).order_by("-version").first()
    )


# --- Create and edit ------------------------------------------------------------------------------


def escalation_create(
    *,
    situation: Situation,
    actor: User,
    summary: str,
    option_ids: list[int] | None = None,
    recommended_routing: object = None,
) -> Escalation:
    """A draft escalation of a situation with an approved assessment, by its team, with the
    response options and the routing (see routing_clean) the joint office recommends."""
    if not actor.has_perm("cases.add_escalation"):
        raise ForbiddenError("Your role cannot draft escalations.")
    if not access.on_team(actor, situation):
        raise ForbiddenError("Only the situation's lead analyst and team draft its escalations.")
    errors: dict[str, list[str]] = {}
    summary = text_value(summary, "summary", errors, required=True)
    assessment = _latest_approved(situation)
    if assessment is None:
        errors["situation"] = [
            "An escalation carries an approved assessment: approve one for this situation first."
        ]
    options = _options(situation, option_ids or [], errors)
    routing = routing_clean(recommended_routing or [], errors)
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        Situation.objects.select_for_update().get(pk=situation.pk)
        if situation.escalations.filter(status__in=OPEN_STATUSES).exists():
            raise ConflictError(
                "This situation already has an escalation in progress; continue that one."
            )
        escalation = Escalation.objects.create(
            reference=_code(),
            situation=situation,
            assessment=assessment,
            summary=summary,
            classification=max(situation.classification, assessment.classification),
            drafted_by=actor,
            status_since=timezone.now(),
            recommended_routing=routing,
        )
        escalation.response_options.set(options)
        audit_record(
            action="escalation.create",
            actor=actor,
            target=escalation,
            summary={"situation": situation.reference, "assessment": assessment.version},
        )
    return escalation


def _options(situation: Situation, ids: list[int], errors: dict) -> list:
    from assessments.models import ResponseOption

    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError):
        errors["response_options"] = ["Send response option numbers."]
        return []
    found = list(ResponseOption.objects.filter(situation=situation, pk__in=wanted))
    missing = wanted - {o.pk for o in found}
    if missing:
        errors["response_options"] = [
            "Not response options of this situation: " + ", ".join(f"#{n}" for n in sorted(missing))
        ]
    return found


_ROUTING_TEXT = ("other_body", "legal_basis", "rationale")
ROUTING_LIMITS = {"other_body": 200, "legal_basis": 300, "rationale": TEXT_LIMIT}


def routing_clean(value: object, errors: dict, field: str = "recommended_routing") -> list[dict]:
    """The recommended routing as stored on the escalation: a list of
    {body, regional_arrangement, other_body, legal_basis, rationale}. A regional body names an
    active arrangement of the maintained list by its acronym, another body is named in full;
    each routing gives its rationale and its legal basis (the body's usual one when none is
    written; another body needs one). Errors go under `field[i].key`."""
    from cases.models import USUAL_LEGAL_BASIS, Body, RegionalArrangement

    if not isinstance(value, list):
        errors[field] = ["Send a list of routings."]
        return []
    active = {
        acronym.lower(): acronym
        for acronym in RegionalArrangement.objects.filter(active=True).values_list(
            "acronym", flat=True
        )
    }
    cleaned: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(value):
        at = f"{field}[{index}]"
        if not isinstance(item, dict):
            errors[at] = ["Send an object with body, legal_basis and rationale."]
            continue
        problems: dict[str, list[str]] = {}
        for key in sorted(set(item) - {"body", *_ROUTING_TEXT, "regional_arrangement"}):
            problems[key] = [
                "Unknown field; a routing has body, regional_arrangement, "
                "other_body, legal_basis and rationale."
            ]
        body = item.get("body")
        if body not in Body.values:
            problems["body"] = ["Choose one of: " + ", ".join(Body.values) + "."]
        texts = {key: text_value(item.get(key), key, problems) for key in _ROUTING_TEXT}
        for key, limit in ROUTING_LIMITS.items():
            if key not in problems and len(texts[key]) > limit:
                problems[key] = [f"Keep this under {limit:,} characters."]
        if not texts["legal_basis"] and body in USUAL_LEGAL_BASIS:
            texts["legal_basis"] = USUAL_LEGAL_BASIS[body]
        for key in ("legal_basis", "rationale"):
            if key not in problems and not texts[key]:
                problems[key] = ["This field is required."]
        raw = item.get("regional_arrangement") or ""
        arrangement = ""
        if not isinstance(raw, str):
            problems["regional_arrangement"] = ["Send the arrangement's acronym, e.g. AU."]
        elif body == Body.REGIONAL:
            arrangement = active.get(raw.strip().lower(), "")
            if not raw.strip():
                problems["regional_arrangement"] = [
                    "Name the regional or subregional arrangement by its acronym, e.g. AU."
                ]
            elif not arrangement:
                problems["regional_arrangement"] = [
                    f"{raw.strip()!r} is not an active arrangement of the maintained list."
                ]
        elif raw.strip():
            problems["regional_arrangement"] = ["Only a regional routing names an arrangement."]
        if body == Body.OTHER and "other_body" not in problems and not texts["other_body"]:
            problems["other_body"] = ["Name the other body in full."]
        elif body != Body.OTHER and texts["other_body"]:
            problems["other_body"] = ["Only a routing to another body names it here."]
        key = (str(body), arrangement or texts["other_body"].lower())
        if not problems and key in seen:
            problems["body"] = ["This body is already in the routing."]
        seen.add(key)
        if problems:
            errors.update({f"{at}.{name}": messages for name, messages in problems.items()})
            continue
        cleaned.append(
            {
                "body": body,
                "regional_arrangement": arrangement,
                "other_body": texts["other_body"],
                "legal_basis": texts["legal_basis"],
                "rationale": texts["rationale"],
            }
        )
    return cleaned


def escalation_update(
    *, escalation: Escalation, actor: User, data: dict[str, Any], version: object = None
) -> Escalation:
    """The summary and the recommended options of a draft; the approved assessment it carries
    is refreshed to the situation's latest while the escalation is in the joint office."""
    if not access.on_team(actor, escalation.situation) or not actor.has_perm(
        "cases.add_escalation"
    ):
        raise ForbiddenError("Only the situation's team edits its escalations.")
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        escalation = _lock(escalation, version)
        if escalation.status != S.DRAFT:
            raise ConflictError(
                f"{escalation.reference} is {escalation.get_status_display().lower()}; only a "
                "draft is edited."
            )
        if "summary" in data:
            escalation.summary = text_value(data["summary"], "summary", errors, required=True)
        options = None
        if "response_options" in data:
            options = _options(escalation.situation, data["response_options"] or [], errors)
        if "recommended_routing" in data:
            escalation.recommended_routing = routing_clean(
                data["recommended_routing"] or [], errors
            )
        if errors:
            raise ApplicationValidationError(errors)
        escalation.assessment = _latest_approved(escalation.situation) or escalation.assessment
        escalation.version += 1
        escalation.save()
        if options is not None:
            escalation.response_options.set(options)
        audit_record(
            action="escalation.update",
            actor=actor,
            target=escalation,
            summary={"fields": sorted(data)},
        )
    return escalation


# --- The one move -------------------------------------------------------------------------------


def _lock(escalation: Escalation, version: object) -> Escalation:
    locked = (
        Escalation.objects.select_for_update()
        .select_related("situation", "drafted_by")
        .get(pk=escalation.pk)
    )
    if version is not None:
        try:
            stale = int(version) != locked.version  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApplicationValidationError({"version": ["Send the version you saw."]}) from None
        if stale:
            raise ConflictError(
                f"{locked.reference} changed since you opened it (it is now "
                f"{locked.get_status_display().lower()}). Reload it."
            )
    return locked


def escalation_transition(
    *,
    escalation: Escalation,
    actor: User,
    action: str,
    comment: str = "",
    version: object = None,
) -> Escalation:
    """Make `action` on the escalation if ESCALATION_MOVES allows it from its current status
    for this actor. 409 for a move not allowed from here or a stale version; 403 for the
    wrong person; 400 for a missing comment."""
    errors: dict[str, list[str]] = {}
    comment = text_value(comment, "comment", errors)
    if errors:
        raise ApplicationValidationError(errors)
    if action not in ACTIONS:
        raise ApplicationValidationError(
            {"action": [f"Unknown action {action!r}; the actions are {', '.join(ACTIONS)}."]}
        )
    with transaction.atomic():
        escalation = _lock(escalation, version)
        move = ESCALATION_MOVES.get((action, escalation.status))
        if move is None:
            raise ConflictError(
                f"{escalation.reference} is {escalation.get_status_display().lower()}: it "
                f"cannot be {'sent as urgent' if action == 'urgent' else action + 'ed'} from there."
                if action != "return"
                else f"{escalation.reference} is {escalation.get_status_display().lower()}: it "
                "cannot be returned from there."
            )
        if not actor.has_perm(move.permission):
            raise ForbiddenError("Your role cannot make this move.")
        if move.team_only and not access.on_team(actor, escalation.situation):
            raise ForbiddenError("Only the situation's team makes this move.")
        if move.not_drafter and escalation.drafted_by_id == actor.pk:
            raise ForbiddenError(
                "Four eyes: someone other than the drafter must review and endorse it."
            )
        if move.needs_comment and not comment:
            raise ApplicationValidationError(
                {
                    "comment": [
                        "Justify sending it straight to the desk."
                        if action == "urgent"
                        else "Give the reasons."
                    ]
                }
            )
        previous = escalation.status
        escalation.status = move.target
        escalation.status_since = timezone.now()
        escalation.reminded_at = None
        escalation.version += 1
        if action == "review":
            escalation.reviewed_by = actor
        if action in ("endorse", "urgent"):
            escalation.endorsed_by = actor
            # The assessment it carries is fixed from here on.
            escalation.assessment = _latest_approved(escalation.situation) or escalation.assessment
        if action == "urgent":
            escalation.urgent, escalation.urgent_justification = True, comment
        if move.target == S.DRAFT:
            escalation.reviewed_by = None
            escalation.endorsed_by = None
        escalation.save()
        EscalationTransition.objects.create(
            escalation=escalation,
            action=action,
            from_status=previous,
            to_status=move.target,
            actor=actor,
            comment=comment,
        )
        # The briefing follows: recompiled in the joint office, frozen at endorsement.
        briefing_on_transition(escalation, action)
        audit_record(
            action="escalation.status",
            actor=actor,
            target=escalation,
            summary={
                "action": action,
                "from": previous,
                "to": move.target,
                "situation": escalation.situation.reference,
            },
        )
        pk = escalation.pk
        transaction.on_commit(lambda: escalation_notify(escalation_id=pk, reason=action))
    return escalation


# --- Who acts next, notifications, overdue --------------------------------------------------------


def waiting_on(escalation: Escalation) -> list[User]:
    """The people an escalation now waits on: the drafter for a draft; otherwise the active
    holders of the next move's permission who may see the situation (the SG Office sees what
    reached the desk), never the drafter for the four-eyes steps."""
    holder = WAITING_ON.get(escalation.status)
    if holder is None:
        return [escalation.drafted_by] if escalation.status == S.DECIDED else []
    if holder == "drafter":
        return [escalation.drafted_by]
    app_label, codename = holder.split(".")
    candidates = (
        User.objects.filter(is_active=True)
        .filter(
            Q(
                groups__permissions__codename=codename,
                groups__permissions__content_type__app_label=app_label,
            )
            | Q(
                user_permissions__codename=codename,
                user_permissions__content_type__app_label=app_label,
            )
        )
        .distinct()
        .order_by("username")
    )
    people = []
    for person in candidates:
        if person.pk == escalation.drafted_by_id and escalation.status in (S.IN_REVIEW, S.REVIEWED):
            continue
        if person.clearance < escalation.classification:
            continue
        if (
            holder == "cases.decide_escalation"
            or access.situations_visible(person).filter(pk=escalation.situation_id).exists()
        ):
            people.append(person)
    return people


def escalation_notify(*, escalation_id: int, reason: str) -> int:
    """E-mail the people the escalation now waits on; returns how many were written to."""
    escalation = Escalation.objects.select_related("situation", "drafted_by").get(pk=escalation_id)
    recipients = sorted({p.email for p in waiting_on(escalation) if p.email})
    if not recipients:
        return 0
    context = {
        "reference": escalation.reference,
        "situation": escalation.situation.reference,
        "status": escalation.get_status_display(),
        "reason": reason,
        "url": settings.SITE_URL.rstrip("/") + escalation_url(escalation),
    }
    send_mail(
        render_to_string("emails/escalation_waiting_subject.txt", context).strip(),
        render_to_string("emails/escalation_waiting_body.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    return len(recipients)


def escalation_url(escalation: Escalation) -> str:
    try:
        return reverse("cases:escalation-detail", args=[escalation.pk])
    except NoReverseMatch:
        # Until the escalation pages exist, the situation page is where people look.
        return reverse("cases:situation-detail", args=[escalation.situation_id])


def target_for(status: str) -> timedelta | None:
    hours = settings.ESCALATION_TARGET_HOURS.get(status)
    return timedelta(hours=hours) if hours else None


def escalations_overdue(*, now: datetime | None = None) -> QuerySet[Escalation]:
    """Open escalations that have waited in their status longer than its target duration."""
    now = now or timezone.now()
    late = Q(pk__in=[])
    for status in OPEN_STATUSES:
        target = target_for(status)
        if target is not None:
            late |= Q(status=status, status_since__lt=now - target)
    return Escalation.objects.filter(late).select_related("situation", "drafted_by")


def escalation_reminders_send(*, now: datetime | None = None) -> int:
    """Daily (beat): remind the people each overdue escalation waits on, once a day at most."""
    now = now or timezone.now()
    reminded = 0
    for pk in list(escalations_overdue(now=now).values_list("pk", flat=True)):
        with transaction.atomic():
            escalation = (
                Escalation.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            )
            if escalation is None or (
                escalation.reminded_at and escalation.reminded_at > now - timedelta(hours=20)
            ):
                continue
            escalation.reminded_at = now
            escalation.save(update_fields=["reminded_at"])
            audit_record(
                action="escalation.remind",
                actor_username="scheduler",
                target=escalation,
                summary={"status": escalation.status},
            )
            transaction.on_commit(lambda p=pk: escalation_notify(escalation_id=p, reason="overdue"))
            reminded += 1
    return reminded


def is_waited_on(user: User, escalation: Escalation) -> bool:
    """Whether the escalation's next step is this person's (without listing everyone)."""
    holder = WAITING_ON.get(escalation.status)
    if holder is None or user.clearance < escalation.classification:
        return False
    if holder == "drafter":
        return escalation.drafted_by_id == user.pk
    if escalation.drafted_by_id == user.pk and escalation.status in (S.IN_REVIEW, S.REVIEWED):
        return False
    return user.has_perm(holder)


@dataclass
class EscalationBoard:
    waiting_on_me: list[Escalation]
    open_count: int
    overdue_ids: set[int]


def escalation_board(*, user: User) -> EscalationBoard:
    """The home page's escalations: those whose next step is mine (overdue ones flagged), and
    how many are open and overdue among those I may see. Two queries."""
    from cases.access import escalations_visible

    open_ones = list(
        escalations_visible(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("situation")
        .order_by("status_since")
    )
    overdue = set(
        escalations_overdue().filter(pk__in=[e.pk for e in open_ones]).values_list("pk", flat=True)
    )
    return EscalationBoard(
        waiting_on_me=[e for e in open_ones if is_waited_on(user, e)],
        open_count=len(open_ones),
        overdue_ids=overdue,
    )
