"""`make bench` in miniature: the real entry point, a tiny table, one line of JSON out.

No timing is asserted: the figures depend on the machine. What must hold is the shape of the
output, that every measured path ran, and that the benchmark's database is its own and gone
afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SLOT = os.environ.get("R2P_TEST_SLOT", "0")
DATABASE = f"r2p_bench_smoke_{SLOT}"

EXPECTED = {
    "bench",
    "mode",
    "database",
    "signals",
    "seed_signals_created",
    "seed_rows_per_s",
    "triage_matching_rows",
    "triage_selector_queries",
    "triage_selector_ms",
    "triage_raw_ms",
    "triage_selector_ratio_to_raw",
    "triage_selector_deep_ms",
    "triage_raw_deep_ms",
    "triage_deep_over_first",
    "triage_meets_target",
    "triage_deep_meets_target",
    "bulk_rows",
    "bulk_api_rows_per_s",
    "bulk_raw_execute_values_rows_per_s",
    "bulk_api_ratio_to_raw",
    "bulk_api_meets_target",
    "heatmap_portfolio_situations",
    "heatmap_assessments_per_situation",
    "heatmap_seed_situations_created",
    "heatmap_seed_assessments_created",
    "heatmap_seed_seconds",
    "heatmap_rows",
    "heatmap_months",
    "heatmap_cells_with_a_level",
    "heatmap_selector_queries",
    "heatmap_selector_ms",
    "heatmap_raw_ms",
    "heatmap_svg_ms",
    "heatmap_ratio_to_raw",
    "heatmap_ratio_target_max",
    "heatmap_meets_target",
}

# The annual report (bench/reports.py): what was seeded, the check against the hand-written SQL,
# the two timings and their ratio, and the peak memory of a year and of a month.
REPORT_EXPECTED = {
    "report_seed_situations",
    "report_seed_escalations",
    "report_seed_transitions",
    "report_seed_decisions",
    "report_seed_referrals",
    "report_seed_referral_updates",
    "report_seed_options",
    "report_seed_inaction_alerts",
    "report_rows_escalation",
    "report_rows_referral",
    "report_period_start",
    "report_period_end",
    "report_cells",
    "report_cells_compared",
    "report_cells_compared_share",
    "report_figures_agree",
    "report_seconds",
    "report_sql_seconds",
    "report_ratio",
    "report_ratio_target_max",
    "report_meets_target",
    "report_peak_mib",
    "report_peak_month_mib",
    "report_memory_growth",
    "report_steps_ms",
}


def _database_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.mark.django_db
def test_a_quick_bench_prints_one_json_line_of_figures_in_its_own_database():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "r2p.settings"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--quick",
            "--signals",
            "300",
            "--database",
            DATABASE,
            "--ucdp-rows",
            "25",
            "--drop",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, run.stdout
    figures = json.loads(lines[0])

    assert set(figures) >= EXPECTED, EXPECTED - set(figures)
    assert figures["mode"] == "quick" and figures["database"] == DATABASE
    assert figures["signals"] == figures["seed_signals_created"] == 300
    assert figures["bulk_rows"] == 3000
    for key in ("bulk_api_rows_per_s", "bulk_raw_execute_values_rows_per_s", "triage_raw_ms"):
        assert figures[key] > 0, key
    assert figures["triage_selector_ms"] > 0 and figures["triage_selector_queries"] >= 1
    assert "triage_notes" not in figures, figures["triage_notes"]
    # The UCDP figure is there, or says why it is not.
    assert "ucdp_rows_per_s" in figures or "ucdp_skipped" in figures
    if "ucdp_rows_per_s" in figures:
        assert figures["ucdp_rows"] == 25 and figures["ucdp_status"] == "done"
    # The quick portfolio: 100 situations with 10 approved versions each, all in the grid
    # (with the PUBLIC synthetic situations, which every analyst sees), read in two queries,
    # and the same grid as the hand-written SQL's.
    assert figures["heatmap_portfolio_situations"] == figures["heatmap_seed_situations_created"]
    assert figures["heatmap_portfolio_situations"] == 100
    assert figures["heatmap_seed_assessments_created"] == 1000
    assert figures["heatmap_rows"] >= 100 and figures["heatmap_months"] == 12
    assert figures["heatmap_cells_with_a_level"] > 0
    assert figures["heatmap_selector_queries"] == 2
    assert figures["heatmap_selector_ms"] > 0 and figures["heatmap_raw_ms"] > 0
    assert figures["heatmap_ratio_target_max"] == 3.0
    assert "heatmap_notes" not in figures, figures["heatmap_notes"]
    # The annual report: every situation of the run (10 synthetic, 100 of the portfolio) with
    # what a report counts, and the report's figures checked equal to the hand-written SQL's
    # (the bench stops otherwise) before both were timed.
    assert set(figures) >= REPORT_EXPECTED, REPORT_EXPECTED - set(figures)
    assert figures["report_seed_situations"] == 110
    for key in (
        "report_seed_escalations",
        "report_seed_transitions",
        "report_seed_decisions",
        "report_seed_referrals",
        "report_seed_referral_updates",
        "report_seed_options",
        "report_seed_inaction_alerts",
    ):
        assert figures[key] > 0, key
    assert figures["report_seed_transitions"] > figures["report_seed_escalations"]
    assert figures["report_figures_agree"] is True
    assert figures["report_cells"] > 200
    assert figures["report_cells_compared"] >= 0.8 * figures["report_cells"]
    assert figures["report_seconds"] > 0 and figures["report_sql_seconds"] > 0
    # The ratio is taken before the two times are rounded to the millisecond, so it lies
    # within what their rounding allows (a quick run's times are a few milliseconds).
    report, sql, half = figures["report_seconds"], figures["report_sql_seconds"], 0.0005
    assert (
        (report - half) / (sql + half) <= figures["report_ratio"] <= (report + half) / (sql - half)
    )
    assert figures["report_ratio_target_max"] == 2.0
    assert figures["report_peak_mib"] > 0 and figures["report_peak_month_mib"] > 0
    assert len(figures["report_steps_ms"]) >= 9
    assert not _database_exists(DATABASE)


def _bench(*args: str) -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "r2p.settings"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


@pytest.mark.django_db
def test_a_reused_bench_database_keeps_its_portfolio_and_seeds_nothing_twice():
    database = f"r2p_bench_portfolio_{SLOT}"
    common = ["--quick", "--signals", "200", "--database", database, "--portfolio", "20"]
    try:
        first = _bench(*common, "--only", "heatmap")
        again = _bench(*common, "--only", "heatmap", "--reuse", "--drop")
    finally:
        if _database_exists(database):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
    assert first["heatmap_seed_situations_created"] == 20
    assert first["heatmap_seed_assessments_created"] == 200
    assert first["heatmap_seed_judgments_created"] == 200 * 14
    assert again["heatmap_seed_situations_created"] == 0
    assert again["heatmap_seed_assessments_created"] == 0
    assert again["heatmap_rows"] == first["heatmap_rows"]
    assert again["heatmap_cells_with_a_level"] == first["heatmap_cells_with_a_level"]
    # Only what was asked for was measured.
    assert "triage_selector_ms" not in again and "bulk_rows" not in again
    assert "heatmap_notes" not in first and "heatmap_notes" not in again


def test_an_unknown_measurement_is_refused_before_anything_is_touched():
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--only", "triage,heatmaps"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "r2p.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert "unknown measurement heatmaps" in run.stderr


def test_the_bench_refuses_a_database_that_is_not_a_bench_database():
    run = subprocess.run(
        # A name that exists nowhere: were the guard broken, nothing of value could be lost.
        [sys.executable, "-m", "bench.run", "--quick", "--database", f"r2p_scratch_{SLOT}"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "r2p.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "must contain 'bench'" in run.stderr
    assert run.stdout == ""


@pytest.mark.django_db
def test_a_reused_bench_database_seeds_the_reports_records_once():
    database = f"r2p_bench_reports_{SLOT}"
    common = ["--quick", "--signals", "200", "--database", database, "--portfolio", "20"]
    try:
        first = _bench(*common, "--only", "reports")
        again = _bench(*common, "--only", "reports", "--reuse", "--drop")
    finally:
        if _database_exists(database):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
    # 10 synthetic situations and the 20 of the portfolio, each with its records, once.
    assert first["report_seed_situations"] == 30
    assert first["report_rows_escalation"] == first["report_seed_escalations"] > 30
    assert first["report_rows_referral"] == first["report_seed_referrals"] > 0
    assert again["report_seed_situations"] == again["report_seed_escalations"] == 0
    assert again["report_seed_referrals"] == again["report_seed_options"] == 0
    for key in first:
        if key.startswith("report_rows_"):
            assert again[key] == first[key], key
    # The same data, the same report; checked against the hand-written SQL both times.
    assert first["report_figures_agree"] is True and again["report_figures_agree"] is True
    assert again["report_cells_compared"] == first["report_cells_compared"]
    assert "triage_selector_ms" not in again and "heatmap_rows" not in again


@pytest.mark.django_db
def test_the_reports_check_names_every_figure_the_sql_counts_differently():
    from datetime import date

    from bench.reports import figures_check, report_periods, script_params, script_run
    from r2p.models import Classification
    from reports.figures import figures_compute

    year, _ = report_periods(date(2026, 3, 14))
    audience = Classification.STRICTLY_CONFIDENTIAL.value
    report = figures_compute(period=year, audience=audience)
    raw = script_run(script_params(year, audience))
    agreed = figures_check(report, raw)
    assert agreed.differences == [] and agreed.compared == agreed.cells > 200

    # One more escalation endorsed this period, and a body nobody routed to.
    raw["escalations"][("endorsed", "c")] = (1, None, None)
    raw["referrals_by_body"][("regional:AU", "p")] = (4, None, None)
    differences = figures_check(report, raw).differences
    endorsed = [d for d in differences if d.startswith("escalations / ")]
    assert len(endorsed) == 1 and endorsed[0].endswith(" / c: 0 != 1"), differences
    assert any("a row 'Regional arrangement: AU' the report lacks" in d for d in differences)
    assert "referrals_by_body / Total / p: 0 != 4" in differences
    assert len(differences) == 3, differences
