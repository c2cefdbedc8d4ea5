"""Thin Celery tasks: the work is in assessments.services."""

from __future__ import annotations

from celery import shared_task

from assessments import services


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def trigger_reminders_task() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): remind each team of its triggers now within reach."""
    return services.trigger_reminders_send()
