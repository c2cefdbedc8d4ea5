"""The measurements. Each one times the application's path and a raw-SQL baseline for the same
work, interleaved in the same process against the same tables, and returns flat figures.
"""

from __future__ import annotations

import csv
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from psycopg2.extras import execute_values
from psycopg2.sql import SQL, Identifier

from bench.console import log
from cases import selectors
from cases.management.commands.seed_synthetic import SyntheticRow, synthetic_rows
from cases.models import Origin, SignalStatus, Source, SourceType
from r2p.models import Classification, User

PAGE = 50


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = function()
    return time.perf_counter() - began, result


# --- Bulk ingest ------------------------------------------------------------------------------

# The columns the bulk API writes (everything but id and the generated search_vector), in the
# order the raw baseline inserts them.
INSERT_COLUMNS = (
    "classification",
    "headline",
    "description",
    "occurred_on",
    "occurred_precision",
    "reported_at",
    "country",
    "admin1",
    "place_name",
    "latitude",
    "longitude",
    "category",
    "perpetrators",
    "targeted_group",
    "targeted_group_kind",
    "fatalities_best",
    "fatalities_low",
    "fatalities_high",
    "source_id",
    "credibility",
    "origin",
    "external_id",
    "original_source_text",
    "language",
    "status",
    "dismissed_reason",
    "duplicate_of_id",
    "cluster_id",
    "created_by_id",
    "created_at",
    "updated_at",
    "version",
)


def _api_payload(row: SyntheticRow, pseudonym: str, external_id: str) -> dict[str, Any]:
    return {
        "headline": row.headline,
        "description": row.description,
        "occurred_on": row.occurred_on.isoformat(),
        "occurred_precision": row.occurred_precision,
        "reported_at": row.reported_at.isoformat(),
        "country": row.country,
        "admin1": row.admin1,
        "place_name": row.place_name,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "category": row.category,
        "perpetrators": row.perpetrators,
        "targeted_group": row.targeted_group,
        "targeted_group_kind": row.targeted_group_kind,
        "fatalities_best": row.fatalities_best,
        "fatalities_low": row.fatalities_low,
        "fatalities_high": row.fatalities_high,
        "source": pseudonym,
        "credibility": row.credibility,
        # The API refuses material above the caller's clearance: file at most CONFIDENTIAL.
        "classification": Classification(min(row.classification, 1)).name,
        "external_id": external_id,
        "original_source_text": row.original_source_text,
        "language": row.language,
    }


def _raw_values(row: SyntheticRow, source_id: int, external_id: str, actor_id: int) -> tuple:
    now = timezone.now()
    return (
        min(row.classification, 1),
        row.headline,
        row.description,
        row.occurred_on,
        row.occurred_precision,
        row.reported_at,
        row.country,
        row.admin1,
        row.place_name,
        row.latitude,
        row.longitude,
        row.category,
        row.perpetrators,
        row.targeted_group,
        row.targeted_group_kind,
        row.fatalities_best,
        row.fatalities_low,
        row.fatalities_high,
        source_id,
        row.credibility,
        Origin.API.value,
        external_id,
        row.original_source_text,
        row.language,
        SignalStatus.NEW.value,
        "",
        None,
        None,
        actor_id,
        now,
        now,
        1,
    )


