"""The trigger calendar (risk factor 8): dated events per situation, validated on the way in, and
the daily reminder to the situation's team, which names the situation and links to it but never
carries what the trigger says, sent once per date, and run by a real Celery worker."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import TriggerEvent
from assessments.tasks import trigger_reminders_task
from cases import services as cases_services
from r2p.errors import ApplicationValidationError, ForbiddenError
from r2p.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = date(2031, 5, 10)
PLANTED_TITLE = "PLANTED-TITLE-c41d Mopti militia commemoration"
PLANTED_DESCRIPTION = "PLANTED-DESCRIPTION-9e07 lists of Fulani names were seen"


@pytest.fixture
def addresses(analyst, senior_analyst):
    """Amina and Bruno, the Central Sahel team, with their e-mail addresses."""
    for person in (analyst, senior_analyst):
        person.email = f"{person.username}@ny.un.example"
        person.save(update_fields=["email"])


def add_trigger(situation, actor, days_ahead: int, **data) -> TriggerEvent:
    return services.trigger_create(
        situation=situation,
        actor=actor,
        data={
            "kind": "election",
            "title": f"Election {days_ahead} days out",
            "occurs_on": TODAY + timedelta(days=days_ahead),
            **data,
        },
    )


# --- Creating and changing ------------------------------------------------------------------------


def test_amina_records_an_election_in_the_calendar(situation, analyst):
    trigger = services.trigger_create(
        situation=situation,
        actor=analyst,
        data={
            "kind": "election",
            "title": "  Presidential election, first round ",
            "occurs_on": "2031-06-01",
            "description": PLANTED_DESCRIPTION,
            "remind_days_before": "21",
        },
    )
    trigger.refresh_from_db()
    assert (trigger.kind, trigger.title) == ("election", "Presidential election, first round")
    assert (trigger.occurs_on, trigger.remind_days_before) == (date(2031, 6, 1), 21)
    assert trigger.created_by == analyst and trigger.reminded_at is None
    event = AuditEvent.objects.get(action="trigger.create")
    assert event.summary == {"situation": situation.reference, "kind": "election"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurs_on", "01/06/2031"),
        ("occurs_on", "2031-02-30"),
        ("occurs_on", ""),
        ("occurs_on", None),
        ("kind", "coup"),
        ("kind", ""),
        ("remind_days_before", 366),
        ("remind_days_before", -1),
        ("remind_days_before", "soon"),
        ("title", "   "),
        ("title", "x" * 201),
    ],
)
def test_a_trigger_with_a_bad_field_is_refused_with_an_error_on_that_field(
    field, value, situation, analyst
):
    data = {"kind": "census", "title": "National census", "occurs_on": "2031-06-01", field: value}
    with pytest.raises(ApplicationValidationError) as refused:
        services.trigger_create(situation=situation, actor=analyst, data=data)
    assert list(refused.value.fields) == [field]
    assert not TriggerEvent.objects.exists()


def test_every_bad_field_is_reported_at_once(situation, analyst):
    with pytest.raises(ApplicationValidationError) as refused:
        services.trigger_create(
            situation=situation,
            actor=analyst,
            data={"kind": "riot", "occurs_on": "soon", "remind_days_before": 400},
        )
    assert refused.value.fields == {
        "kind": ["Choose one of: election, census, trial, commemoration, anniversary, other."],
        "title": ["This field is required."],
        "occurs_on": ["Enter the date as YYYY-MM-DD."],
        "remind_days_before": ["Enter a number of days from 0 to 365, or leave empty."],
    }


@pytest.mark.parametrize("days", [0, 365, "", None])
def test_reminder_days_from_0_to_365_or_empty_are_accepted(days, situation, analyst):
    trigger = add_trigger(situation, analyst, 3, remind_days_before=days)
    assert trigger.remind_days_before == (days if days not in ("", None) else None)


def test_only_the_situation_s_team_keeps_its_calendar(
    situation, second_reviewer, special_adviser, liaison, outsider
):
    for person in (second_reviewer, special_adviser, liaison, outsider):
        with pytest.raises(ForbiddenError):
            add_trigger(situation, person, 3)
    assert not TriggerEvent.objects.exists()


def test_an_update_is_validated_like_a_creation_and_changes_nothing_when_refused(
    situation, analyst
):
    trigger = add_trigger(situation, analyst, 3)
    with pytest.raises(ApplicationValidationError) as refused:
        services.trigger_update(
            trigger=trigger, actor=analyst, data={"occurs_on": "tomorrow", "kind": "parade"}
        )
    assert set(refused.value.fields) == {"occurs_on", "kind"}
    trigger.refresh_from_db()
    assert (trigger.kind, trigger.occurs_on) == ("election", TODAY + timedelta(days=3))


# --- Reminders ----------------------------------------------------------------------------------


def test_one_e_mail_per_due_trigger_goes_to_the_team_and_none_for_far_or_past_ones(
    situation, analyst, addresses, django_capture_on_commit_callbacks
):
    due_soon = add_trigger(situation, analyst, 2)
    due_at_edge = add_trigger(situation, analyst, 14)  # the default window: 14 days
    far = add_trigger(situation, analyst, 15)
    past = add_trigger(situation, analyst, -1)
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.trigger_reminders_send(today=TODAY)
    assert sent == 2
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert message.to == ["amina@ny.un.example", "bruno@ny.un.example"]
        assert message.from_email == django_settings.DEFAULT_FROM_EMAIL
    assert sorted(m.subject for m in mail.outbox) == [
        f"r2p: election in 14 days for situation {situation.reference}",
        f"r2p: election in 2 days for situation {situation.reference}",
    ]
    reminded = set(
        TriggerEvent.objects.filter(reminded_at__isnull=False).values_list("pk", flat=True)
    )
    assert reminded == {due_soon.pk, due_at_edge.pk}
    assert far.pk not in reminded and past.pk not in reminded


def test_the_e_mail_names_the_situation_and_links_to_it_but_carries_nothing_classified(
    situation, analyst, addresses, django_capture_on_commit_callbacks
):
    add_trigger(
        situation,
        analyst,
        1,
        kind="commemoration",
        title=PLANTED_TITLE,
        description=PLANTED_DESCRIPTION,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.trigger_reminders_send(today=TODAY)
    (message,) = mail.outbox
    link = django_settings.SITE_URL.rstrip("/") + reverse(
        "cases:situation-detail", args=[situation.pk]
    )
    assert situation.reference in message.subject and situation.reference in message.body
    assert link in message.body
    assert "Commemoration" in message.body and "11 May 2031" in message.body
    everything = message.subject + message.body + "".join(str(a) for a in message.alternatives)
    for secret in ("PLANTED", "Mopti", "Fulani", situation.title):
        assert secret not in everything
    event = AuditEvent.objects.get(action="trigger.remind")
    assert event.actor is None and event.actor_username == "scheduler"
    assert event.summary == {"situation": situation.reference, "recipients": 2}


def test_a_trigger_is_reminded_once_and_again_after_its_date_moves(
    situation, analyst, addresses, django_capture_on_commit_callbacks
):
    trigger = add_trigger(situation, analyst, 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.trigger_reminders_send(today=TODAY) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.trigger_reminders_send(today=TODAY) == 0
        assert services.trigger_reminders_send(today=TODAY + timedelta(days=1)) == 0
    assert len(mail.outbox) == 1

    # A new title does not deserve a new reminder; a new date does.
    services.trigger_update(trigger=trigger, actor=analyst, data={"title": "Run-off"})
    trigger.refresh_from_db()
    assert trigger.reminded_at is not None
    services.trigger_update(
        trigger=trigger, actor=analyst, data={"occurs_on": TODAY + timedelta(days=9)}
    )
    trigger.refresh_from_db()
    assert trigger.reminded_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.trigger_reminders_send(today=TODAY) == 1
    assert len(mail.outbox) == 2
    assert "in 9 days" in mail.outbox[1].subject


def test_a_trigger_s_own_reminder_window_overrides_the_default(
    situation, analyst, addresses, django_capture_on_commit_callbacks
):
    early = add_trigger(situation, analyst, 30, remind_days_before=30)
    on_the_day = add_trigger(situation, analyst, 1, remind_days_before=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.trigger_reminders_send(today=TODAY) == 1
    early.refresh_from_db(), on_the_day.refresh_from_db()
    assert early.reminded_at is not None and on_the_day.reminded_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.trigger_reminders_send(today=TODAY + timedelta(days=1)) == 1
    on_the_day.refresh_from_db()
    assert on_the_day.reminded_at is not None


def test_the_default_window_comes_from_the_settings(
    settings, situation, analyst, addresses, django_capture_on_commit_callbacks
):
    settings.TRIGGER_REMINDER_DAYS = 3
    add_trigger(situation, analyst, 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.trigger_reminders_send(today=TODAY) == 0
        assert services.trigger_reminders_send(today=TODAY + timedelta(days=2)) == 1
    assert len(mail.outbox) == 1


def test_each_team_hears_only_of_its_own_situation_and_nobody_without_an_address(
    situation,
    analyst,
    senior_analyst,
    second_reviewer,
    addresses,
    django_capture_on_commit_callbacks,
):
    lake_chad = cases_services.situation_create(
        created_by=senior_analyst, title="Lake Chad basin", countries=["TCD"]
    )
    cases_services.situation_member_add(
        situation=lake_chad, user=second_reviewer, actor=senior_analyst
    )
    add_trigger(lake_chad, senior_analyst, 4, kind="trial")
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])
    add_trigger(situation, senior_analyst, 6)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.trigger_reminders_send(today=TODAY) == 2
    recipients = {m.subject.rsplit(" ", 1)[-1]: m.to for m in mail.outbox}
    # Sofia has no address; Amina is no longer active.
    assert recipients == {
        lake_chad.reference: ["bruno@ny.un.example"],
        situation.reference: ["bruno@ny.un.example"],
    }


def test_a_team_without_any_address_gets_no_e_mail_but_the_trigger_is_marked(
    situation, analyst, django_capture_on_commit_callbacks
):
    trigger = add_trigger(situation, analyst, 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.trigger_reminders_send(today=TODAY) == 1
    assert mail.outbox == []
    trigger.refresh_from_db()
    assert trigger.reminded_at is not None
    assert AuditEvent.objects.get(action="trigger.remind").summary["recipients"] == 0


def test_the_daily_reminder_is_scheduled_for_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["trigger-reminders-daily"]
    assert (
        entry["task"] == trigger_reminders_task.name == "assessments.tasks.trigger_reminders_task"
    )


# --- The beat task in a real worker ---------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_reminder_and_marks_the_trigger(
    request, monkeypatch, situation, analyst, addresses
):
    # The worker prints e-mails to its own output (its log file), where this test reads them.
    monkeypatch.setenv("EMAIL_URL", "consolemail://")
    worker = request.getfixturevalue("celery_worker")
    today = timezone.localdate()
    trigger = services.trigger_create(
        situation=situation,
        actor=analyst,
        data={
            "kind": "census",
            "title": PLANTED_TITLE,
            "description": PLANTED_DESCRIPTION,
            "occurs_on": today + timedelta(days=1),
        },
    )
    far = add_trigger(situation, analyst, 400)

    assert trigger_reminders_task.delay().get(timeout=60) == 1

    trigger.refresh_from_db(), far.refresh_from_db()
    assert trigger.reminded_at is not None and far.reminded_at is None
    event = AuditEvent.objects.get(action="trigger.remind")
    assert (event.object_id, event.actor_username) == (str(trigger.pk), "scheduler")
    assert event.summary == {"situation": situation.reference, "recipients": 2}

    subject = f"Subject: r2p: census in 1 day for situation {situation.reference}"
    deadline = time.monotonic() + 15
    log = ""
    while time.monotonic() < deadline and subject not in log:
        time.sleep(0.2)
        log = worker.log.read_text(errors="replace")
    assert subject in log
    assert "To: amina@ny.un.example, bruno@ny.un.example" in log
    assert "PLANTED" not in log

    # Idempotent: a second run the same day sends nothing.
    assert trigger_reminders_task.delay().get(timeout=60) == 0
    assert AuditEvent.objects.filter(action="trigger.remind").count() == 1
