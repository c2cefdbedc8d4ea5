"""Who may see and change assessments, challenges, triggers and response options.

An assessment and everything hanging off a situation inherit the situation's need-to-know
(cases.access.situations_visible: clearance plus team membership or a grant); an assessment
also carries its own classification, which the reader's clearance must cover. Missing and
forbidden answer the same NotFoundError.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from assessments.models import (
    Assessment,
    Challenge,
    Evidence,
    FactorJudgment,
    ResponseOption,
    TriggerEvent,
)
from cases import access as cases_access
from cases.models import Situation
from r2p.errors import ForbiddenError, NotFoundError
from r2p.models import User


def _pk(value: object) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NotFoundError() from None


def assessments_visible(
    user: User, queryset: QuerySet[Assessment] | None = None
) -> QuerySet[Assessment]:
    queryset = queryset if queryset is not None else Assessment.objects.all()
    if not cases_access.is_staff(user):
        return queryset.none()
    return queryset.filter(
        classification__lte=user.clearance,
        situation__in=cases_access.situations_visible(user).values("pk"),
    )


def access_assessment(user: User, pk: object) -> Assessment:
    """One assessment for this user, or NotFoundError."""
    queryset = Assessment.objects.select_related("situation", "author", "approved_by", "catalogue")
    assessment = assessments_visible(user, queryset).filter(pk=_pk(pk)).first()
    if assessment is None:
        raise NotFoundError()
    return assessment


def access_judgment(user: User, pk: object) -> FactorJudgment:
    judgment = (
        FactorJudgment.objects.select_related("assessment__situation", "factor")
        .filter(pk=_pk(pk), assessment__in=assessments_visible(user).values("pk"))
        .first()
    )
    if judgment is None:
        raise NotFoundError()
    return judgment


def access_evidence(user: User, pk: object) -> Evidence:
    evidence = (
        Evidence.objects.select_related("judgment__assessment", "signal")
        .filter(pk=_pk(pk), judgment__assessment__in=assessments_visible(user).values("pk"))
        .first()
    )
    if evidence is None:
        raise NotFoundError()
    return evidence


def on_team(user: User, situation: Situation) -> bool:
    """The situation's lead analyst or a member of its team."""
    return situation.lead_analyst_id == user.pk or situation.members.filter(user=user).exists()


def require_writer(user: User, situation: Situation) -> None:
    """Drafting an assessment, an option or a trigger: the situation's team, with the role."""
    if not user.has_perm("assessments.change_assessment"):
        raise ForbiddenError("Your role cannot write assessments.")
    if not on_team(user, situation):
        raise ForbiddenError(
            "Only the situation's lead analyst and team write its assessments and options."
        )


def challenges_visible(user: User, queryset: QuerySet[Challenge] | None = None) -> QuerySet:
    """Challenges of a signal this user may see, or of a judgment of a visible situation."""
    queryset = queryset if queryset is not None else Challenge.objects.all()
    if not cases_access.is_staff(user):
        return queryset.none()
    return queryset.filter(
        Q(signal__in=cases_access.signals_visible(user).values("pk"))
        | Q(judgment__assessment__in=assessments_visible(user).values("pk"))
    )


def access_challenge(user: User, pk: object) -> Challenge:
    challenge = (
        challenges_visible(
            user, Challenge.objects.select_related("signal", "judgment__factor", "author")
        )
        .filter(pk=_pk(pk))
        .first()
    )
    if challenge is None:
        raise NotFoundError()
    return challenge


def triggers_visible(user: User, queryset: QuerySet[TriggerEvent] | None = None) -> QuerySet:
    queryset = queryset if queryset is not None else TriggerEvent.objects.all()
    return queryset.filter(situation__in=cases_access.situations_visible(user).values("pk"))


def access_trigger(user: User, pk: object) -> TriggerEvent:
    trigger = (
        triggers_visible(user, TriggerEvent.objects.select_related("situation"))
        .filter(pk=_pk(pk))
        .first()
    )
    if trigger is None:
        raise NotFoundError()
    return trigger


def options_visible(user: User, queryset: QuerySet[ResponseOption] | None = None) -> QuerySet:
    queryset = queryset if queryset is not None else ResponseOption.objects.all()
    return queryset.filter(situation__in=cases_access.situations_visible(user).values("pk"))


def access_option(user: User, pk: object) -> ResponseOption:
    option = (
        options_visible(
            user, ResponseOption.objects.select_related("situation", "instrument", "proposed_by")
        )
        .filter(pk=_pk(pk))
        .first()
    )
    if option is None:
        raise NotFoundError()
    return option