def bulk_ingest(
    *, analyst: User, token: str, source: Source, batches: int, batch_size: int = 1000
) -> dict[str, Any]:
    """POST /api/v1/signals/bulk/ against psycopg2 execute_values, batch by batch, alternating.

    Both sides insert the same generated rows (under different external ids) into the same
    table, one transaction per batch; one warm-up batch of each is not counted.
    """
    path = "/api/v1/signals/bulk/"
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    run = int(time.time())
    rows = synthetic_rows(
        seed=run % 100_000,
        start=0,
        count=(batches + 1) * batch_size,
        total=(batches + 1) * batch_size,
        source_count=1,
        situations_by_country={},
        today=date.today(),
    )
    raw = connection.connection  # the psycopg2 connection under Django's, in autocommit
    api_seconds = raw_seconds = 0.0
    sql = SQL("INSERT INTO cases_signal ({}) VALUES %s").format(
        SQL(", ").join(Identifier(column) for column in INSERT_COLUMNS)
    )
    for number in range(batches + 1):
        chunk = rows[number * batch_size : (number + 1) * batch_size]
        body = json.dumps(
            {
                "signals": [
                    _api_payload(r, source.pseudonym, f"bench-api-{run}-{r.index}") for r in chunk
                ]
            }
        )
        values = [
            _raw_values(r, source.pk, f"bench-raw-{run}-{r.index}", analyst.pk) for r in chunk
        ]
        seconds, response = timed(
            lambda body=body: client.post(
                path, data=body, content_type="application/json", secure=True
            )
        )
        if response.status_code != 201:
            raise RuntimeError(
                f"the bulk API answered {response.status_code}: {response.content[:600]!r}"
            )
        if number:
            api_seconds += seconds

        def insert(values: list[tuple] = values) -> None:
            with raw.cursor() as cursor:
                execute_values(cursor, sql, values, page_size=batch_size)

        seconds, _ = timed(insert)
        if number:
            raw_seconds += seconds
    counted = batches * batch_size
    # Leave the table as seeded, for the next run with --reuse.
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM cases_signal WHERE origin = %s AND external_id LIKE %s",
            [Origin.API.value, f"bench-%-{run}-%"],
        )
    api_rate = counted / api_seconds
    raw_rate = counted / raw_seconds
    return {
        "bulk_rows": counted,
        "bulk_batch_size": batch_size,
        "bulk_api_rows_per_s": round(api_rate, 1),
        "bulk_raw_execute_values_rows_per_s": round(raw_rate, 1),
        "bulk_api_ratio_to_raw": ratio(api_rate, raw_rate),
        "bulk_api_ratio_target_min": 0.25,
        "bulk_api_meets_target": api_rate / raw_rate >= 0.25,
    }


# --- Triage list ------------------------------------------------------------------------------

# The hand-written query for the same page: the same visibility rules (clearance; PUBLIC, or an
# object grant, or CONFIDENTIAL and new or on the analyst's team), the same filters and order.
RAW_TRIAGE_SQL = """
SELECT s.id, s.headline, s.occurred_on, s.occurred_precision, s.country, s.admin1, s.category,
  s.fatalities_best, s.fatalities_low, s.fatalities_high, s.classification, s.credibility,
  s.status, s.duplicate_of_id, s.cluster_id, s.created_by_id, src.id, src.pseudonym,
  src.reliability
FROM cases_signal s
JOIN cases_source src ON src.id = s.source_id
WHERE s.status = %(status)s AND s.country = %(country)s AND s.category = %(category)s
  AND s.id < %(before)s
  AND s.classification <= %(clearance)s
  AND (
    s.classification = 0
    OR s.id IN (
      SELECT p.content_object_id FROM cases_signaluserobjectpermission p
      WHERE p.user_id = %(user)s AND p.permission_id = %(view_signal)s
      UNION ALL
      SELECT g.content_object_id FROM cases_signalgroupobjectpermission g
      JOIN r2p_user_groups ug ON ug.group_id = g.group_id
      WHERE ug.user_id = %(user)s AND g.permission_id = %(view_signal)s
    )
    OR (s.classification = 1 AND (
      NOT EXISTS (SELECT 1 FROM cases_signalsituationlink l0 WHERE l0.signal_id = s.id)
      OR s.created_by_id = %(user)s
      OR EXISTS (
        SELECT 1 FROM cases_signalsituationlink l
        WHERE l.signal_id = s.id AND l.situation_id IN (
          SELECT p.content_object_id FROM cases_situationuserobjectpermission p
          WHERE p.user_id = %(user)s AND p.permission_id = %(view_situation)s
          UNION ALL
          SELECT g.content_object_id FROM cases_situationgroupobjectpermission g
          JOIN r2p_user_groups ug ON ug.group_id = g.group_id
          WHERE ug.user_id = %(user)s AND g.permission_id = %(view_situation)s
        )
      )
    ))
  )
ORDER BY s.id DESC
LIMIT 50
"""

UNBOUNDED = 2**62


def _permission_id(codename: str) -> int:
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label="cases", codename=codename).pk


