"""The figures of an implementation report, from aggregate SQL only (never the rows themselves).

Every figure is computed for the report's period and for the period before it (a quarter, a
year, or as many days as a custom period), in the same query.

What the audience may know of. A record counts only if its own classification and that of its
situation are at or below the report's audience. A count of 1 or 2 that includes a record above
PUBLIC (or of a situation above PUBLIC) could point at a non-public situation: it is shown as
"fewer than 3", and, where a total would give it away by subtraction, the next smallest figure
of the same column is withheld too. The suppression happens here, before anything is stored, so
the stored figures, the pages, the PDF and the data annex never hold the small numbers.

docs/reports.md says what each figure counts.
"""

# The SQL below is assembled from this module's own constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import calendar
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from assessments.models import Instrument, Pillar, RiskLevel
from cases.models import (
    Body,
    Category,
    DecisionOutcome,
    ReferralStatus,
    RegionalArrangement,
    Reliability,
    SourceType,
)
from r2p.countries import country_region
from r2p.models import Classification

SMALL = 3  # counts below this (and above 0) are suppressed when they could point at a secret
FEWER_THAN = "fewer than 3"
WITHHELD = "withheld"
NOT_ASSESSED = 0


# --- Periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date  # first day
    end: date  # last day, included

    @property
    def lo(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def hi(self) -> datetime:
        after = self.end + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=UTC)

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def previous_period(period: Period) -> Period:
    """The period just before: as many whole months when the period is whole months (a quarter,
    a year), else as many days."""
    last_of_month = calendar.monthrange(period.end.year, period.end.month)[1]
    if period.start.day == 1 and period.end.day == last_of_month:
        months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
        start = _add_months(period.start, -(months + 1))
        return Period(start, period.start - timedelta(days=1))
    days = (period.end - period.start).days + 1
    return Period(period.start - timedelta(days=days), period.start - timedelta(days=1))


def last_complete_period(kind: str, today: date) -> Period:
    """The quarter or year that ended most recently before `today`."""
    if kind == "annual":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    first_of_quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    start = _add_months(first_of_quarter, -3)
    return Period(start, first_of_quarter - timedelta(days=1))


# --- Cells, rows, tables and the disclosure rule -----------------------------------------------


@dataclass
class Count:
    value: int = 0
    sensitive: int = 0  # how many of the records counted are above PUBLIC (or their situation)

    def add(self, value: int, sensitive: int) -> None:
        self.value += value
        self.sensitive += sensitive


@dataclass
class Durations:
    count: int = 0
    sensitive: int = 0
    median: float | None = None  # seconds
    p90: float | None = None


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Count]]]
    total: bool = False
    note: str = ""
    chart: bool = False
    # A total that is not the sum of the rows (a situation in two regions counts once in it).
    totals: list[Count] | None = None


def _cell(count: Count) -> dict[str, Any]:
    if 0 < count.value < SMALL and count.sensitive:
        return {"value": None, "text": FEWER_THAN}
    return {"value": count.value, "text": f"{count.value:,}"}


def table_disclose(table: Table) -> dict[str, Any]:
    """The table as stored: small counts that could point at a non-public situation replaced by
    "fewer than 3", and, where a total row would give one away by subtraction, the next smallest
    figure of that column (or the total itself) withheld."""
    rows = [{"label": label, "cells": [_cell(c) for c in counts]} for label, counts in table.rows]
    total_row = None
    if table.total:
        totals = table.totals or [Count() for _ in table.columns]
        if table.totals is None:
            for _, counts in table.rows:
                for total, count in zip(totals, counts, strict=True):
                    total.add(count.value, count.sensitive)
        total_row = {"label": "Total", "cells": [_cell(t) for t in totals]}
        for column in range(len(table.columns)):
            hidden = [r for r in rows if r["cells"][column]["value"] is None]
            if len(hidden) != 1 or total_row["cells"][column]["value"] is None:
                continue
            shown = [r for r in rows if (r["cells"][column]["value"] or 0) > 0]
            if shown:
                smallest = min(shown, key=lambda r: r["cells"][column]["value"])
                smallest["cells"][column] = {"value": None, "text": WITHHELD}
            else:
                total_row["cells"][column] = {"value": None, "text": WITHHELD}
    return {
        "key": table.key,
        "title": table.title,
        "kind": "count",
        "columns": table.columns,
        "rows": rows,
        "total": total_row,
        "note": table.note,
        "chart": table.chart,
    }


