"""Reads of assessments: the assessment page, evidence flags, challenges, the diff between
versions, risk trends, the portfolio heat map, the country map and the analyst's dashboard.

Every list starts from assessments.access, so visibility is never forgotten; every page's
queries are a fixed number whatever the count of factors, indicators or evidence links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from assessments import access
from assessments.models import (
    Assessment,
    AssessmentStatus,
    Challenge,
    ChallengeAcknowledgement,
    ChallengeStatus,
    Evidence,
    FactorJudgment,
    FactorLevel,
    FlagKind,
    Indicator,
    OptionStatus,
    ResponseOption,
    RiskLevel,
    TriggerEvent,
)
from assessments.risk import RiskResult, risk_compute
from cases import access as cases_access
from cases.models import Situation
from r2p.models import User

WEAK_RELIABILITY = frozenset("DEF")
WEAK_CREDIBILITY = frozenset({4, 5, 6})
RAISED_LEVELS = frozenset({FactorLevel.MODERATE, FactorLevel.HIGH})


# --- Evidence flags -----------------------------------------------------------------------------


def flags_of(level: str, evidence: list[Evidence]) -> set[str]:
    """The evidence-quality flags of a factor judged at `level` with `evidence` (signals with
    their sources loaded). Only factors at moderate or above are flagged."""
    if level not in RAISED_LEVELS:
        return set()
    if not evidence:
        return {FlagKind.NO_EVIDENCE}
    flags = set()
    if len({e.signal.source_id for e in evidence}) == 1:
        flags.add(FlagKind.SINGLE_SOURCE)
    if all(
        e.signal.source.reliability in WEAK_RELIABILITY or e.signal.credibility in WEAK_CREDIBILITY
        for e in evidence
    ):
        flags.add(FlagKind.WEAK_EVIDENCE)
    return flags


def judgment_flags(judgment: FactorJudgment) -> set[str]:
    evidence = list(judgment.evidence.select_related("signal__source"))
    return flags_of(judgment.level, evidence)


def _unresolved(judgment: FactorJudgment, flags: set[str]) -> set[str]:
    return flags - set(judgment.acknowledged_flags)


# --- Challenges ---------------------------------------------------------------------------------


def challenges_relevant(assessment: Assessment, *, open_only: bool = True) -> list[Challenge]:
    """Challenges of what this assessment uses: its evidence signals, and the situation's
    factor judgments (a challenge raised on an earlier version stays relevant until resolved)."""
    evidence_signals = Evidence.objects.filter(judgment__assessment=assessment).values("signal_id")
    queryset = Challenge.objects.filter(
        Q(signal__in=evidence_signals) | Q(situation=assessment.situation_id)
    ).select_related("author", "resolved_by", "signal", "judgment__assessment")
    if open_only:
        queryset = queryset.filter(status=ChallengeStatus.OPEN)
    return list(queryset.order_by("created_at", "pk"))


def approval_blockers(assessment: Assessment) -> list[str]:
    """What stops this version's approval, in words: unresolved evidence flags and open
    challenges not yet acknowledged for this version. Empty when it may be approved."""
    blockers = []
    judgments = list(
        assessment.judgments.select_related("factor").prefetch_related(
            Prefetch("evidence", Evidence.objects.select_related("signal__source"))
        )
    )
    for judgment in judgments:
        unresolved = _unresolved(judgment, flags_of(judgment.level, list(judgment.evidence.all())))
        for flag in sorted(unresolved):
            blockers.append(
                f"Factor {judgment.factor.number} ({judgment.get_level_display().lower()}): "
                f"{FlagKind(flag).label.lower()}. Add evidence or acknowledge the flag."
            )
    acknowledged = set(
        ChallengeAcknowledgement.objects.filter(assessment=assessment).values_list(
            "challenge_id", flat=True
        )
    )
    for challenge in challenges_relevant(assessment):
        if challenge.pk not in acknowledged:
            blockers.append(
                f"Challenge #{challenge.pk} ({challenge_target_label(challenge)}) is open: "
                "acknowledge it with a note, or have it resolved."
            )
    return blockers


def challenge_target_label(challenge: Challenge) -> str:
    if challenge.signal_id:
        return f"signal #{challenge.signal_id}"
    return f"factor {challenge.factor_number}"


# --- The assessment page ------------------------------------------------------------------------


@dataclass
class JudgmentView:
    judgment: FactorJudgment
    indicators: list[Indicator]  # observed
    evidence: list[Evidence]  # those whose signal the reader may see
    withheld: int  # evidence the reader may not see (counted, never shown)
    flags: set[str]
    unresolved: set[str]
    challenges: list[Challenge]


@dataclass
class AssessmentView:
    assessment: Assessment
    judgments: list[JudgmentView]
    risk: RiskResult
    challenges: list[Challenge]  # relevant and open
    acknowledged: dict[int, ChallengeAcknowledgement]
    blockers: list[str]
    catalogue_indicators: dict[int, list[Indicator]]  # factor id -> all its indicators
    transitions: list = field(default_factory=list)


def assessment_view(*, assessment: Assessment, user: User) -> AssessmentView:
    """Everything the assessment page and API detail show, in a fixed number of queries."""
    judgments = list(
        assessment.judgments.select_related("factor", "acknowledged_by")
        .prefetch_related(
            "indicators",
            Prefetch(
                "evidence",
                Evidence.objects.select_related("signal__source", "added_by").order_by(
                    "added_at", "pk"
                ),
            ),
        )
        .order_by("factor__number")
    )
    signal_ids = {e.signal_id for j in judgments for e in j.evidence.all()}
    visible = set(
        cases_access.signals_visible(user).filter(pk__in=signal_ids).values_list("pk", flat=True)
    )
    challenges = challenges_relevant(assessment)
    acknowledged = {
        ack.challenge_id: ack
        for ack in ChallengeAcknowledgement.objects.filter(assessment=assessment).select_related(
            "by"
        )
    }
    indicators: dict[int, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(factor__catalogue=assessment.catalogue_id):
        indicators.setdefault(indicator.factor_id, []).append(indicator)
    views = []
    blockers = []
    for judgment in judgments:
        evidence = list(judgment.evidence.all())
        flags = flags_of(judgment.level, evidence)
        unresolved = _unresolved(judgment, flags)
        views.append(
            JudgmentView(
                judgment=judgment,
                indicators=sorted(judgment.indicators.all(), key=lambda i: i.position),
                evidence=[e for e in evidence if e.signal_id in visible],
                withheld=sum(1 for e in evidence if e.signal_id not in visible),
                flags=flags,
                unresolved=unresolved,
                challenges=[
                    c
                    for c in challenges
                    if c.factor_number == judgment.factor.number
                    or c.signal_id in {e.signal_id for e in evidence}
                ],
            )
        )
        for flag in sorted(unresolved):
            blockers.append(
                f"Factor {judgment.factor.number} ({judgment.get_level_display().lower()}): "
                f"{FlagKind(flag).label.lower()}. Add evidence or acknowledge the flag."
            )
    for challenge in challenges:
        if challenge.pk not in acknowledged:
            blockers.append(
                f"Challenge #{challenge.pk} ({challenge_target_label(challenge)}) is open: "
                "acknowledge it with a note, or have it resolved."
            )
    risk = risk_compute({j.factor.number: j.level for j in judgments})
    return AssessmentView(
        assessment=assessment,
        judgments=views,
        risk=risk,
        challenges=challenges,
        acknowledged=acknowledged,
        blockers=blockers,
        catalogue_indicators=indicators,
        transitions=list(assessment.transitions.select_related("actor")),
    )


def assessment_list(*, user: User, situation: Situation | None = None) -> QuerySet[Assessment]:
    queryset = access.assessments_visible(
        user, Assessment.objects.select_related("situation", "author", "approved_by")
    )
    if situation is not None:
        queryset = queryset.filter(situation=situation)
    return queryset.order_by("situation__title", "-version")


# --- What changed between two versions --------------------------------------------------------


@dataclass
class FactorChange:
    number: int
    title: str
    level: tuple[str, str] | None  # (before, after) when it changed
    confidence: tuple[str, str] | None
    indicators_added: list[str]
    indicators_removed: list[str]
    evidence_added: list[int]  # signal ids
    evidence_removed: list[int]
    narrative_changed: bool

    @property
    def changed(self) -> bool:
        return bool(
            self.level
            or self.confidence
            or self.indicators_added
            or self.indicators_removed
            or self.evidence_added
            or self.evidence_removed
            or self.narrative_changed
        )


@dataclass
class AssessmentDiff:
    older: Assessment
    newer: Assessment
    levels: dict[str, tuple[int, int]]  # "overall", crimes: (before, after) when changed
    factors: list[FactorChange]

    @property
    def changed_factors(self) -> list[FactorChange]:
        return [f for f in self.factors if f.changed]


def _judgments_by_number(assessment: Assessment) -> dict[int, FactorJudgment]:
    return {
        j.factor.number: j
        for j in assessment.judgments.select_related("factor").prefetch_related(
            "indicators", "evidence"
        )
    }


def assessment_diff(*, older: Assessment, newer: Assessment) -> AssessmentDiff:
    """Levels, confidence, observed indicators, evidence and narratives: what changed from
    `older` to `newer` (two versions of one situation). Four queries whatever their size."""
    before, after = _judgments_by_number(older), _judgments_by_number(newer)
    factors = []
    for number in sorted(set(before) | set(after)):
        old, new = before.get(number), after.get(number)
        old_codes = {i.code for i in old.indicators.all()} if old else set()
        new_codes = {i.code for i in new.indicators.all()} if new else set()
        old_signals = {e.signal_id for e in old.evidence.all()} if old else set()
        new_signals = {e.signal_id for e in new.evidence.all()} if new else set()
        reference = new or old
        factors.append(
            FactorChange(
                number=number,
                title=reference.factor.title,
                level=(old.level if old else "", new.level if new else "")
                if (old and new and old.level != new.level) or not (old and new)
                else None,
                confidence=(old.confidence, new.confidence)
                if old and new and old.confidence != new.confidence
                else None,
                indicators_added=sorted(new_codes - old_codes, key=_code_key),
                indicators_removed=sorted(old_codes - new_codes, key=_code_key),
                evidence_added=sorted(new_signals - old_signals),
                evidence_removed=sorted(old_signals - new_signals),
                narrative_changed=bool(old and new and old.narrative != new.narrative),
            )
        )
    levels = {}
    for name in (
        "overall_level",
        "genocide_level",
        "crimes_against_humanity_level",
        "war_crimes_level",
    ):
        a, b = getattr(older, name), getattr(newer, name)
        if a != b:
            levels[name.removesuffix("_level")] = (a, b)
    return AssessmentDiff(older=older, newer=newer, levels=levels, factors=factors)


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split("."))


# --- Trend, heat map, map -----------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    at: datetime
    version: int
    overall: int
    genocide: int
    crimes_against_humanity: int
    war_crimes: int


def risk_trend(*, situation: Situation, user: User) -> list[TrendPoint]:
    """The levels of each approved version, oldest first (what the reader's clearance covers)."""
    rows = (
        access.assessments_visible(user)
        .filter(situation=situation, status=AssessmentStatus.APPROVED)
        .order_by("approved_at", "version")
        .values_list(
            "approved_at",
            "version",
            "overall_level",
            "genocide_level",
            "crimes_against_humanity_level",
            "war_crimes_level",
        )
    )
    return [TrendPoint(*row) for row in rows]


def trend_word(points: list[TrendPoint]) -> str:
    """rising, steady or falling: the last approved overall level against the one before."""
    if len(points) < 2:
        return "steady"
    last, before = points[-1].overall, points[-2].overall
    return "rising" if last > before else "falling" if last < before else "steady"


def month_starts(*, months: int, until: date) -> list[date]:
    """The first days of the last `months` months up to and including `until`'s month."""
    year, month = until.year, until.month
    starts = []
    for _ in range(months):
        starts.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(starts))


