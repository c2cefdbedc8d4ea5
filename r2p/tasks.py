"""Background work of the shared core. Tasks are thin: they call a service and report."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from r2p import services


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
)
def audit_chain_verify_task() -> dict:
    """Walk the audit chain; the outcome is itself an audit row auditors see on their page."""
    report = services.audit_chain_check()
    return {
        "intact": report.intact,
        "rows_checked": report.rows_checked,
        "first_broken_id": report.first_broken_id,
        "problem": report.problem,
    }
