"""Named people, a real Celery worker, and the one concession the append-only audit table needs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase

from r2p.models import Classification
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

# --- The audit table refuses TRUNCATE, and Django empties tables between transactional tests
# with TRUNCATE. Only in tests, and only for that flush, the trigger is switched off.
_original_fixture_teardown = TransactionTestCase._fixture_teardown


def _fixture_teardown_allowing_audit_flush(self):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE r2p_auditevent DISABLE TRIGGER r2p_auditevent_no_truncate")
    try:
        _original_fixture_teardown(self)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE r2p_auditevent ENABLE TRIGGER r2p_auditevent_no_truncate")


TransactionTestCase._fixture_teardown = _fixture_teardown_allowing_audit_flush


# --- The flush also empties the tables that data migrations fill (the Framework catalogue, the
# response instruments). Django re-creates permissions and our roles after a flush (post_migrate)
# but not migration data, so the next test would find no catalogue. Load it again the way the
# migrations do.
_DATA_MIGRATIONS = (
    ("assessments.Catalogue", "assessments.migrations.0002_framework_2014"),
    ("assessments.Instrument", "assessments.migrations.0003_instruments"),
    ("cases.RegionalArrangement", "cases.migrations.0004_regional_arrangements"),
    ("django_celery_beat.PeriodicTask", "reports.migrations.0002_frozen_reports_and_schedules"),
)
_teardown_with_audit = TransactionTestCase._fixture_teardown


def _fixture_teardown_restoring_migration_data(self):
    _teardown_with_audit(self)
    import importlib

    from django.apps import apps

    for label, module in _DATA_MIGRATIONS:
        if not apps.get_model(label).objects.exists():
            importlib.import_module(module).load(apps, None)


TransactionTestCase._fixture_teardown = _fixture_teardown_restoring_migration_data


def pytest_sessionfinish(session, exitstatus):
    """Leave the embedded services as we found them: stop those this test run started."""
    from django.db import connections

    from r2p import embedded

    connections.close_all()
    embedded.stop_what_this_process_started()


# --- People -----------------------------------------------------------------------------------


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def analyst(db):
    return UserFactory(
        username="amina",
        first_name="Amina",
        last_name="Diallo",
        role="analyst",
        clearance=Classification.CONFIDENTIAL,
    )


@pytest.fixture
def senior_analyst(db):
    return UserFactory(
        username="bruno",
        first_name="Bruno",
        last_name="Okafor",
        role="senior-analyst",
        clearance=Classification.STRICTLY_CONFIDENTIAL,
    )


@pytest.fixture
def special_adviser(db):
    return UserFactory(
        username="chen",
        first_name="Chen",
        last_name="Wei",
        role="special-adviser",
        clearance=Classification.STRICTLY_CONFIDENTIAL,
    )


@pytest.fixture
def sg_office(db):
    return UserFactory(
        username="dara",
        first_name="Dara",
        last_name="Haddad",
        role="sg-office",
        clearance=Classification.STRICTLY_CONFIDENTIAL,
    )


@pytest.fixture
def liaison(db):
    return UserFactory(
        username="elena",
        first_name="Elena",
        last_name="Lindqvist",
        role="liaison",
        clearance=Classification.PUBLIC,
        member_state="NOR",
    )


@pytest.fixture
def partner(db):
    return UserFactory(
        username="relay",
        first_name="Regional",
        last_name="Relay",
        role="partner",
        clearance=Classification.PUBLIC,
        organisation="Regional Early Warning Centre",
    )


@pytest.fixture
def auditor(db):
    return UserFactory(
        username="farid",
        first_name="Farid",
        last_name="Rahman",
        role="auditor",
        clearance=Classification.CONFIDENTIAL,
    )


@pytest.fixture
def administrator(db):
    return UserFactory(
        username="grace",
        first_name="Grace",
        last_name="Mensah",
        role="administrator",
        clearance=Classification.CONFIDENTIAL,
    )


@pytest.fixture
def outsider(db):
    """Logged in, but with no role and no clearance beyond PUBLIC."""
    return UserFactory(
        username="oscar", first_name="Oscar", last_name="Outside", clearance=Classification.PUBLIC
    )


# --- A real Celery worker ---------------------------------------------------------------------


def database_url_for(settings_dict: dict) -> str:
    """A DATABASE_URL for another process that must see this test database."""
    host = settings_dict.get("HOST") or settings_dict.get("OPTIONS", {}).get("host", "")
    user = quote(settings_dict.get("USER") or "postgres")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else f"{user}@"
    name = settings_dict["NAME"]
    if host.startswith("/"):
        return f"postgres://{auth}/{name}?host={quote(host)}"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{name}"


class WorkerProcess:
    def __init__(self, env: dict[str, str], name: str):
        self.env = env
        self.name = name
        self.process: subprocess.Popen | None = None
        self.log = ARTIFACTS / f"{name}.log"

    def start(self, timeout: float = 60) -> None:
        from r2p.celery import app

        ARTIFACTS.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "r2p",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--hostname",
                f"{self.name}@%h",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited; see {self.log}:\n{self.log.read_text()}")
            if app.control.ping(timeout=0.5):
                return
        self.stop()
        raise RuntimeError(f"the worker did not answer a ping within {timeout} s; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def celery_worker(transactional_db):
    """A real `celery worker` process on the test database and the test Redis database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "r2p.settings",
        "DATABASE_URL": database_url_for(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "HTTPS": "false",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    worker = WorkerProcess(env, f"test-{uuid.uuid4().hex[:8]}")
    worker.start()
    yield worker
    worker.stop()