def triage(
    *,
    analyst: User,
    filters: dict[str, str],
    repeats: int,
    deep_skip: int,
    explain: bool = False,
) -> dict[str, Any]:
    """The 50-row triage page: selector, raw SQL and (if present) the HTML inbox; first and deep.

    The deep page starts after `deep_skip` matching rows (keyset: id below the cursor row's),
    or at 90% of the matches when there are fewer.
    """
    user = User.objects.get(pk=analyst.pk)
    wanted = selectors.SignalFilters(**filters)
    params = {
        **filters,
        "clearance": user.clearance,
        "user": user.pk,
        "view_signal": _permission_id("view_signal"),
        "view_situation": _permission_id("view_situation"),
    }
    raw = connection.connection

    def raw_page(before: int) -> list[int]:
        with raw.cursor() as cursor:
            cursor.execute(RAW_TRIAGE_SQL, {**params, "before": before})
            return [row[0] for row in cursor.fetchall()]

    def selector_page(before: int | None) -> list[int]:
        queryset = selectors.signal_table(user=user, filters=wanted)
        if before is not None:
            queryset = queryset.filter(pk__lt=before)
        return [signal.pk for signal in selectors.signal_rows(queryset[:PAGE])]

    visible = selectors.signal_list(user=user, filters=wanted)
    matches = visible.count()
    skip = min(deep_skip, int(matches * 0.9))
    cursor_row = visible.order_by("-pk").values_list("pk", flat=True)[skip : skip + 1]
    deep_cursor = cursor_row[0] if matches else UNBOUNDED

    notes = []
    if selector_page(None) != raw_page(UNBOUNDED) or selector_page(deep_cursor) != raw_page(
        deep_cursor
    ):
        notes.append("the selector and the raw query returned different rows")
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        selector_page(None)
    if explain:
        _explain(selectors.signal_list(user=user, filters=wanted)[:PAGE], "selector, first page")
        _explain(
            selectors.signal_list(user=user, filters=wanted).filter(pk__lt=deep_cursor)[:PAGE],
            "selector, deep page",
        )

    inbox_url = None
    try:
        inbox_url = reverse("cases:inbox")
    except NoReverseMatch:
        notes.append("no HTML inbox (cases:inbox) to measure")
    client = Client()
    client.force_login(user)
    inbox_query = {**filters}

    def inbox(after: int | None) -> None:
        query = {**inbox_query, **({"after": str(after)} if after else {})}
        response = client.get(inbox_url, query, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"the inbox answered {response.status_code}")

    samples: dict[str, list[float]] = {
        k: [] for k in ("sel", "raw", "sel_deep", "raw_deep", "inbox", "inbox_deep")
    }
    for round_number in range(repeats + 2):  # two warm-up rounds
        measured = {
            "sel": timed(lambda: selector_page(None))[0],
            "raw": timed(lambda: raw_page(UNBOUNDED))[0],
            "sel_deep": timed(lambda: selector_page(deep_cursor))[0],
            "raw_deep": timed(lambda: raw_page(deep_cursor))[0],
        }
        if inbox_url:
            measured["inbox"] = timed(lambda: inbox(None))[0]
            measured["inbox_deep"] = timed(lambda: inbox(deep_cursor))[0]
        if round_number >= 2:
            for key, value in measured.items():
                samples[key].append(value)

    figures: dict[str, Any] = {
        "triage_filters": filters,
        "triage_matching_rows": matches,
        "triage_deep_skip_rows": skip,
        "triage_repeats": repeats,
        "triage_selector_queries": len(statements),
        "triage_selector_ms": median_ms(samples["sel"]),
        "triage_raw_ms": median_ms(samples["raw"]),
        "triage_selector_deep_ms": median_ms(samples["sel_deep"]),
        "triage_raw_deep_ms": median_ms(samples["raw_deep"]),
    }
    figures["triage_selector_ratio_to_raw"] = ratio(
        figures["triage_selector_ms"], figures["triage_raw_ms"]
    )
    figures["triage_selector_deep_ratio_to_raw"] = ratio(
        figures["triage_selector_deep_ms"], figures["triage_raw_deep_ms"]
    )
    figures["triage_ratio_target_max"] = 3.0
    figures["triage_meets_target"] = (figures["triage_selector_ratio_to_raw"] or 0) <= 3.0
    figures["triage_deep_over_first"] = ratio(
        figures["triage_selector_deep_ms"], figures["triage_selector_ms"]
    )
    first, deep = figures["triage_selector_ms"], figures["triage_selector_deep_ms"]
    figures["triage_deep_target_max"] = 2.0
    figures["triage_deep_meets_target"] = max(first, deep) <= 2 * min(first, deep)
    if inbox_url:
        figures["triage_inbox_ms"] = median_ms(samples["inbox"])
        figures["triage_inbox_deep_ms"] = median_ms(samples["inbox_deep"])
        figures["triage_inbox_ratio_to_raw"] = ratio(
            figures["triage_inbox_ms"], figures["triage_raw_ms"]
        )
        figures["triage_inbox_deep_over_first"] = ratio(
            figures["triage_inbox_deep_ms"], figures["triage_inbox_ms"]
        )
    if notes:
        figures["triage_notes"] = notes
    return figures