@dataclass
class HeatmapRow:
    situation_id: int
    reference: str
    title: str
    cells: list[int | None]  # one per month: the level in force at the month's end


@dataclass
class Heatmap:
    months: list[date]
    rows: list[HeatmapRow]


def portfolio_heatmap(*, user: User, months: int = 12, until: date | None = None) -> Heatmap:
    """Situations by month: the overall level of the latest version approved by each month's
    end. Two queries: the visible situations, then their approved levels in time order."""
    until = until or timezone.localdate()
    starts = month_starts(months=months, until=until)
    ends = [_month_end(start) for start in starts]
    situations = list(
        cases_access.situations_visible(user)
        .order_by("title", "pk")
        .values_list("pk", "reference", "title")
    )
    approved = (
        access.assessments_visible(user)
        .filter(status=AssessmentStatus.APPROVED, approved_at__lt=_day_after(ends[-1]))
        .order_by("situation_id", "approved_at", "pk")
        .values_list("situation_id", "approved_at", "overall_level")
    )
    history: dict[int, list[tuple[datetime, int]]] = {}
    for situation_id, approved_at, level in approved:
        history.setdefault(situation_id, []).append((approved_at, level))
    bounds = [_day_after(end) for end in ends]
    rows = []
    for pk, reference, title in situations:
        cells: list[int | None] = []
        versions = history.get(pk, [])
        index, level = 0, None
        for bound in bounds:
            while index < len(versions) and versions[index][0] < bound:
                level = versions[index][1]
                index += 1
            cells.append(level)
        rows.append(HeatmapRow(pk, reference, title, cells))
    return Heatmap(months=starts, rows=rows)


