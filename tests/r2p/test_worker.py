"""A real `celery worker` process over Redis, on the test database."""

import pytest
from django.urls import reverse

from r2p.models import AuditEvent
from r2p.tasks import audit_chain_verify_task

pytestmark = pytest.mark.worker


def test_a_task_runs_in_a_real_worker_and_its_result_is_read_back(celery_worker, analyst):
    from r2p import services

    services.audit_record(action="test.thing", actor=analyst)
    result = audit_chain_verify_task.delay()
    outcome = result.get(timeout=60)
    assert outcome["intact"] is True and outcome["rows_checked"] >= 1
    # The worker wrote its verdict into the same database the test reads.
    assert AuditEvent.objects.filter(action="audit.verify").exists()


def test_readyz_is_ready_with_a_worker_and_503_naming_the_worker_without_one(celery_worker, client):
    ready = client.get(reverse("readyz"))
    assert ready.status_code == 200, ready.json()
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "ok"}
    celery_worker.stop()
    down = client.get(reverse("readyz"))
    assert down.status_code == 503
    body = down.json()
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"] == "ok"
    assert body["checks"]["worker"].startswith("no worker answered")


def test_healthz_answers_without_any_service(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_the_daily_audit_check_is_scheduled_for_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-chain-verify-daily"]
    assert entry["task"] == audit_chain_verify_task.name
