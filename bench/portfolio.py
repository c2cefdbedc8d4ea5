"""The benchmark's portfolio: situations, each with a history of approved assessments.

Seeded straight into the tables (bulk_create, then COPY for the assessments and their 14
judgments each) rather than through assessments.services: ten thousand four-eyes approvals one
by one would take many minutes and measure nothing the heat map reads. The rows are what the
services would have written: levels computed by assessments.risk from the judgments, a second
person approving, the evidence flags of raised factors acknowledged with a note, each version
based on the one before. No evidence links, transitions or audit rows: the heat map reads none.

Idempotent: situations are recognised by their reference (SIT-P + the seed and number), and a
situation is created together with its assessments in one transaction, so a situation that
exists has its whole history; --reuse seeds only the missing ones.
"""

from __future__ import annotations

import io
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentStatus,
    Catalogue,
    FactorJudgment,
    FactorLevel,
    FlagKind,
)
from assessments.risk import risk_compute
from cases.management.commands.seed_synthetic import COUNTRIES, SITUATION_THEMES
from cases.models import (
    MonitoringStatus,
    Situation,
    SituationGroupObjectPermission,
    SituationMember,
    SituationUserObjectPermission,
)
from r2p.countries import country_name, country_region
from r2p.models import Classification, User

VERSIONS = 10
HISTORY_DAYS = 720  # the first approval lies up to two years back
GROUP = "Bench portfolio reviewers"
RAISED = (FactorLevel.MODERATE, FactorLevel.HIGH)
# How often an analyst judges a factor at each level: mostly low or moderate.
LEVEL_WEIGHTS = (
    (FactorLevel.ABSENT, 10),
    (FactorLevel.LOW, 35),
    (FactorLevel.MODERATE, 30),
    (FactorLevel.HIGH, 12),
    (FactorLevel.INSUFFICIENT, 13),
)