def _month_end(start: date) -> date:
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _day_after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))


def current_levels(*, user: User) -> QuerySet[Situation]:
    """Visible situations annotated with `current_level`: the overall level of their latest
    approved version that the reader may see (None when none is approved)."""
    latest = (
        access.assessments_visible(user)
        .filter(situation=OuterRef("pk"), status=AssessmentStatus.APPROVED)
        .order_by("-approved_at", "-pk")
        .values("overall_level")[:1]
    )
    return cases_access.situations_visible(user).annotate(current_level=Subquery(latest))


@dataclass
class CountryLevel:
    iso3: str
    level: int | None
    situations: list[tuple[int, str, str]]  # pk, reference, title


def country_levels(*, user: User) -> dict[str, CountryLevel]:
    """Each country of a visible, monitored situation with its highest current level."""
    found: dict[str, CountryLevel] = {}
    rows = (
        current_levels(user=user)
        .exclude(status="closed")
        .values_list("pk", "reference", "title", "countries", "current_level")
    )
    for pk, reference, title, countries, level in rows:
        for iso3 in countries:
            entry = found.setdefault(iso3, CountryLevel(iso3, None, []))
            entry.situations.append((pk, reference, title))
            if level is not None and (entry.level is None or level > entry.level):
                entry.level = level
    return found


