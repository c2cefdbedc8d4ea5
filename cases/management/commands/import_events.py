"""Import an ACLED or UCDP GED file now, in this process, through the same services as the browser.

    python manage.py import_events FILE --format acled|ucdp --source SRC-4K7Q \
        [--classification PUBLIC] [--username U] [--errors-csv PATH]
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.urls import reverse

from cases.importers import (
    FORMATS,
    IMPORT_MAX_BYTES,
    import_job_create,
    import_job_errors_csv,
    import_job_run,
)
from cases.models import ImportJob
from r2p.errors import ApplicationValidationError
from r2p.models import Classification, User


class Command(BaseCommand):
    help = (
        "Import an ACLED export or a UCDP GED CSV file as signals (UTF-8, at most "
        f"{IMPORT_MAX_BYTES // (1024 * 1024)} MiB). Rows already imported are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the CSV file")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--source", required=True, help="the source's pseudonym, e.g. SRC-4K7Q")
        parser.add_argument(
            "--classification",
            default="PUBLIC",
            help="level the signals are filed at: " + ", ".join(c.name for c in Classification),
        )
        parser.add_argument(
            "--username",
            help="who imports (needs the right to import event files); may be left out when "
            "exactly one account has that right",
        )
        parser.add_argument("--errors-csv", help="write the per-row error report to this path")

    def _actor(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"no active account is called {username!r}")
            return user
        importers = list(
            User.objects.filter(is_active=True)
            .filter(
                Q(is_superuser=True)
                | Q(
                    groups__permissions__codename="add_importjob",
                    groups__permissions__content_type__app_label="cases",
                )
                | Q(
                    user_permissions__codename="add_importjob",
                    user_permissions__content_type__app_label="cases",
                )
            )
            .distinct()[:2]
        )
        if len(importers) != 1:
            raise CommandError("name the account that imports with --username")
        return importers[0]

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        actor = self._actor(options["username"])
        try:
            job = import_job_create(
                actor=actor,
                file=path,
                format=options["format"],
                source=options["source"],
                classification=options["classification"],
                enqueue=False,
            )
        except ApplicationValidationError as exc:
            lines = [f"{name}: {m}" for name, messages in exc.fields.items() for m in messages]
            raise CommandError("nothing was imported:\n  " + "\n  ".join(lines)) from None
        self.stdout.write(
            f"Import job {job.pk}: {job.rows_total:,} rows of {job.get_format_display()} "
            f"from {job.source.pseudonym}, filed as {Classification(job.classification).label}."
        )
        started = time.monotonic()

        def progress(current: ImportJob) -> None:
            self.stdout.write(
                f"  {current.rows_done:,} of {current.rows_total:,} rows: "
                f"{current.rows_imported:,} imported, {current.rows_already_present:,} already "
                f"present, {current.rows_failed:,} with errors"
            )

        job = import_job_run(job.pk, progress=progress)
        elapsed = time.monotonic() - started
        if job.status != ImportJob.Status.DONE:
            raise CommandError(f"import job {job.pk} failed: {job.failure}")
        rate = job.rows_done / elapsed if elapsed else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {elapsed:.1f} s ({rate:,.0f} rows/s): {job.rows_imported:,} imported, "
                f"{job.rows_already_present:,} already present, {job.rows_failed:,} rows with "
                "errors."
            )
        )
        if not job.rows_failed:
            return
        if options["errors_csv"]:
            target = Path(options["errors_csv"])
            with target.open("w", encoding="utf-8", newline="") as out:
                for line in import_job_errors_csv(job):
                    out.write(line)
            self.stdout.write(f"The row errors are in {target}.")
        else:
            url = reverse("cases:import-errors-csv", args=[job.pk])
            self.stdout.write(
                f"{job.row_errors.count():,} problems in {job.rows_failed:,} rows: rerun with "
                f"--errors-csv PATH to write them, or download {url} in the browser."
            )
