"""Background work of the reports. Thin: an id in, a service called."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError

from reports.services import (
    report_compile,
    report_compiles_requeue_stalled,
    report_fail,
    scheduled_report_request,
)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def compile_report_task(self, report_id: int) -> dict:
    """Compile a report's figures. Acknowledged only when done, so a worker killed half-way
    leaves the message to be delivered again; running twice does no harm (report_compile).
    A lost database connection is retried; any other failure is recorded on the report, with
    its reason, for a person to retry."""
    try:
        report = report_compile(report_id=report_id)
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
        report_fail(report_id=report_id, reason=f"The database could not be reached: {exc}")
        raise
    except SoftTimeLimitExceeded:
        minutes = settings.CELERY_TASK_TIME_LIMIT // 60
        report_fail(
            report_id=report_id,
            reason=f"The compilation took longer than the {minutes}-minute limit.",
        )
        raise
    except Exception as exc:
        report_fail(report_id=report_id, reason=f"{type(exc).__name__}: {exc}")
        raise
    return {"report": report_id, "status": report.status if report else None}


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3)
def scheduled_report_task(kind: str, audience: str = "PUBLIC") -> dict:
    """Beat (reports.schedules): the draft report of the quarter or year just ended."""
    report = scheduled_report_request(kind=kind, audience=audience)
    return {"report": report.pk, "status": report.status}


@shared_task(acks_late=True)
def report_compiles_requeue_task() -> list[int]:
    """Beat, every few minutes: compilations no worker has started are queued again."""
    return report_compiles_requeue_stalled()