# --- Triggers and options -----------------------------------------------------------------------


def upcoming_triggers(
    *, user: User, days: int = 90, situation: Situation | None = None, mine: bool = False
) -> QuerySet[TriggerEvent]:
    today = timezone.localdate()
    queryset = access.triggers_visible(
        user, TriggerEvent.objects.select_related("situation")
    ).filter(occurs_on__gte=today, occurs_on__lte=today + timedelta(days=days))
    if situation is not None:
        queryset = queryset.filter(situation=situation)
    if mine:
        queryset = queryset.filter(_my_situations(user, "situation__")).distinct()
    return queryset.order_by("occurs_on", "pk")


def option_list(*, user: User, situation: Situation | None = None) -> QuerySet[ResponseOption]:
    queryset = access.options_visible(
        user, ResponseOption.objects.select_related("situation", "instrument", "proposed_by")
    ).prefetch_related("factors", "transitions__actor")
    if situation is not None:
        queryset = queryset.filter(situation=situation)
    return queryset


def _my_situations(user: User, prefix: str = "") -> Q:
    return Q(**{f"{prefix}lead_analyst": user}) | Q(**{f"{prefix}members__user": user})


# --- The analyst's dashboard ----------------------------------------------------------------------


@dataclass
class SituationRisk:
    situation: Situation
    level: int | None
    trend: str  # rising, steady, falling; empty before a second approved version