def _explain(queryset, label: str) -> None:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    log(f"EXPLAIN ANALYZE, {label}:\n{plan}")


# --- The UCDP file ----------------------------------------------------------------------------

UCDP_FILE = Path("/work/shared/data/ucdp_ged_syria_2016_2019.csv")


def _first_rows(path: Path, rows: int, folder: Path) -> Path:
    """A copy of the file with its header and first `rows` records (for quick smoke runs)."""
    target = folder / path.name
    with (
        path.open(newline="", encoding="utf-8") as source,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        reader, writer = csv.reader(source), csv.writer(out)
        for number, record in enumerate(reader):
            if number > rows:
                break
            writer.writerow(record)
    return target


def ucdp_import(*, analyst: User, path: Path, rows: int | None) -> dict[str, Any]:
    """The UCDP GED file through import_job_create and import_job_run, end to end."""
    try:
        from cases.importers import import_job_create, import_job_run
    except ImportError:
        return {"ucdp_skipped": "cases.importers.import_job_create/import_job_run do not exist"}
    if not path.exists():
        return {"ucdp_skipped": f"{path} is absent"}
    from cases import services

    source = Source.objects.filter(
        source_type=SourceType.EVENT_DATASET, created_by=analyst
    ).first() or services.source_create(
        created_by=analyst,
        source_type=SourceType.EVENT_DATASET,
        reliability="B",
        classification=Classification.PUBLIC,
        name="Uppsala Conflict Data Program (benchmark)",
    )
    # A file imported before is recognised row by row and creates nothing; start afresh.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_signal WHERE origin = %s", [Origin.UCDP.value])
    with tempfile.TemporaryDirectory(prefix="r2p-bench-") as folder:
        given = _first_rows(path, rows, Path(folder)) if rows else path
        began = time.perf_counter()
        job = import_job_create(
            actor=analyst,
            file=given,
            format="ucdp",
            source=source,
            classification=Classification.PUBLIC,
            enqueue=False,
        )
        job = import_job_run(job.pk)
        seconds = time.perf_counter() - began
    figures: dict[str, Any] = {
        "ucdp_file": path.name,
        "ucdp_rows": job.rows_total,
        "ucdp_imported": job.rows_imported,
        "ucdp_failed": job.rows_failed,
        "ucdp_status": job.status,
        "ucdp_seconds": round(seconds, 2),
        "ucdp_rows_per_s": round((job.rows_total or 0) / seconds, 1),
    }
    if job.failure:
        figures["ucdp_failure"] = job.failure[:300]
    return figures


def seed_figures(report: Any) -> dict[str, Any]:
    data = asdict(report)
    return {
        "seed_signals_created": data["signals_created"],
        "seed_signals_already_present": data["signals_already_present"],
        "seed_seconds": round(data["seconds"], 2),
        "seed_rows_per_s": round(report.rows_per_second, 1),
    }


# --- The portfolio heat map -------------------------------------------------------------------

# The grid by hand: for each situation the reader may see (clearance; PUBLIC, or a grant to
# them or to one of their groups: cases.access.situations_visible) and each month's end, the
# overall level of the latest approved assessment they may see (clearance) approved by then.
# One index probe (assessments_approved_idx) per situation and month.
RAW_HEATMAP_SQL = """
WITH visible AS (
  SELECT s.id, s.reference, s.title
  FROM cases_situation s
  WHERE s.classification <= %(clearance)s
    AND (s.classification = 0 OR s.id IN (
      SELECT p.content_object_id FROM cases_situationuserobjectpermission p
      WHERE p.user_id = %(user)s AND p.permission_id = %(view_situation)s
      UNION ALL
      SELECT g.content_object_id FROM cases_situationgroupobjectpermission g
      JOIN r2p_user_groups ug ON ug.group_id = g.group_id
      WHERE ug.user_id = %(user)s AND g.permission_id = %(view_situation)s
    ))
),
bounds AS (
  -- the first moment after each month's end: the first day of the next month, at midnight
  SELECT n, (%(first)s::date + make_interval(months => n))::timestamp AT TIME ZONE %(zone)s
    AS bound
  FROM generate_series(1, %(months)s) AS n
)
SELECT v.id, v.reference, v.title, array_agg(latest.level ORDER BY b.n)
FROM visible v
CROSS JOIN bounds b
LEFT JOIN LATERAL (
  SELECT a.overall_level AS level
  FROM assessments_assessment a
  WHERE a.situation_id = v.id AND a.status = 'approved'
    AND a.classification <= %(clearance)s AND a.approved_at < b.bound
  ORDER BY a.approved_at DESC, a.id DESC
  LIMIT 1
) latest ON TRUE
GROUP BY v.id, v.reference, v.title
ORDER BY v.title, v.id
"""


def heatmap(*, viewer: User, repeats: int, months: int = 12, explain: bool = False) -> dict:
    """The portfolio heat map (situations by month): selectors.portfolio_heatmap against the
    hand-written SQL of the same grid, interleaved, after two warm-up rounds; and the time to
    draw the grid as SVG (assessments.charts.heatmap_svg)."""
    from django.conf import settings

    from assessments import selectors as assessment_selectors
    from assessments.charts import heatmap_svg

    user = User.objects.get(pk=viewer.pk)
    today = timezone.localdate()
    first = assessment_selectors.month_starts(months=months, until=today)[0]
    params = {
        "clearance": user.clearance,
        "user": user.pk,
        "view_situation": _permission_id("view_situation"),
        "first": first,
        "months": months,
        "zone": settings.TIME_ZONE,
    }
    raw = connection.connection

    def raw_grid() -> list[tuple]:
        with raw.cursor() as cursor:
            cursor.execute(RAW_HEATMAP_SQL, params)
            return cursor.fetchall()

    def selector_grid():
        return assessment_selectors.portfolio_heatmap(user=user, months=months, until=today)

    grid = selector_grid()
    rows = raw_grid()
    notes = []
    if [(r.situation_id, r.reference, r.title, r.cells) for r in grid.rows] != [
        (pk, reference, title, list(cells)) for pk, reference, title, cells in rows
    ]:
        notes.append("the selector and the raw query returned different grids")
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        selector_grid()
    if explain:
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + RAW_HEATMAP_SQL, params)
            log("EXPLAIN ANALYZE, raw heat map:\n" + "\n".join(r[0] for r in cursor.fetchall()))

    def draw() -> None:
        heatmap_svg(grid, title="Portfolio", url_for=lambda pk: f"/situations/{pk}/")

    samples: dict[str, list[float]] = {"sel": [], "raw": [], "svg": []}
    for round_number in range(repeats + 2):  # two warm-up rounds
        measured = {
            "sel": timed(selector_grid)[0],
            "raw": timed(raw_grid)[0],
            "svg": timed(draw)[0],
        }
        if round_number >= 2:
            for key, value in measured.items():
                samples[key].append(value)
    cells = [cell for row in grid.rows for cell in row.cells]
    figures: dict[str, Any] = {
        "heatmap_rows": len(grid.rows),
        "heatmap_months": months,
        "heatmap_cells_with_a_level": sum(cell is not None for cell in cells),
        "heatmap_repeats": repeats,
        "heatmap_selector_queries": len(statements),
        "heatmap_selector_ms": median_ms(samples["sel"]),
        "heatmap_raw_ms": median_ms(samples["raw"]),
        "heatmap_svg_ms": median_ms(samples["svg"]),
    }
    figures["heatmap_ratio_to_raw"] = ratio(
        figures["heatmap_selector_ms"], figures["heatmap_raw_ms"]
    )
    figures["heatmap_ratio_target_max"] = 3.0
    figures["heatmap_meets_target"] = (figures["heatmap_ratio_to_raw"] or 0) <= 3.0
    if notes:
        figures["heatmap_notes"] = notes
    return figures