def _duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    hours = seconds / 3600
    if hours < 48:
        return f"{hours:.1f} hours"
    return f"{hours / 24:.1f} days"


def durations_disclose(
    key: str, title: str, columns: list[str], rows: list[tuple[str, list[Durations]]], note: str
) -> dict[str, Any]:
    """Median and 90th percentile per row and period; for 1 or 2 cases that could point at a
    non-public situation, neither the count nor the times are shown."""
    out = []
    for label, cells in rows:
        shown = []
        for d in cells:
            if 0 < d.count < SMALL and d.sensitive:
                shown.append(
                    {
                        "count": None,
                        "count_text": FEWER_THAN,
                        "median": None,
                        "p90": None,
                        "median_text": "not shown",
                        "p90_text": "not shown",
                    }
                )
            else:
                shown.append(
                    {
                        "count": d.count,
                        "count_text": f"{d.count:,}",
                        "median": None if d.median is None else round(d.median),
                        "p90": None if d.p90 is None else round(d.p90),
                        "median_text": _duration_text(d.median),
                        "p90_text": _duration_text(d.p90),
                    }
                )
        out.append({"label": label, "cells": shown})
    return {
        "key": key,
        "title": title,
        "kind": "duration",
        "columns": columns,
        "rows": out,
        "total": None,
        "note": note,
        "chart": False,
    }


# --- The queries ---------------------------------------------------------------------------------

CURRENT, PREVIOUS = "c", "p"


@dataclass(frozen=True)
class Scope:
    period: Period
    previous: Period
    audience: int

    @property
    def params(self) -> dict[str, Any]:
        return {
            "aud": self.audience,
            "ps": self.previous.lo,
            "cs": self.period.lo,
            "ce": self.period.hi,
            "psd": self.previous.start,
            "csd": self.period.start,
            "ced": self.period.end,
        }


# Each query runs in its own short transaction with settings for large aggregates: JIT costs
# more than it saves on these (it compiled for seconds on the bench), and sorts of a year of
# signals should stay in memory rather than spill to disk.
WORK_MEM = "64MB"


def _rows(sql: str, params: dict[str, Any]) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute(sql, params)
        return cursor.fetchall()


# Periods as a VALUES list, so one scan serves both.
PERIODS_SQL = "(VALUES ('c', %(cs)s::timestamptz, %(ce)s::timestamptz), ('p', %(ps)s, %(cs)s))"
# When a closed situation was closed: closed_at, which the services set (a row written
# around them without it falls back to its last change).
CLOSED_AT_SQL = "coalesce(s.closed_at, s.updated_at)"
# A situation is monitored at some time in [lo, hi) if it was opened before hi and not closed
# before lo.
MONITORED_SQL = (
    f"s.created_at < p.hi AND NOT (s.status = 'closed' AND {CLOSED_AT_SQL} < p.lo)"
    " AND s.classification <= %(aud)s"
)


def _two() -> list[str]:
    return ["This period", "Previous period"]


def situations_by_region(scope: Scope) -> Table:
    """Situations monitored in each period, by region, with the number of situations as the
    total (one that spans two regions is in both rows but counted once in the total)."""
    rows = _rows(
        f"""
        SELECT p.k, r.region, count(DISTINCT s.id),
               count(DISTINCT s.id) FILTER (WHERE s.classification > 0),
               GROUPING(r.region) AS g
        FROM cases_situation s
        CROSS JOIN {PERIODS_SQL} AS p(k, lo, hi)
        CROSS JOIN LATERAL unnest(CASE WHEN s.regions = '{{}}' THEN ARRAY['']::varchar[]
                                       ELSE s.regions END) AS r(region)
        WHERE {MONITORED_SQL}
        GROUP BY GROUPING SETS ((p.k, r.region), (p.k))
        """,
        scope.params,
    )
    found: dict[str, dict[str, Count]] = defaultdict(lambda: {CURRENT: Count(), PREVIOUS: Count()})
    totals = {CURRENT: Count(), PREVIOUS: Count()}
    for k, region, value, sensitive, g in rows:
        if g:
            totals[k].add(value, sensitive)
        else:
            found[region or "Region unknown"][k].add(value, sensitive)
    return Table(
        "situations_by_region",
        "Situations monitored, by region",
        _two(),
        [(region, [c[CURRENT], c[PREVIOUS]]) for region, c in sorted(found.items())],
        total=True,
        note="A situation spanning two regions is counted in each, and once in the total.",
        chart=True,
        totals=[totals[CURRENT], totals[PREVIOUS]],
    )


