"""Walk the audit hash chain and name the first broken row (exit status 1 if there is one)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from r2p import services


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain."

    def handle(self, *args, **options) -> None:
        report = services.audit_chain_check()
        if not report.intact:
            raise CommandError(
                f"audit chain broken at row {report.first_broken_id}: {report.problem} "
                f"({report.rows_checked} rows read)"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.rows_checked} rows"))
