"""Benchmark the intake and print ONE line of JSON with the figures and their ratios.

    python -m bench.run [--signals N] [--quick] [--reuse] [--database NAME] [--explain]
                        [--portfolio N] [--only triage,bulk,ucdp,heatmap,reports]

Works in its own database (r2p_bench by default) on the server of DATABASE_URL, or on the
embedded PostgreSQL when DATABASE_URL is unset: it is dropped, created, migrated and seeded with
N synthetic signals, unless --reuse finds it already there (then only the missing signals are
seeded). The application's database is never touched. Progress goes to stderr; stdout gets the
JSON line only.

Figures, each against a baseline measured in the same run:
- bulk_*: signals per second through POST /api/v1/signals/bulk/ (batches of 1,000, as an
  analyst with an API token), and the same rows through psycopg2 execute_values;
- triage_*: median time of the 50-row triage page (status new, the busiest country, one
  category) through selectors.signal_list, the HTML inbox and the hand-written SQL, on the
  first page and on a page deep in the keyset cursor;
- ucdp_*: the UCDP GED file imported end to end (import_job_create + import_job_run);
- heatmap_*: median time of the portfolio heat map (selectors.portfolio_heatmap, 12 months)
  for a senior analyst who sees a portfolio of N situations with 10 approved assessments each
  (seeded once, bench/portfolio.py), against the hand-written SQL of the same grid; and the time
  to draw it as SVG.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

QUICK_SIGNALS = 20_000
FULL_SIGNALS = 1_000_000
QUICK_PORTFOLIO = 100
FULL_PORTFOLIO = 1_000
MEASUREMENTS = ("triage", "bulk", "ucdp", "heatmap", "reports")
SEED = 1
TRIAGE_FILTERS = {"status": "new", "country": "SDN", "category": "violence_against_civilians"}
PEOPLE = (
    # username, role, clearance: the analysts whose teams the seeding fills
    ("bench-amina", "analyst", "CONFIDENTIAL"),
    ("bench-bruno", "senior-analyst", "STRICTLY_CONFIDENTIAL"),
    ("bench-carla", "analyst", "CONFIDENTIAL"),
    ("bench-dmitri", "analyst", "CONFIDENTIAL"),
)
# The head of the desk who reads the whole portfolio heat map. Created after the synthetic
# signals, so that seed_synthetic never puts her on the teams of its situations: what she sees
# is the portfolio (through her group's grant) and the PUBLIC situations, nothing else.
PORTFOLIO_VIEWER = ("bench-hana", "senior-analyst", "STRICTLY_CONFIDENTIAL")
# Who endorses the report benchmark's escalations and who decides them at the desk; created
# after the synthetic signals too, so never on a situation's team.
REPORT_PEOPLE = (
    ("bench-samir", "special-adviser", "STRICTLY_CONFIDENTIAL"),
    ("bench-dara", "sg-office", "STRICTLY_CONFIDENTIAL"),
)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--signals",
        type=int,
        default=None,
        metavar="N",
        help=f"signals in the table (default {FULL_SIGNALS:,}; {QUICK_SIGNALS:,} with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="a small, fast run")
    parser.add_argument(
        "--database", default=None, help="the benchmark database (default: <app database>_bench)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the benchmark database if it exists (seeding only what is missing)",
    )
    parser.add_argument("--drop", action="store_true", help="drop the benchmark database when done")
    parser.add_argument(
        "--ucdp-rows",
        type=int,
        default=None,
        metavar="K",
        help="import only the first K rows of the UCDP file (default: all)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of the triage page and the heat map",
    )
    parser.add_argument(
        "--portfolio",
        type=int,
        default=None,
        metavar="N",
        help=(
            f"situations in the heat map's portfolio, 10 approved assessments each "
            f"(default {FULL_PORTFOLIO:,}; {QUICK_PORTFOLIO:,} with --quick)"
        ),
    )
    parser.add_argument(
        "--only",
        default=",".join(MEASUREMENTS),
        metavar="LIST",
        help=f"the measurements to run, comma-separated (default: all of {','.join(MEASUREMENTS)})",
    )
    args = parser.parse_args(argv)
    if args.signals is None:
        args.signals = QUICK_SIGNALS if args.quick else FULL_SIGNALS
    if args.signals < 100:
        parser.error("--signals must be at least 100")
    if args.portfolio is None:
        args.portfolio = QUICK_PORTFOLIO if args.quick else FULL_PORTFOLIO
    if not 1 <= args.portfolio <= 99_999:
        parser.error("--portfolio must be between 1 and 99,999")
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(MEASUREMENTS))
    if unknown or not only:
        parser.error(
            f"--only: unknown measurement {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(MEASUREMENTS)}"
        )
    args.only = set(only)
    return args


def _django(database: str | None) -> tuple[dict[str, Any], str]:
    """Load the settings, point them at the benchmark database, and set Django up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "r2p.settings")
    from django.conf import settings
    from django.db.backends.postgresql.base import DatabaseWrapper

    app_settings = {"OPTIONS": {}, **settings.DATABASES["default"]}
    maintenance = DatabaseWrapper(app_settings).get_connection_params()
    name = database or f"{app_settings['NAME']}_bench"
    settings.DATABASES["default"]["NAME"] = name
    # A benchmark records no queries, and its in-process test client talks as "testserver".
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.CACHES["default"]["KEY_PREFIX"] = "r2p-bench"
    # Static files are not collected for a benchmark; the manifest storage would refuse.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return maintenance, name