def situations_by_risk(scope: Scope) -> Table:
    """The overall risk of each monitored situation at three moments: the start of the previous
    period, the start of this one (the end of the previous) and the end of this one, by its
    latest approved assessment before that moment."""
    params = scope.params
    rows = _rows(
        f"""
        SELECT b.k, coalesce(a.overall_level, 0) AS level, count(*),
               count(*) FILTER (WHERE s.classification > 0 OR a.classification > 0)
        FROM cases_situation s
        CROSS JOIN (VALUES ('ps', %(ps)s::timestamptz), ('cs', %(cs)s), ('ce', %(ce)s))
            AS b(k, at)
        LEFT JOIN LATERAL (
            SELECT x.overall_level, x.classification FROM assessments_assessment x
            WHERE x.situation_id = s.id AND x.status = 'approved' AND x.approved_at < b.at
              AND x.classification <= %(aud)s
            ORDER BY x.approved_at DESC, x.id DESC LIMIT 1
        ) a ON true
        WHERE s.created_at < b.at AND NOT (s.status = 'closed' AND {CLOSED_AT_SQL} < b.at)
          AND s.classification <= %(aud)s
        GROUP BY b.k, level
        """,
        params,
    )
    found: dict[int, dict[str, Count]] = defaultdict(
        lambda: {"ps": Count(), "cs": Count(), "ce": Count()}
    )
    for k, level, value, sensitive in rows:
        found[level][k].add(value, sensitive)
    levels = [(lvl.value, lvl.label) for lvl in sorted(RiskLevel, reverse=True)]
    levels.append((NOT_ASSESSED, "Not yet assessed"))
    return Table(
        "situations_by_risk",
        "Situations monitored, by overall risk",
        [
            f"Start of the previous period ({scope.previous.start:%-d %b %Y})",
            f"Start of this period ({scope.period.start:%-d %b %Y})",
            f"End of this period ({scope.period.end:%-d %b %Y})",
        ],
        [
            (label, [found[value]["ps"], found[value]["cs"], found[value]["ce"]])
            for value, label in levels
        ],
        total=True,
        note="By each situation's latest approved assessment before that day.",
        chart=True,
    )


def signals_breakdowns(scope: Scope) -> list[Table]:
    """New signals (filed in the period, duplicates left out) by category, region, source type
    and reliability: one scan of the two periods' signals."""
    rows = _rows(
        """
        WITH counted AS MATERIALIZED (
            -- Counted first per source (tens of thousands of rows, not a year of signals),
            -- then broken down four ways.
            SELECT CASE WHEN s.created_at >= %(cs)s THEN 'c' ELSE 'p' END AS k,
                   s.category, s.country, s.source_id,
                   count(*) AS n, count(*) FILTER (WHERE s.classification > 0) AS sensitive
            FROM cases_signal s
            WHERE s.created_at >= %(ps)s AND s.created_at < %(ce)s
              AND s.classification <= %(aud)s AND s.status <> 'duplicate'
            GROUP BY 1, 2, 3, 4
        )
        SELECT k, category, country, source_type, reliability,
               GROUPING(category, country, source_type, reliability) AS g,
               sum(n)::bigint, sum(sensitive)::bigint
        FROM counted t JOIN cases_source src ON src.id = t.source_id
        GROUP BY GROUPING SETS ((k, category), (k, country), (k, source_type), (k, reliability))
        """,
        scope.params,
    )
    by: dict[str, dict[str, dict[str, Count]]] = {
        name: defaultdict(lambda: {CURRENT: Count(), PREVIOUS: Count()})
        for name in ("category", "region", "source_type", "reliability")
    }
    for k, category, country, source_type, reliability, g, value, sensitive in rows:
        if g == 0b0111:
            by["category"][category][k].add(value, sensitive)
        elif g == 0b1011:
            by["region"][country_region(country)[0] or "Region unknown"][k].add(value, sensitive)
        elif g == 0b1101:
            by["source_type"][source_type][k].add(value, sensitive)
        elif g == 0b1110:
            by["reliability"][reliability][k].add(value, sensitive)

    def table(key: str, title: str, labels: Iterable[tuple[str, str]], chart: bool) -> Table:
        found = by[key]
        return Table(
            f"signals_by_{key}",
            title,
            _two(),
            [(label, [found[v][CURRENT], found[v][PREVIOUS]]) for v, label in labels],
            total=True,
            chart=chart,
        )

    regions = sorted(by["region"])
    return [
        table("category", "New signals, by category", Category.choices, True),
        table("region", "New signals, by region", [(r, r) for r in regions], True),
        table("source_type", "New signals, by type of source", SourceType.choices, False),
        table(
            "reliability",
            "New signals, by reliability of the source",
            [(value, f"{value}: {label}") for value, label in Reliability.choices],
            False,
        ),
    ]