def portfolio_reference(seed: int, number: int) -> str:
    """SIT-P + 7 characters: unlike the service's SIT-xxxxx and seed_synthetic's SIT-Y."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    value, out = seed * 100_000 + number, ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return "SIT-P" + out.rjust(7, "0")


@dataclass
class PortfolioReport:
    situations: int = 0
    situations_created: int = 0
    assessments_created: int = 0
    judgments_created: int = 0
    seconds: float = 0.0


def _copy(table: str, columns: list[str], lines: list[str]) -> None:
    if not lines:
        return
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN",
            io.StringIO("".join(lines)),
            size=1 << 20,
        )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")


def _null(value: object) -> str:
    return "\\N" if value is None else str(value)


def _walk(rng: random.Random, levels: dict[int, str]) -> dict[int, str]:
    """The next version: one to three factors judged anew, as a new report comes in."""
    values, weights = zip(*LEVEL_WEIGHTS, strict=True)
    changed = dict(levels)
    for number in rng.sample(range(1, 15), rng.randint(1, 3)):
        changed[number] = rng.choices(values, weights=weights)[0]
    return changed


def portfolio_seed(
    *,
    situations: int,
    seed: int,
    analyst: User,
    senior: User,
    viewer: User,
    progress=lambda message: None,
) -> PortfolioReport:
    """Situations SIT-P<seed><0..n-1>, each with VERSIONS approved assessments, visible to
    `viewer` through a group grant; only the missing situations are created.

    `analyst` leads and writes the situations their clearance covers, and `senior` approves
    them; `senior` leads and writes the others, and `viewer` approves those (four eyes).
    """
    began = time.monotonic()
    report = PortfolioReport(situations=situations)
    rng = random.Random(f"r2p-bench-portfolio:{seed}")
    wanted = [portfolio_reference(seed, m) for m in range(situations)]
    catalogue = Catalogue.objects.order_by("-version").first()
    factors = dict(catalogue.factors.values_list("number", "pk"))
    now = timezone.now()
    # Every plan is drawn, present or not, so a situation's history never depends on which
    # others existed before.
    plans = []
    values, weights = zip(*LEVEL_WEIGHTS, strict=True)
    for m in range(situations):
        country = COUNTRIES[rng.randrange(len(COUNTRIES))]
        theme = rng.choice(SITUATION_THEMES)
        area = rng.choice(country[4])
        level = rng.choices(
            [
                Classification.PUBLIC,
                Classification.CONFIDENTIAL,
                Classification.STRICTLY_CONFIDENTIAL,
            ],
            cum_weights=[25, 90, 100],
        )[0]
        status = rng.choices(
            [MonitoringStatus.ACTIVE, MonitoringStatus.DORMANT, MonitoringStatus.CLOSED],
            cum_weights=[75, 90, 100],
        )[0]
        first = now - timedelta(days=rng.randint(60, HISTORY_DAYS), hours=rng.randint(0, 23))
        span = (now - first).total_seconds() - 86_400
        moments = sorted(first + timedelta(seconds=rng.uniform(0, span)) for _ in range(VERSIONS))
        moments[0] = first
        history = [{n: rng.choices(values, weights=weights)[0] for n in range(1, 15)}]
        while len(history) < VERSIONS:
            history.append(_walk(rng, history[-1]))
        plans.append((m, country[0], theme, area, level, status, moments, history))

    existing = set(
        Situation.objects.filter(reference__in=wanted).values_list("reference", flat=True)
    )
    missing = [plan for plan in plans if wanted[plan[0]] not in existing]
    group, _ = Group.objects.get_or_create(name=GROUP)
    view = Permission.objects.get(content_type__app_label="cases", codename="view_situation")
    with transaction.atomic():
        if missing:
            progress(f"portfolio: {len(missing):,} of {situations:,} situations to seed")
            new = []
            for m, code, theme, area, level, status, _moments, _history in missing:
                region, narrower = country_region(code)
                lead = analyst if analyst.clearance >= level else senior
                new.append(
                    Situation(
                        reference=wanted[m],
                        title=f"{country_name(code)}: {theme} in {area} ({m + 1})",
                        countries=[code],
                        regions=[region] if region else [],
                        subregions=list(narrower),
                        subnational_areas=[area],
                        summary=(
                            f"Monitoring of {theme} in {area}. Synthetic situation generated "
                            "for the portfolio benchmark."
                        ),
                        classification=level,
                        status=status,
                        lead_analyst=lead,
                    )
                )
            created = Situation.objects.bulk_create(new)
            # The lead analyst is on the team with its grant, as situation_create makes them.
            SituationMember.objects.bulk_create(
                [
                    SituationMember(situation=s, user=s.lead_analyst, added_by=s.lead_analyst)
                    for s in created
                ],
                ignore_conflicts=True,
            )
            SituationUserObjectPermission.objects.bulk_create(
                [
                    SituationUserObjectPermission(
                        permission=view, user=s.lead_analyst, content_object=s
                    )
                    for s in created
                ],
                ignore_conflicts=True,
            )
            report.situations_created = len(created)
            approvers = {analyst.pk: senior, senior.pk: viewer}
            _assessments_copy(created, missing, factors, catalogue.pk, approvers, report, progress)
        # The head of the desk reads the whole portfolio: her reviewers' group holds the view
        # grant on every situation of it (the way a desk is given a portfolio in bulk; each
        # team member's own grant comes from the team services, as for the synthetic signals).
        ids = list(Situation.objects.filter(reference__in=wanted).values_list("pk", flat=True))
        SituationGroupObjectPermission.objects.bulk_create(
            [
                SituationGroupObjectPermission(permission=view, group=group, content_object_id=pk)
                for pk in ids
            ],
            ignore_conflicts=True,
        )
        viewer.groups.add(group)
    if missing:
        with connection.cursor() as cursor:
            for model in (Situation, Assessment, FactorJudgment):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    report.seconds = time.monotonic() - began
    return report


def _assessments_copy(
    created: list[Situation],
    plans: list[tuple],
    factors: dict[int, int],
    catalogue_id: int,
    approvers: dict[int, User],
    report: PortfolioReport,
    progress,
) -> None:
    """COPY the approved versions of the new situations (written by the lead analyst,
    approved by `approvers[lead]`), then their judgments."""
    columns = [
        "classification",
        "situation_id",
        "version",
        "catalogue_id",
        "status",
        "author_id",
        "overall_narrative",
        "genocide_level",
        "crimes_against_humanity_level",
        "war_crimes_level",
        "computed_level",
        "override_level",
        "override_justification",
        "overall_level",
        "created_at",
        "updated_at",
        "submitted_at",
        "approved_by_id",
        "approved_at",
        "revision",
    ]
    lines = []
    histories = {}
    for situation, plan in zip(created, plans, strict=True):
        _m, _code, _theme, _area, level, _status, moments, history = plan
        histories[situation.pk] = (situation.lead_analyst_id, history)
        for version, (moment, levels) in enumerate(zip(moments, history, strict=True), start=1):
            risk = risk_compute(levels)
            values = (
                level,
                situation.pk,
                version,
                catalogue_id,
                AssessmentStatus.APPROVED.value,
                situation.lead_analyst_id,
                "Synthetic assessment generated for the portfolio benchmark.",
                int(risk.genocide),
                int(risk.crimes_against_humanity),
                int(risk.war_crimes),
                int(risk.overall),
                None,
                "",
                int(risk.overall),
                _stamp(moment - timedelta(days=6)),
                _stamp(moment),
                _stamp(moment - timedelta(days=1)),
                approvers[situation.lead_analyst_id].pk,
                _stamp(moment),
                8,
            )
            lines.append("\t".join(_null(v) for v in values) + "\n")
    _copy(Assessment._meta.db_table, columns, lines)
    report.assessments_created = len(lines)
    progress(f"portfolio: {len(lines):,} approved assessments")
    table = Assessment._meta.db_table
    situation_ids = list(histories)
    with connection.cursor() as cursor:
        # Each version is based on the one before, as assessment_start makes it.
        cursor.execute(
            f"UPDATE {table} a SET based_on_id = p.id FROM {table} p "  # noqa: S608
            "WHERE a.situation_id = ANY(%s) AND p.situation_id = a.situation_id "
            "AND p.version = a.version - 1",
            [situation_ids],
        )
        cursor.execute(
            f"SELECT id, situation_id, version, approved_at FROM {table} "  # noqa: S608
            "WHERE situation_id = ANY(%s)",
            [situation_ids],
        )
        rows = cursor.fetchall()
    judgment_columns = [
        "assessment_id",
        "factor_id",
        "level",
        "confidence",
        "narrative",
        "acknowledged_flags",
        "acknowledgement_note",
        "acknowledged_by_id",
        "acknowledged_at",
    ]
    judgment_lines = []
    for assessment_id, situation_id, version, approved_at in rows:
        author_id, history = histories[situation_id]
        for number, level in history[version - 1].items():
            raised = level in RAISED
            judgment_lines.append(
                "\t".join(
                    _null(v)
                    for v in (
                        assessment_id,
                        factors[number],
                        level,
                        "medium",
                        "",
                        # Approved, so each raised factor's missing evidence was acknowledged.
                        "{" + FlagKind.NO_EVIDENCE.value + "}" if raised else "{}",
                        "Synthetic: evidence held outside the benchmark." if raised else "",
                        author_id if raised else None,
                        _stamp(approved_at - timedelta(days=2)) if raised else None,
                    )
                )
                + "\n"
            )
    _copy(FactorJudgment._meta.db_table, judgment_columns, judgment_lines)
    report.judgments_created = len(judgment_lines)
    progress(f"portfolio: {len(judgment_lines):,} factor judgments")
