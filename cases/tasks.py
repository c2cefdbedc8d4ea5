"""Background work of the intake. Tasks are thin: an id in, a service called."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from cases.importers import import_job_run, import_jobs_requeue_stalled


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
)
def import_events_task(job_id: int) -> dict:
    """Import an event file. Safe to run twice: a done job is left alone, a half-done one goes on
    after its last committed batch, and rows already filed are recognised and skipped."""
    job = import_job_run(job_id)
    return {
        "job": job.pk,
        "status": job.status,
        "rows_imported": job.rows_imported,
        "rows_already_present": job.rows_already_present,
        "rows_failed": job.rows_failed,
    }


@shared_task(acks_late=True)
def import_jobs_requeue_task() -> list[int]:
    """Beat, every few minutes: give stalled or never-started imports to a worker again."""
    return import_jobs_requeue_stalled()


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3)
def escalation_reminders_task() -> int:
    """Beat, daily: remind the people each overdue escalation waits on."""
    from cases.escalations import escalation_reminders_send

    return escalation_reminders_send()


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3)
def inaction_alerts_task() -> int:
    """Beat, daily: raise inaction alerts (high risk, no response adopted in time)."""
    from cases.timeline import inaction_alerts_raise

    return inaction_alerts_raise()


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3)
def referral_reminders_task() -> int:
    """Beat, daily: remind the SG Office and the lead analyst of each overdue referral follow-up,
    once per follow-up date."""
    from cases.decisions import referral_reminders_send

    return referral_reminders_send()