# Situation and record both within the audience; sensitive if either is above PUBLIC.
def _within(record: str) -> str:
    return f"{record}.classification <= %(aud)s AND sit.classification <= %(aud)s"


def _sensitive(record: str) -> str:
    return f"({record}.classification > 0 OR sit.classification > 0)"


def assessments_approved(scope: Scope) -> Table:
    rows = _rows(
        f"""
        SELECT CASE WHEN a.approved_at >= %(cs)s THEN 'c' ELSE 'p' END, a.overall_level,
               count(*), count(*) FILTER (WHERE {_sensitive("a")})
        FROM assessments_assessment a JOIN cases_situation sit ON sit.id = a.situation_id
        WHERE a.status = 'approved' AND a.approved_at >= %(ps)s AND a.approved_at < %(ce)s
          AND {_within("a")}
        GROUP BY 1, 2
        """,
        scope.params,
    )
    found: dict[int, dict[str, Count]] = defaultdict(lambda: {CURRENT: Count(), PREVIOUS: Count()})
    for k, level, value, sensitive in rows:
        found[level][k].add(value, sensitive)
    return Table(
        "assessments_approved",
        "Risk assessments approved, by overall risk",
        _two(),
        [
            (level.label, [found[level.value][CURRENT], found[level.value][PREVIOUS]])
            for level in sorted(RiskLevel, reverse=True)
        ],
        total=True,
        chart=True,
    )


def escalations(scope: Scope) -> Table:
    """What happened to escalations in the period: each escalation counted once per row, at the
    first time the event happened to it."""
    rows = _rows(
        f"""
        WITH firsts AS (
            SELECT e.id AS escalation_id, {_sensitive("e")} AS sensitive,
                   min(t.at) FILTER (WHERE t.action IN ('submit', 'urgent')) AS escalated,
                   min(t.at) FILTER (WHERE t.action = 'urgent') AS urgent,
                   min(t.at) FILTER (WHERE t.action IN ('endorse', 'urgent')) AS endorsed,
                   min(t.at) FILTER (WHERE t.action IN ('transmit', 'urgent')) AS at_desk,
                   min(t.at) FILTER (WHERE t.action = 'withdraw') AS withdrawn
            FROM cases_escalationtransition t
            JOIN cases_escalation e ON e.id = t.escalation_id
            JOIN cases_situation sit ON sit.id = e.situation_id
            WHERE {_within("e")}
            GROUP BY e.id, sit.id
        ), events AS (
            SELECT 'escalated' AS event, escalated AS at, sensitive FROM firsts
            UNION ALL SELECT 'urgent', urgent, sensitive FROM firsts
            UNION ALL SELECT 'endorsed', endorsed, sensitive FROM firsts
            UNION ALL SELECT 'at_desk', at_desk, sensitive FROM firsts
            UNION ALL SELECT 'withdrawn', withdrawn, sensitive FROM firsts
            UNION ALL
            SELECT 'decision_' || d.outcome, min(d.decided_at), {_sensitive("e")}
            FROM cases_decision d
            JOIN cases_escalation e ON e.id = d.escalation_id
            JOIN cases_situation sit ON sit.id = e.situation_id
            WHERE {_within("e")}
            GROUP BY d.outcome, e.id, sit.id
        )
        SELECT CASE WHEN at >= %(cs)s THEN 'c' ELSE 'p' END, event,
               count(*), count(*) FILTER (WHERE sensitive)
        FROM events WHERE at >= %(ps)s AND at < %(ce)s
        GROUP BY 1, 2
        """,
        scope.params,
    )
    found: dict[str, dict[str, Count]] = defaultdict(lambda: {CURRENT: Count(), PREVIOUS: Count()})
    for k, event, value, sensitive in rows:
        found[event][k].add(value, sensitive)
    labels = [
        ("escalated", "Escalated by the joint office"),
        ("urgent", "of which sent as urgent by a Special Adviser"),
        ("endorsed", "Endorsed by a Special Adviser"),
        ("at_desk", "Reached the Secretary-General's desk"),
        *(
            (f"decision_{value}", f"Decision: {label.lower()}")
            for value, label in DecisionOutcome.choices
        ),
        ("withdrawn", "Withdrawn"),
    ]
    return Table(
        "escalations",
        "Escalations and their outcomes",
        _two(),
        [(label, [found[key][CURRENT], found[key][PREVIOUS]]) for key, label in labels],
        note="Each escalation is counted once in each row, when the step first happened to it.",
        chart=True,
    )


