"""The warning-response gap: a situation's timeline, where cases stall, inaction alerts, and the
daily escalation and inaction tasks run by a real worker."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment, OptionTransition
from cases import escalations, services, timeline
from cases.models import Escalation, EscalationTransition, InactionAlert, Signal
from cases.tasks import escalation_reminders_task, inaction_alerts_task
from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db

PLANTED = "Planted-situation-title-9ZK2"
DAY = timedelta(days=1)


@pytest.fixture
def team(analyst, senior_analyst, special_adviser, sg_office):
    for person in (analyst, senior_analyst, special_adviser, sg_office):
        person.email = f"{person.username}@ny.un.example"
        person.save()
    return {"amina": analyst, "bruno": senior_analyst, "chen": special_adviser, "dara": sg_office}


def make_situation(team, title=PLANTED, level="high"):
    situation = services.situation_create(
        created_by=team["amina"],
        title=title,
        countries=["MLI"],
        classification=Classification.CONFIDENTIAL,
    )
    for person in (team["bruno"], team["chen"]):
        services.situation_member_add(situation=situation, user=person, actor=team["amina"])
    source = services.source_create(
        created_by=team["amina"], source_type="media", reliability="B", name="Wire"
    )
    signal = services.signal_create(
        actor=team["amina"],
        data={
            "headline": "Market attacked",
            "occurred_on": timezone.localdate() - DAY,
            "country": "MLI",
            "category": "violence_against_civilians",
            "source": source,
            "credibility": 2,
            "classification": Classification.PUBLIC,
        },
    )
    services.signal_link(signal=signal, situation=situation, actor=team["amina"])
    assessment = assessment_services.assessment_start(situation=situation, actor=team["amina"])
    judgment = assessment.judgments.get(factor__number=11)
    assessment_services.judgment_update(
        judgment=judgment, actor=team["amina"], data={"level": level}
    )
    assessment_services.evidence_add(judgment=judgment, actor=team["amina"], signal_id=signal.pk)
    if level in ("moderate", "high"):  # one source only: a flag to acknowledge
        assessment_services.flags_acknowledge(
            judgment=judgment, actor=team["amina"], note="Checked"
        )
    assessment_services.assessment_submit(assessment=assessment, actor=team["amina"])
    assessment_services.assessment_approve(assessment=assessment, actor=team["bruno"])
    return situation, signal, assessment


def walk(escalation, team, *moves):
    for action, person in moves:
        escalation = escalations.escalation_transition(
            escalation=escalation, actor=team[person], action=action, comment="Because"
        )
    return escalation


def test_a_timeline_has_each_stage_the_first_time_it_happened(team):
    situation, signal, assessment = make_situation(team)
    start = timezone.now() - 40 * DAY
    Signal.objects.filter(pk=signal.pk).update(created_at=start)
    Assessment.objects.filter(pk=assessment.pk).update(approved_at=start + 2 * DAY)
    escalation = escalations.escalation_create(
        situation=situation, actor=team["amina"], summary="Now"
    )
    walk(escalation, team, ("submit", "amina"), ("review", "bruno"), ("endorse", "chen"))
    EscalationTransition.objects.filter(action="submit").update(at=start + 5 * DAY)
    EscalationTransition.objects.filter(action="endorse").update(at=start + 9 * DAY)

    line = timeline.situation_timeline(situation=situation, user=team["bruno"])
    assert line.at["first_signal"] == start
    assert line.at["high_risk"] == start + 2 * DAY
    assert line.at["escalated"] == start + 5 * DAY
    assert line.at["endorsed"] == start + 9 * DAY
    assert line.at["decided"] is None and line.at["response_adopted"] is None
    assert line.gap("escalated") == 3 * DAY
    assert line.gap("decided") is None


def test_stalls_are_the_median_and_90th_percentile_of_each_stage(team):
    gaps = [1, 2, 3, 4, 10]  # days from first signal to high risk, one situation each
    for number, days in enumerate(gaps):
        _, signal, assessment = make_situation(team, title=f"Situation {number}")
        start = timezone.now() - 60 * DAY
        Signal.objects.filter(pk=signal.pk).update(created_at=start)
        Assessment.objects.filter(pk=assessment.pk).update(approved_at=start + days * DAY)
    stalls = {s.stage.key: s for s in timeline.stage_stalls(user=team["bruno"])}
    assert stalls["high_risk"].count == 5
    assert stalls["high_risk"].median == 3 * DAY
    # inclusive method: the 90th percentile lies between 4 and 10 days
    assert 4 * DAY < stalls["high_risk"].p90 <= 10 * DAY
    assert stalls["decided"].count == 0 and stalls["decided"].median is None


def test_an_outsider_sees_no_timeline(team, outsider):
    make_situation(team)
    assert timeline.timelines(user=outsider) == []


def test_high_risk_without_an_adopted_response_raises_one_alert(
    team, settings, django_capture_on_commit_callbacks
):
    settings.INACTION_ALERT_DAYS = 30
    situation, _, assessment = make_situation(team)
    Assessment.objects.filter(pk=assessment.pk).update(approved_at=timezone.now() - 31 * DAY)
    make_situation(team, title="Calm place", level="low")
    (item,) = timeline.inaction(user=team["bruno"])
    assert (item.situation, item.level, item.days) == (situation, 3, 31)

    with django_capture_on_commit_callbacks(execute=True):
        assert timeline.inaction_alerts_raise() == 1
        assert timeline.inaction_alerts_raise() == 0  # once
    alert = InactionAlert.objects.get()
    assert (alert.situation, alert.closed_at) == (situation, None)
    (message,) = mail.outbox
    assert sorted(message.to) == ["amina@ny.un.example", "chen@ny.un.example"]
    assert situation.reference in message.subject
    assert PLANTED not in message.subject + message.body


def test_an_adopted_response_closes_the_alert(team, settings):
    from assessments import services as options

    situation, _, assessment = make_situation(team)
    Assessment.objects.filter(pk=assessment.pk).update(approved_at=timezone.now() - 45 * DAY)
    timeline.inaction_alerts_raise()
    option = options.option_propose(
        situation=situation,
        actor=team["amina"],
        data={
            "instrument": "good-offices",
            "rationale": "Talks",
            "lead_actor": "Special Adviser",
            "feasibility": "medium",
        },
    )
    options.option_transition(option=option, actor=team["amina"], to="recommended")
    options.option_transition(
        option=option,
        actor=team["amina"],
        to="adopted",
        adopted_by="African Union",
        adopted_on=timezone.localdate(),
    )
    assert OptionTransition.objects.filter(to_status="adopted").exists()
    assert timeline.inaction(user=team["bruno"]) == []
    timeline.inaction_alerts_raise()
    assert InactionAlert.objects.get().closed_at is not None


def test_both_daily_tasks_are_scheduled_for_beat():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"cases.tasks.escalation_reminders_task", "cases.tasks.inaction_alerts_task"} <= tasks


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_overdue_and_inaction_tasks(request, monkeypatch, team):
    monkeypatch.setenv("EMAIL_URL", "consolemail://")
    worker = request.getfixturevalue("celery_worker")
    situation, _, assessment = make_situation(team)
    Assessment.objects.filter(pk=assessment.pk).update(approved_at=timezone.now() - 60 * DAY)
    escalation = escalations.escalation_create(
        situation=situation, actor=team["amina"], summary=PLANTED
    )
    walk(escalation, team, ("submit", "amina"))
    Escalation.objects.filter(pk=escalation.pk).update(
        status_since=timezone.now() - 3 * DAY  # in review: 48 hours by default
    )

    assert escalation_reminders_task.delay().get(timeout=60) == 1
    assert inaction_alerts_task.delay().get(timeout=60) == 1
    assert AuditEvent.objects.filter(action="escalation.remind").count() == 1
    assert InactionAlert.objects.filter(situation=situation, closed_at__isnull=True).exists()

    deadline, log = time.monotonic() + 15, ""
    while time.monotonic() < deadline and "inaction alert" not in log:
        time.sleep(0.2)
        log = worker.log.read_text(errors="replace")
    assert f"escalation {escalation.reference}" in log and "inaction alert" in log
    assert PLANTED not in log
