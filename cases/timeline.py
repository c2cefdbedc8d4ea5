"""The warning-response gap: each situation's timeline from first signal to response adopted,
where cases stall (median and 90th percentile per stage), and inaction alerts.

Stages, in order (each the first time it happened for the situation):
1. first signal          - the first signal linked to the situation arrived (filed)
2. high risk assessed    - the first approved assessment at high or very high overall
3. escalated             - an escalation was first submitted for review (or sent as urgent)
4. endorsed              - first endorsed by a Special Adviser (or sent as urgent)
5. decided               - the Secretary-General's first decision
6. referred              - the first referral was sent to a body
7. acted on by a body    - a body first took action on a referral
8. response adopted      - a response option was first adopted
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import DateTimeField, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases import access
from cases.models import (
    EscalationTransition,
    InactionAlert,
    Referral,
    ReferralStatus,
    ReferralUpdate,
    Signal,
    Situation,
)
from r2p.models import User
from r2p.services import audit_record

HIGH = 3


@dataclass(frozen=True)
class Stage:
    key: str
    label: str


STAGES = (
    Stage("first_signal", "First signal"),
    Stage("high_risk", "First assessment at high or above"),
    Stage("escalated", "Escalated"),
    Stage("endorsed", "Endorsed"),
    Stage("decided", "Decided"),
    Stage("referred", "Referred to a body"),
    Stage("acted_on", "Action by the body"),
    Stage("response_adopted", "Response option adopted"),
)


def _stage_annotations() -> dict[str, Subquery]:
    """One correlated MIN() per stage, so a page of timelines is one query."""
    from assessments.models import Assessment, AssessmentStatus, OptionStatus, OptionTransition

    def first(queryset: QuerySet, field: str, group: str) -> Subquery:
        return Subquery(
            queryset.values(group).annotate(at=Min(field)).values("at")[:1],
            output_field=DateTimeField(),
        )

    situation = OuterRef("pk")
    return {
        "first_signal": first(
            Signal.objects.filter(situation_links__situation=situation),
            "created_at",
            "situation_links__situation",
        ),
        "high_risk": first(
            Assessment.objects.filter(
                situation=situation, status=AssessmentStatus.APPROVED, overall_level__gte=HIGH
            ),
            "approved_at",
            "situation",
        ),
        "escalated": first(
            EscalationTransition.objects.filter(
                escalation__situation=situation, action__in=["submit", "urgent"]
            ),
            "at",
            "escalation__situation",
        ),
        "endorsed": first(
            EscalationTransition.objects.filter(
                escalation__situation=situation, action__in=["endorse", "urgent"]
            ),
            "at",
            "escalation__situation",
        ),
        "decided": first(
            EscalationTransition.objects.filter(escalation__situation=situation, action="decide"),
            "at",
            "escalation__situation",
        ),
        "referred": first(
            Referral.objects.filter(decision__escalation__situation=situation).annotate(
                sent_at=Cast("sent_on", DateTimeField())
            ),
            "sent_at",
            "decision__escalation__situation",
        ),
        "acted_on": first(
            ReferralUpdate.objects.filter(
                referral__decision__escalation__situation=situation,
                status=ReferralStatus.ACTION_TAKEN,
            ),
            "at",
            "referral__decision__escalation__situation",
        ),
        "response_adopted": first(
            OptionTransition.objects.filter(
                option__situation=situation, to_status=OptionStatus.ADOPTED
            ),
            "at",
            "option__situation",
        ),
    }


@dataclass
class Timeline:
    situation: Situation
    at: dict[str, datetime | None]

    @property
    def stages(self) -> list[tuple[Stage, datetime | None]]:
        return [(stage, self.at[stage.key]) for stage in STAGES]

    def gap(self, key: str) -> timedelta | None:
        """Time from the previous reached stage to this one (None if either is missing)."""
        index = [s.key for s in STAGES].index(key)
        if index == 0 or self.at[key] is None:
            return None
        previous = self.at[STAGES[index - 1].key]
        return self.at[key] - previous if previous is not None else None


def timelines(*, user: User, situations: QuerySet[Situation] | None = None) -> list[Timeline]:
    """The timeline of every visible situation (or of `situations`), in one query."""
    queryset = access.situations_visible(user, situations)
    rows = queryset.annotate(**_stage_annotations()).order_by("title", "pk")
    return [Timeline(row, {stage.key: getattr(row, stage.key) for stage in STAGES}) for row in rows]


def situation_timeline(*, situation: Situation, user: User) -> Timeline:
    found = timelines(user=user, situations=Situation.objects.filter(pk=situation.pk))
    return found[0] if found else Timeline(situation, {stage.key: None for stage in STAGES})


@dataclass(frozen=True)
class StageStall:
    stage: Stage
    count: int  # situations that reached this stage from the previous one
    median: timedelta | None
    p90: timedelta | None


def stage_stalls(*, user: User) -> list[StageStall]:
    """Median and 90th percentile of the time spent reaching each stage from the one before,
    over the visible situations that went through both."""
    lines = timelines(user=user)
    stalls = []
    for stage in STAGES[1:]:
        gaps = [g.total_seconds() for line in lines if (g := line.gap(stage.key)) is not None]
        gaps = [g for g in gaps if g >= 0]
        if not gaps:
            stalls.append(StageStall(stage, 0, None, None))
            continue
        median = statistics.median(gaps)
        p90 = (
            gaps[0] if len(gaps) == 1 else statistics.quantiles(gaps, n=10, method="inclusive")[-1]
        )
        stalls.append(
            StageStall(stage, len(gaps), timedelta(seconds=median), timedelta(seconds=p90))
        )
    return stalls


# --- Inaction alerts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Inaction:
    situation: Situation
    level: int
    high_since: datetime
    days: int


def inaction(
    *, user: User | None = None, today: date | None = None, situation: Situation | None = None
) -> list[Inaction]:
    """Situations now at high or very high risk whose first approved assessment at high came
    more than INACTION_ALERT_DAYS ago, with no response option adopted since. With `user`,
    only the situations they may see; with `situation`, only that one."""
    from assessments.models import Assessment, AssessmentStatus, OptionStatus, OptionTransition

    today = today or timezone.localdate()
    cutoff = timezone.make_aware(
        datetime.combine(today - timedelta(days=settings.INACTION_ALERT_DAYS), time.min)
    )
    approved = Assessment.objects.filter(situation=OuterRef("pk"), status=AssessmentStatus.APPROVED)
    queryset = Situation.objects.all() if user is None else access.situations_visible(user)
    queryset = queryset.exclude(status="closed")
    if situation is not None:
        queryset = queryset.filter(pk=situation.pk)
    rows = queryset.annotate(
        current=Subquery(approved.order_by("-approved_at", "-pk").values("overall_level")[:1]),
        high_since=Subquery(
            approved.filter(overall_level__gte=HIGH)
            .values("situation")
            .annotate(at=Min("approved_at"))
            .values("at")[:1]
        ),
        adopted=Subquery(
            OptionTransition.objects.filter(
                option__situation=OuterRef("pk"), to_status=OptionStatus.ADOPTED
            )
            .values("option__situation")
            .annotate(at=Max("at"))
            .values("at")[:1]
        ),
    ).filter(current__gte=HIGH, high_since__lt=cutoff)
    rows = rows.filter(Q(adopted__isnull=True) | Q(adopted__lt=F("high_since")))
    return [
        Inaction(row, row.current, row.high_since, (today - row.high_since.date()).days)
        for row in rows.order_by("-current", "high_since")
    ]


def inaction_alerts_raise(*, today: date | None = None) -> int:
    """Daily (beat): raise an alert once for each situation in inaction and e-mail its lead
    analyst and the Special Advisers who may see it; close alerts that no longer hold.
    The e-mail carries the situation's reference and a link only. Returns alerts raised."""
    current = {item.situation.pk: item for item in inaction(today=today)}
    now = timezone.now()
    with transaction.atomic():
        InactionAlert.objects.filter(closed_at__isnull=True).exclude(
            situation_id__in=list(current)
        ).update(closed_at=now)
    raised = 0
    for pk, item in current.items():
        with transaction.atomic():
            Situation.objects.select_for_update().get(pk=pk)
            if InactionAlert.objects.filter(situation_id=pk, closed_at__isnull=True).exists():
                continue
            InactionAlert.objects.create(
                situation=item.situation, level=item.level, high_since=item.high_since
            )
            audit_record(
                action="situation.inaction_alert",
                actor_username="scheduler",
                target=item.situation,
                summary={"level": item.level, "days": item.days},
            )
            recipients = _alert_recipients(item.situation)
            if recipients:
                context = {
                    "reference": item.situation.reference,
                    "days": item.days,
                    "url": settings.SITE_URL.rstrip("/")
                    + reverse("cases:situation-detail", args=[pk]),
                }
                subject = render_to_string("emails/inaction_alert_subject.txt", context).strip()
                body = render_to_string("emails/inaction_alert_body.txt", context)
                transaction.on_commit(
                    lambda s=subject, b=body, r=recipients: send_mail(
                        s, b, settings.DEFAULT_FROM_EMAIL, r
                    )
                )
            raised += 1
    return raised


def _alert_recipients(situation: Situation) -> list[str]:
    people = {situation.lead_analyst}
    advisers = User.objects.filter(
        is_active=True, groups__permissions__codename="endorse_escalation"
    ).distinct()
    for adviser in advisers:
        if access.situations_visible(adviser).filter(pk=situation.pk).exists():
            people.add(adviser)
    return sorted({p.email for p in people if p.email and p.is_active})