ESCALATION_STAGES: tuple[tuple[str, str, str, str], ...] = (
    ("review", "Review by a second analyst", "escalated", "reviewed"),
    ("endorsement", "Endorsement by a Special Adviser", "reviewed", "endorsed"),
    ("transmission", "Transmission to the desk", "endorsed", "at_desk"),
    ("decision", "Decision at the desk", "at_desk", "decided"),
    ("whole", "From escalation to decision", "escalated", "decided"),
)


def _percentiles(expressions: dict[str, str]) -> str:
    parts = []
    for key, expr in expressions.items():
        ok = f"({expr}) IS NOT NULL AND ({expr}) >= 0"
        parts.append(
            f"count(*) FILTER (WHERE {ok}) AS {key}_n,"
            f" count(*) FILTER (WHERE {ok} AND sensitive) AS {key}_s,"
            f" percentile_cont(0.5) WITHIN GROUP (ORDER BY {expr}) FILTER (WHERE {ok}),"
            f" percentile_cont(0.9) WITHIN GROUP (ORDER BY {expr}) FILTER (WHERE {ok})"
        )
    return ",\n".join(parts)


def _durations(row: tuple, count: int) -> list[Durations]:
    return [Durations(*row[i * 4 : i * 4 + 4]) for i in range(count)]


def escalation_times(scope: Scope) -> dict[str, Any]:
    """For escalations decided in the period: time spent in each stage (from the first time it
    was reached), median and 90th percentile."""
    epoch = "extract(epoch FROM ({b} - {a}))"
    expressions = {key: epoch.format(a=a, b=b) for key, _, a, b in ESCALATION_STAGES}
    rows = _rows(
        f"""
        WITH per AS (
            SELECT p.k, e.id, {_sensitive("e")} AS sensitive,
                   min(t.at) FILTER (WHERE t.action IN ('submit', 'urgent')) AS escalated,
                   min(t.at) FILTER (WHERE t.action = 'review') AS reviewed,
                   min(t.at) FILTER (WHERE t.action = 'endorse') AS endorsed,
                   min(t.at) FILTER (WHERE t.action IN ('transmit', 'urgent')) AS at_desk,
                   min(t.at) FILTER (WHERE t.action = 'decide' AND t.at >= p.lo AND t.at < p.hi)
                       AS decided
            FROM cases_escalation e
            JOIN cases_situation sit ON sit.id = e.situation_id
            JOIN cases_escalationtransition t ON t.escalation_id = e.id
            CROSS JOIN {PERIODS_SQL} AS p(k, lo, hi)
            WHERE {_within("e")} AND t.at < p.hi
            GROUP BY p.k, e.id, sit.id
        )
        SELECT k, {_percentiles(expressions)}
        FROM per WHERE decided IS NOT NULL
        GROUP BY k
        """,
        scope.params,
    )
    found = {row[0]: _durations(row[1:], len(ESCALATION_STAGES)) for row in rows}
    empty = [Durations() for _ in ESCALATION_STAGES]
    current, previous = found.get(CURRENT, empty), found.get(PREVIOUS, empty)
    return durations_disclose(
        "escalation_times",
        "Time from escalation to decision, by stage",
        _two(),
        [(stage[1], [current[i], previous[i]]) for i, stage in enumerate(ESCALATION_STAGES)],
        note=(
            "Escalations decided in the period. Urgent escalations skip review and endorsement. "
            "Median and 90th percentile."
        ),
    )


def _referral_label(body: str, acronym: str | None) -> str:
    if body == Body.REGIONAL and acronym:
        return f"Regional arrangement: {acronym}"
    return Body(body).label