def _people(people_list: tuple[tuple[str, str, str], ...] = PEOPLE) -> dict[str, Any]:
    from r2p import services
    from r2p.models import User

    people = {}
    for username, role, clearance in people_list:
        user = User.objects.filter(username=username).first() or services.user_create(
            username=username,
            password=f"bench {username} {time.time_ns()} passphrase",
            role=role,
            clearance=clearance,
        )
        people[username] = user
    return people


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    from bench.console import log
    from bench.database import (
        BenchDatabaseError,
        bench_database_drop,
        bench_database_prepare,
    )

    try:
        maintenance, name = _django(args.database)
        created = bench_database_prepare(params=maintenance, name=name, reuse=args.reuse)
    except BenchDatabaseError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    media = tempfile.mkdtemp(prefix="r2p-bench-media-")
    try:
        return _run(args, name, created, media)
    finally:
        shutil.rmtree(media, ignore_errors=True)
        if args.drop:
            from django.db import connections

            connections.close_all()
            bench_database_drop(params=maintenance, name=name)
            log(f"dropped database {name}")


def _run(args: argparse.Namespace, name: str, created: bool, media: str) -> int:
    import django
    from django.conf import settings

    # Import jobs keep their files under MEDIA_ROOT: keep the benchmark's out of the real one.
    settings.MEDIA_ROOT = Path(media)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import measure
    from bench.console import log
    from cases.management.commands.seed_synthetic import synthetic_seed, tables_analyse
    from cases.models import Signal, Source
    from r2p import services

    log(f"database {name} ({'created' if created else 'reused'}); migrating")
    call_command("migrate", verbosity=0, interactive=False)
    people = _people()
    analyst = people["bench-amina"]
    situations = min(200, max(10, args.signals // 25_000))
    sources = min(500, max(20, args.signals // 10_000))
    log(f"seeding {args.signals:,} signals ({sources} sources, {situations} situations)")
    report = synthetic_seed(
        signals=args.signals,
        situations=situations,
        sources=sources,
        seed=SEED,
        actor=analyst,
        progress=log,
    )
    log("VACUUM ANALYZE")
    tables_analyse()
    figures: dict[str, Any] = {
        "bench": "r2p intake",
        "mode": "quick" if args.quick else "full",
        "database": name,
        "signals": Signal.objects.count(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": connection.cursor().connection.server_version,
        **measure.seed_figures(report),
    }
    repeats = 7 if args.quick else 21

    if "triage" in args.only:
        log("triage list")
        figures.update(
            measure.triage(
                analyst=analyst,
                filters=TRIAGE_FILTERS,
                repeats=repeats,
                deep_skip=100_000,
                explain=args.explain,
            )
        )

    if "bulk" in args.only:
        log("bulk ingest")
        _, token = services.token_create(user=analyst, expires_days=1)
        source = Source.objects.filter(pseudonym__startswith="SRC-Y").order_by("pk").first()
        figures.update(
            measure.bulk_ingest(
                analyst=analyst, token=token, source=source, batches=3 if args.quick else 20
            )
        )

    if "ucdp" in args.only:
        log("UCDP import")
        figures.update(
            measure.ucdp_import(analyst=analyst, path=measure.UCDP_FILE, rows=args.ucdp_rows)
        )

    if "heatmap" in args.only:
        from bench.portfolio import VERSIONS, portfolio_seed

        viewer = _people((PORTFOLIO_VIEWER,))[PORTFOLIO_VIEWER[0]]
        log(f"portfolio: {args.portfolio:,} situations, {VERSIONS} approved assessments each")
        seeded = portfolio_seed(
            situations=args.portfolio,
            seed=SEED,
            # Not Amina, whose grants the triage measures: Dmitri leads the portfolio.
            analyst=people["bench-dmitri"],
            senior=people["bench-bruno"],
            viewer=viewer,
            progress=log,
        )
        figures.update(
            {
                "heatmap_portfolio_situations": seeded.situations,
                "heatmap_assessments_per_situation": VERSIONS,
                "heatmap_seed_situations_created": seeded.situations_created,
                "heatmap_seed_assessments_created": seeded.assessments_created,
                "heatmap_seed_judgments_created": seeded.judgments_created,
                "heatmap_seed_seconds": round(seeded.seconds, 2),
            }
        )
        log("portfolio heat map")
        figures.update(measure.heatmap(viewer=viewer, repeats=repeats, explain=args.explain))

    if "reports" in args.only:
        from bench.portfolio import portfolio_seed
        from bench.reports import (
            COMPARED_MINIMUM,
            COMPARED_MINIMUM_QUICK,
            ReportFiguresDisagree,
            reports_measure,
            reports_rows,
            reports_seed,
        )
        from bench.reports import seed_figures as report_seed_figures

        viewer = _people((PORTFOLIO_VIEWER,))[PORTFOLIO_VIEWER[0]]
        adviser, desk = _people(REPORT_PEOPLE).values()
        # The report's situations: the synthetic ones and the portfolio's (seeded as for the
        # heat map, and only once).
        portfolio_seed(
            situations=args.portfolio,
            seed=SEED,
            analyst=people["bench-dmitri"],
            senior=people["bench-bruno"],
            viewer=viewer,
            progress=log,
        )
        seeded = reports_seed(
            analyst=people["bench-carla"],
            analyst2=people["bench-amina"],
            senior=people["bench-bruno"],
            adviser=adviser,
            desk=desk,
            progress=log,
        )
        figures.update(report_seed_figures(seeded, reports_rows()))
        log("annual report")
        try:
            figures.update(
                reports_measure(
                    repeats=2 if args.quick else 3,
                    minimum_share=COMPARED_MINIMUM_QUICK if args.quick else COMPARED_MINIMUM,
                    explain=args.explain,
                )
            )
        except ReportFiguresDisagree as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 3
    print(json.dumps(figures, separators=(",", ":"), default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
