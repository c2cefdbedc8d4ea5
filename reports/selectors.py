"""Reads of reports, for the pages and the API alike."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from cases.importers import duration_text
from r2p.models import User
from reports.access import reports_visible
from reports.models import Report, ReportStatus

# What a list shows; the heavy columns (figures, files) stay in the database.
LIST_FIELDS = (
    "id",
    "kind",
    "period_start",
    "period_end",
    "audience",
    "version",
    "status",
    "status_since",
    "progress_done",
    "progress_total",
    "progress_step",
    "failure",
    "published_at",
    "content_hash",
    "supersedes_id",
    "correction_reason",
    "superseded_at",
    "requested_at",
    "compiled_at",
    "started_at",
    "attempts",
    "revision",
)


def report_list(*, user: User) -> QuerySet[Report]:
    """The reports this user may read, newest period first, without their heavy columns."""
    return (
        reports_visible(user)
        .select_related("superseded_by")
        .only(*LIST_FIELDS, "superseded_by__id")
        .order_by("-period_end", "-period_start", "audience", "-version")
    )


def report_progress(report: Report) -> dict[str, Any]:
    """Where a compilation stands: steps done of all, the step, the time it has taken."""
    compiling = report.status == ReportStatus.COMPILING
    elapsed = None
    if report.started_at:
        until = timezone.now() if compiling else (report.compiled_at or report.status_since)
        elapsed = max((until - report.started_at).total_seconds(), 0)
    total = report.progress_total or 0
    return {
        "id": report.pk,
        "status": report.status,
        "status_label": report.get_status_display(),
        "steps_done": report.progress_done,
        "steps_total": total,
        "step": report.progress_step,
        "percent": round(100 * report.progress_done / total) if total else 0,
        "attempts": report.attempts,
        "elapsed_seconds": None if elapsed is None else round(elapsed, 1),
        "elapsed_text": duration_text(elapsed),
        "failure": report.failure,
        "finished": not compiling,
    }