def referrals(scope: Scope) -> list[Table]:
    """Referrals sent in the period, by body, and their follow-up status at the period's end."""
    rows = _rows(
        f"""
        SELECT k, body, acronym, status, count(*), count(*) FILTER (WHERE sensitive)
        FROM (
            SELECT CASE WHEN r.sent_on >= %(csd)s THEN 'c' ELSE 'p' END AS k, r.body, ra.acronym,
                   coalesce((
                       SELECT u.status FROM cases_referralupdate u
                       WHERE u.referral_id = r.id
                         AND u.at < CASE WHEN r.sent_on >= %(csd)s THEN %(ce)s ELSE %(cs)s END
                       ORDER BY u.at DESC, u.id DESC LIMIT 1), 'sent') AS status,
                   {_sensitive("e")} AS sensitive
            FROM cases_referral r
            JOIN cases_decision d ON d.id = r.decision_id
            JOIN cases_escalation e ON e.id = d.escalation_id
            JOIN cases_situation sit ON sit.id = e.situation_id
            LEFT JOIN cases_regionalarrangement ra ON ra.id = r.regional_arrangement_id
            WHERE r.sent_on >= %(psd)s AND r.sent_on <= %(ced)s AND {_within("e")}
        ) t
        GROUP BY k, body, acronym, status
        """,
        scope.params,
    )
    by_body: dict[str, dict[str, Count]] = defaultdict(
        lambda: {CURRENT: Count(), PREVIOUS: Count()}
    )
    by_status: dict[str, dict[str, Count]] = defaultdict(
        lambda: {CURRENT: Count(), PREVIOUS: Count()}
    )
    for k, body, acronym, status, value, sensitive in rows:
        by_body[_referral_label(body, acronym)][k].add(value, sensitive)
        by_status[status][k].add(value, sensitive)
    body_order = [label for value, label in Body.choices if value != Body.REGIONAL]
    regional = sorted(
        f"Regional arrangement: {a}"
        for a in RegionalArrangement.objects.values_list("acronym", flat=True)
    )
    order = body_order[:-1] + regional + [Body.REGIONAL.label] + body_order[-1:]
    labels = [label for label in order if label in by_body or not label.startswith("Regional")]
    return [
        Table(
            "referrals_by_body",
            "Referrals sent, by body",
            _two(),
            [(label, [by_body[label][CURRENT], by_body[label][PREVIOUS]]) for label in labels],
            total=True,
            chart=True,
        ),
        Table(
            "referrals_by_status",
            "Referrals sent, by follow-up status at the end of the period",
            _two(),
            [
                (label, [by_status[value][CURRENT], by_status[value][PREVIOUS]])
                for value, label in ReferralStatus.choices
            ],
            total=True,
        ),
    ]


OPTION_STEPS = (("proposed", "Proposed"), ("adopted", "Adopted"), ("implemented", "Implemented"))


def response_options(scope: Scope) -> list[Table]:
    """Response options proposed, adopted and implemented in the period (each option once per
    step), by pillar and by instrument."""
    rows = _rows(
        """
        SELECT CASE WHEN t.at >= %(cs)s THEN 'c' ELSE 'p' END, t.to_status, i.id,
               count(DISTINCT o.id), count(DISTINCT o.id) FILTER (WHERE sit.classification > 0)
        FROM assessments_optiontransition t
        JOIN assessments_responseoption o ON o.id = t.option_id
        JOIN assessments_instrument i ON i.id = o.instrument_id
        JOIN cases_situation sit ON sit.id = o.situation_id
        WHERE t.at >= %(ps)s AND t.at < %(ce)s
          AND t.to_status IN ('proposed', 'adopted', 'implemented')
          AND sit.classification <= %(aud)s
        GROUP BY 1, 2, 3
        """,
        scope.params,
    )
    instruments = {i.pk: i for i in Instrument.objects.order_by("position", "pk")}
    keys = [(step, k) for k in (CURRENT, PREVIOUS) for step, _ in OPTION_STEPS]
    by_pillar: dict[str, dict[tuple[str, str], Count]] = defaultdict(
        lambda: {key: Count() for key in keys}
    )
    by_instrument: dict[int, dict[tuple[str, str], Count]] = defaultdict(
        lambda: {key: Count() for key in keys}
    )
    for k, step, instrument_id, value, sensitive in rows:
        by_pillar[instruments[instrument_id].pillar][(step, k)].add(value, sensitive)
        by_instrument[instrument_id][(step, k)].add(value, sensitive)
    columns = [
        f"{label}, {'this' if k == CURRENT else 'previous'} period"
        for k in (CURRENT, PREVIOUS)
        for _, label in OPTION_STEPS
    ]
    return [
        Table(
            "options_by_pillar",
            "Response options, by pillar",
            columns,
            [(label, [by_pillar[value][key] for key in keys]) for value, label in Pillar.choices],
            total=True,
            chart=True,
        ),
        Table(
            "options_by_instrument",
            "Response options, by instrument",
            columns,
            [
                (f"{i.name} (pillar {i.pillar})", [by_instrument[pk][key] for key in keys])
                for pk, i in instruments.items()
            ],
            total=True,
        ),
    ]