@dataclass
class Dashboard:
    my_situations: list[SituationRisk]
    awaiting_my_review: list[Assessment]
    open_challenges: list[Challenge]
    triggers: list[TriggerEvent]
    flagged: list[tuple[Assessment, int]]  # open versions of my situations with unresolved flags
    options_in_play: int


def dashboard(*, user: User) -> Dashboard:
    """The analyst's home page, in a fixed number of queries."""
    mine = list(
        cases_access.situations_visible(user)
        .filter(_my_situations(user))
        .distinct()
        .order_by("title")
    )
    mine_ids = [s.pk for s in mine]
    approved: dict[int, list[int]] = {}
    for situation_id, level in (
        access.assessments_visible(user)
        .filter(situation_id__in=mine_ids, status=AssessmentStatus.APPROVED)
        .order_by("situation_id", "approved_at", "pk")
        .values_list("situation_id", "overall_level")
    ):
        approved.setdefault(situation_id, []).append(level)
    risks = []
    for situation in mine:
        levels = approved.get(situation.pk, [])
        trend = ""  # no trend before a second approved version
        if len(levels) >= 2:
            trend = (
                "rising"
                if levels[-1] > levels[-2]
                else "falling"
                if levels[-1] < levels[-2]
                else "steady"
            )
        risks.append(SituationRisk(situation, levels[-1] if levels else None, trend))
    risks.sort(key=lambda r: (-(r.level or 0), r.situation.title))
    awaiting: list[Assessment] = []
    if user.has_perm("assessments.approve_assessment"):
        awaiting = list(
            access.assessments_visible(
                user, Assessment.objects.select_related("situation", "author")
            )
            .filter(status=AssessmentStatus.SUBMITTED)
            .exclude(author=user)
            .order_by("submitted_at")
        )
    challenges = list(
        access.challenges_visible(
            user, Challenge.objects.select_related("author", "signal", "situation")
        )
        .filter(status=ChallengeStatus.OPEN)
        .filter(
            Q(situation_id__in=mine_ids) | Q(signal__situation_links__situation_id__in=mine_ids)
        )
        .distinct()
        .order_by("created_at")
    )
    open_versions = list(
        access.assessments_visible(user, Assessment.objects.select_related("situation"))
        .filter(situation_id__in=mine_ids)
        .exclude(status=AssessmentStatus.APPROVED)
        .prefetch_related(
            Prefetch(
                "judgments",
                FactorJudgment.objects.prefetch_related(
                    Prefetch("evidence", Evidence.objects.select_related("signal__source"))
                ),
            )
        )
    )
    flagged = []
    for assessment in open_versions:
        count = sum(
            len(_unresolved(j, flags_of(j.level, list(j.evidence.all()))))
            for j in assessment.judgments.all()
        )
        if count:
            flagged.append((assessment, count))
    options = (
        access.options_visible(user)
        .filter(situation_id__in=mine_ids)
        .exclude(status__in=[OptionStatus.IMPLEMENTED, OptionStatus.ABANDONED])
        .count()
    )
    return Dashboard(
        my_situations=risks,
        awaiting_my_review=awaiting,
        open_challenges=challenges,
        triggers=list(upcoming_triggers(user=user, mine=True)),
        flagged=flagged,
        options_in_play=options,
    )


RISK_WORDS = {level.value: level.label for level in RiskLevel}
