"""Reports compiled by real Celery workers: on demand with progress, after the worker compiling
it was killed half-way (the task is delivered again and finishes, one draft), and from the beat
schedule stored in the database (as an administrator edits it) through a real beat process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from r2p.models import Classification
from reports import services
from reports.models import Report, ReportStatus
from reports.schedules import DEFAULT_SCHEDULES, REPORT_TASK
from tests.conftest import ARTIFACTS, ROOT, WorkerProcess, database_url_for
from tests.reports.conftest import Q3

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


def worker_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "r2p.settings",
        "DATABASE_URL": database_url_for(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "HTTPS": "false",
        "DATABASE_CONN_MAX_AGE": "0",
        **extra,
    }


def test_the_default_schedules_are_beat_entries_an_administrator_can_edit(client, administrator):
    entries = {task.name: task for task in PeriodicTask.objects.filter(task=REPORT_TASK)}
    assert set(entries) == set(DEFAULT_SCHEDULES)
    quarterly = entries["report-quarterly"]
    assert quarterly.crontab.month_of_year == "1,4,7,10" and quarterly.crontab.day_of_month == "1"
    assert '"kind": "quarterly"' in quarterly.kwargs
    client.force_login(administrator)
    page = client.get(reverse("admin:django_celery_beat_periodictask_change", args=[quarterly.pk]))
    assert page.status_code == 200 and "report-quarterly" in page.content.decode()


def test_dara_follows_the_compilation_by_a_real_worker_until_the_draft(
    client, sg_office, celery_worker
):
    client.force_login(sg_office)
    answer = client.post(
        reverse("api-report-list"),
        {"kind": "quarterly", "year": 2026, "quarter": 3, "audience": "PUBLIC"},
        content_type="application/json",
    )
    assert answer.status_code == 202, answer.content
    pk = answer.json()["id"]

    def finished():
        progress = client.get(reverse("api-report-detail", args=[pk])).json()["progress"]
        return progress if progress["finished"] else None

    progress = wait_for(finished, timeout=60, what="the worker to compile the report")
    assert progress["steps_done"] == progress["steps_total"] == 10
    assert Report.objects.get(pk=pk).status == ReportStatus.DRAFT


def test_a_report_whose_worker_is_killed_half_way_is_delivered_again_and_finished(sg_office):
    """The compilation is held at its referrals step by a table lock, the worker compiling it is
    killed (SIGKILL: no goodbye, no acknowledgement), and a second worker gets the message again
    once the visibility timeout has passed. One draft, compiled on the second attempt."""
    env = worker_env(CELERY_VISIBILITY_TIMEOUT="5")
    first = WorkerProcess(env, f"killed-{uuid.uuid4().hex[:6]}")
    first.start()
    blocker = psycopg2.connect(database_url_for(connection.settings_dict))
    try:
        with blocker.cursor() as cursor:
            cursor.execute("BEGIN; LOCK TABLE cases_referral IN ACCESS EXCLUSIVE MODE")
        report, _ = services.report_request(
            kind="quarterly", period=Q3, audience=Classification.PUBLIC, actor=sg_office
        )
        held = wait_for(
            lambda: Report.objects.filter(pk=report.pk, progress_step="Referrals").first(),
            timeout=60,
            what="the compilation to reach the referrals step",
        )
        assert held.status == ReportStatus.COMPILING and 0 < held.progress_done < 10
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()
        if first.process and first.process.poll() is None:
            first.process.kill()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.COMPILING

    # A worker looks for messages left unacknowledged longer than the visibility timeout when it
    # starts (and then every hundred seconds or so): start the rescuer once the timeout is past.
    time.sleep(6)
    second = WorkerProcess(env, f"rescuer-{uuid.uuid4().hex[:6]}")
    second.start()
    try:
        done = wait_for(
            lambda: Report.objects.filter(pk=report.pk, status=ReportStatus.DRAFT).first(),
            timeout=90,
            what="the second worker to finish the redelivered compilation",
        )
    finally:
        second.stop()
    assert done.attempts == 2 and done.progress_done == 10
    assert Report.objects.filter(period_start=Q3.start, period_end=Q3.end).count() == 1
    assert "report" in second.log.read_text()


def test_the_beat_schedule_fires_the_report_task_through_a_real_worker(celery_worker):
    """An administrator turns the quarterly entry into an every-two-seconds one (as in the admin
    site); a real `celery beat` on the database scheduler sends it and the worker compiles the
    draft of the quarter just ended."""
    every_two, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    entry = PeriodicTask.objects.get(name="report-quarterly")
    entry.crontab = None
    entry.interval = every_two
    entry.save()
    log = ARTIFACTS / f"beat-{uuid.uuid4().hex[:6]}.log"
    beat = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "r2p",
            "beat",
            "--loglevel",
            "INFO",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--max-interval",
            "1",
        ],
        cwd=ROOT,
        env=worker_env(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        report = wait_for(
            lambda: Report.objects.filter(
                requested_by=None, status=ReportStatus.DRAFT, kind="quarterly"
            ).first(),
            timeout=90,
            what=f"beat and the worker to compile the scheduled report (see {log})",
        )
    finally:
        beat.terminate()
        try:
            beat.wait(timeout=20)
        except subprocess.TimeoutExpired:
            beat.kill()
    today = date.today()
    first_of_quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    assert report.period_end < first_of_quarter
    assert (first_of_quarter - report.period_end).days == 1
    assert report.audience == Classification.PUBLIC
    # However often beat fires, the quarter has one report.
    assert Report.objects.filter(period_start=report.period_start).count() == 1