GAP_STAGES: tuple[tuple[str, str], ...] = (
    ("first_signal", "First signal"),
    ("high_risk", "First assessment at high or above"),
    ("escalated", "Escalated"),
    ("endorsed", "Endorsed"),
    ("decided", "Decided"),
    ("referred", "Referred to a body"),
    ("acted_on", "Action by the body"),
    ("response_adopted", "Response option adopted"),
)


def warning_response_gap(scope: Scope) -> dict[str, Any]:
    """For each step of a situation's path from first signal to response adopted that was
    reached in the period: the time since the step before (the same stages as the gap page,
    cases.timeline), counting only records the audience may know of."""
    epoch = "extract(epoch FROM ({b} - {a}))"
    expressions = {b: epoch.format(a=a, b=b) for (a, _), (b, _) in itertools.pairwise(GAP_STAGES)}
    stage_filter = " OR ".join(f"({b} >= p.lo AND {b} < p.hi)" for b in expressions)
    percentiles = _percentiles(
        {
            b: f"CASE WHEN {b} >= p.lo AND {b} < p.hi THEN {expr} END"
            for b, expr in expressions.items()
        }
    )
    rows = _rows(
        f"""
        WITH first_signals AS MATERIALIZED (
            SELECT l.situation_id, min(sg.created_at) AS at
            FROM cases_signalsituationlink l JOIN cases_signal sg ON sg.id = l.signal_id
            WHERE sg.classification <= %(aud)s
            GROUP BY l.situation_id
        ), lines AS MATERIALIZED (
            -- MATERIALIZED: inlined, each correlated subquery below would be planned again in
            -- every place the outer query uses its column.
            SELECT sit.id,
              -- Sensitive when the situation, or any record within the audience that could
              -- date one of its steps, is above PUBLIC.
              (sit.classification > 0
               OR EXISTS (SELECT 1 FROM cases_escalation e WHERE e.situation_id = sit.id
                          AND e.classification BETWEEN 1 AND %(aud)s)
               OR EXISTS (SELECT 1 FROM assessments_assessment a
                          WHERE a.situation_id = sit.id AND a.status = 'approved'
                          AND a.classification BETWEEN 1 AND %(aud)s)
               OR EXISTS (SELECT 1 FROM cases_signalsituationlink l
                          JOIN cases_signal sg ON sg.id = l.signal_id
                          WHERE l.situation_id = sit.id
                          AND sg.classification BETWEEN 1 AND %(aud)s)) AS sensitive,
              fs.at AS first_signal,
              (SELECT min(a.approved_at) FROM assessments_assessment a
                 WHERE a.situation_id = sit.id AND a.status = 'approved' AND a.overall_level >= 3
                   AND a.classification <= %(aud)s) AS high_risk,
              (SELECT min(t.at) FROM cases_escalationtransition t
                 JOIN cases_escalation e ON e.id = t.escalation_id
                 WHERE e.situation_id = sit.id AND e.classification <= %(aud)s
                   AND t.action IN ('submit', 'urgent')) AS escalated,
              (SELECT min(t.at) FROM cases_escalationtransition t
                 JOIN cases_escalation e ON e.id = t.escalation_id
                 WHERE e.situation_id = sit.id AND e.classification <= %(aud)s
                   AND t.action IN ('endorse', 'urgent')) AS endorsed,
              (SELECT min(t.at) FROM cases_escalationtransition t
                 JOIN cases_escalation e ON e.id = t.escalation_id
                 WHERE e.situation_id = sit.id AND e.classification <= %(aud)s
                   AND t.action = 'decide') AS decided,
              (SELECT min(r.sent_on)::timestamptz FROM cases_referral r
                 JOIN cases_decision d ON d.id = r.decision_id
                 JOIN cases_escalation e ON e.id = d.escalation_id
                 WHERE e.situation_id = sit.id AND e.classification <= %(aud)s) AS referred,
              (SELECT min(u.at) FROM cases_referralupdate u
                 JOIN cases_referral r ON r.id = u.referral_id
                 JOIN cases_decision d ON d.id = r.decision_id
                 JOIN cases_escalation e ON e.id = d.escalation_id
                 WHERE e.situation_id = sit.id AND e.classification <= %(aud)s
                   AND u.status = 'action_taken') AS acted_on,
              (SELECT min(ot.at) FROM assessments_optiontransition ot
                 JOIN assessments_responseoption o ON o.id = ot.option_id
                 WHERE o.situation_id = sit.id AND ot.to_status = 'adopted') AS response_adopted
            FROM cases_situation sit
            LEFT JOIN first_signals fs ON fs.situation_id = sit.id
            WHERE sit.classification <= %(aud)s AND sit.created_at < %(ce)s
        )
        SELECT p.k, {percentiles}
        FROM lines CROSS JOIN {PERIODS_SQL} AS p(k, lo, hi)
        WHERE {stage_filter}
        GROUP BY p.k
        """,
        scope.params,
    )
    count = len(expressions)
    found = {row[0]: _durations(row[1:], count) for row in rows}
    empty = [Durations() for _ in range(count)]
    current, previous = found.get(CURRENT, empty), found.get(PREVIOUS, empty)
    return durations_disclose(
        "warning_response_gap",
        "The warning-response gap: time to reach each step from the one before",
        _two(),
        [
            (f"{GAP_STAGES[i][1]} → {GAP_STAGES[i + 1][1]}", [current[i], previous[i]])
            for i in range(count)
        ],
        note="Situations that reached the later step during the period, the first time.",
    )


def inaction_alerts(scope: Scope) -> Table:
    rows = _rows(
        f"""
        SELECT p.k,
          count(*) FILTER (WHERE raised), count(*) FILTER (WHERE raised AND sensitive),
          count(*) FILTER (WHERE closed), count(*) FILTER (WHERE closed AND sensitive),
          count(*) FILTER (WHERE still_open), count(*) FILTER (WHERE still_open AND sensitive)
        FROM (
          SELECT p.k, sit.classification > 0 AS sensitive,
            a.raised_at >= p.lo AND a.raised_at < p.hi AS raised,
            coalesce(a.closed_at >= p.lo AND a.closed_at < p.hi, false) AS closed,
            a.raised_at < p.hi AND (a.closed_at IS NULL OR a.closed_at >= p.hi) AS still_open
        FROM cases_inactionalert a
        JOIN cases_situation sit ON sit.id = a.situation_id
        CROSS JOIN {PERIODS_SQL} AS p(k, lo, hi)
        WHERE sit.classification <= %(aud)s
        ) p
        GROUP BY p.k
        """,
        scope.params,
    )
    found = {CURRENT: [Count(), Count(), Count()], PREVIOUS: [Count(), Count(), Count()]}
    for k, raised, raised_s, closed, closed_s, open_, open_s in rows:
        found[k] = [Count(raised, raised_s), Count(closed, closed_s), Count(open_, open_s)]
    labels = [
        "Inaction alerts raised",
        "Closed by a response adopted",
        "Still open at the end of the period",
    ]
    return Table(
        "inaction_alerts",
        "Inaction alerts: high risk and no response adopted in time",
        _two(),
        [(label, [found[CURRENT][i], found[PREVIOUS][i]]) for i, label in enumerate(labels)],
    )


# --- Everything, in order, with progress ------------------------------------------------------

STEPS: tuple[tuple[str, Callable[[Scope], Any]], ...] = (
    ("Situations monitored", situations_by_region),
    ("Situations by risk level", situations_by_risk),
    ("New signals", signals_breakdowns),
    ("Assessments approved", assessments_approved),
    ("Escalations and outcomes", escalations),
    ("Time from escalation to decision", escalation_times),
    ("Referrals", referrals),
    ("Response options", response_options),
    ("Warning-response gap", warning_response_gap),
    ("Inaction alerts", inaction_alerts),
)


def figures_compute(
    *, period: Period, audience: int, progress: Callable[[int, int, str], None] | None = None
) -> dict[str, Any]:
    """All the figures of a report, disclosure control applied, as stored in Report.figures."""
    scope = Scope(period, previous_period(period), audience)
    tables: list[dict[str, Any]] = []
    for index, (label, step) in enumerate(STEPS):
        if progress:
            progress(index, len(STEPS), label)
        result = step(scope)
        for item in result if isinstance(result, list) else [result]:
            tables.append(table_disclose(item) if isinstance(item, Table) else item)
    if progress:
        progress(len(STEPS), len(STEPS), "Done")
    return {
        "period": period.as_dict(),
        "previous": scope.previous.as_dict(),
        "audience": Classification(audience).label,
        "tables": tables,
    }
