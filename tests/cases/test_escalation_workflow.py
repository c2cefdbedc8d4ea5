"""The escalation workflow through its service: the whole transition table (every status by
every action by every role), four eyes, the urgent path, stale versions, transition rows, audit
events, notifications without classified content, and overdue reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assessments import services as assessment_services
from cases import escalations, services
from cases.models import Escalation, EscalationStatus, EscalationTransition
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError
from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db

S = EscalationStatus
PLANTED = "Planted-summary-string-7Q4X"

# Who may make each move from each status (written out here, not read from the code):
# amina drafts (analyst, on the team), bruno reviews (senior analyst, on the team), chen
# endorses (Special Adviser, on the team), dara decides (SG Office).
ALLOWED = {
    ("submit", S.DRAFT): {"amina", "bruno"},
    ("review", S.IN_REVIEW): {"bruno"},
    ("return", S.IN_REVIEW): {"bruno"},
    ("endorse", S.REVIEWED): {"chen"},
    ("return", S.REVIEWED): {"chen"},
    ("transmit", S.ENDORSED): {"chen"},
    ("return", S.ENDORSED): {"chen"},
    ("urgent", S.DRAFT): {"chen"},
    ("decide", S.AT_DESK): {"dara"},
    ("return", S.AT_DESK): {"dara"},
    ("withdraw", S.DRAFT): {"amina", "bruno"},
    ("withdraw", S.IN_REVIEW): {"amina", "bruno"},
    ("withdraw", S.REVIEWED): {"amina", "bruno"},
    ("withdraw", S.ENDORSED): {"amina", "bruno"},
}
TARGET = {
    "submit": S.IN_REVIEW,
    "review": S.REVIEWED,
    "return": S.DRAFT,
    "endorse": S.ENDORSED,
    "transmit": S.AT_DESK,
    "urgent": S.AT_DESK,
    "decide": S.DECIDED,
    "withdraw": S.WITHDRAWN,
}
ACTIONS = sorted(TARGET)
PEOPLE = ("amina", "bruno", "chen", "dara", "elena", "oscar")


@pytest.fixture
def situation(analyst, senior_analyst, special_adviser):
    situation = services.situation_create(
        created_by=analyst,
        title="Central Sahel",
        countries=["MLI"],
        classification=Classification.CONFIDENTIAL,
    )
    for person in (senior_analyst, special_adviser):
        services.situation_member_add(situation=situation, user=person, actor=analyst)
    assessment = assessment_services.assessment_start(situation=situation, actor=analyst)
    assessment_services.assessment_submit(assessment=assessment, actor=analyst)
    assessment_services.assessment_approve(assessment=assessment, actor=senior_analyst)
    return situation


@pytest.fixture
def people(analyst, senior_analyst, special_adviser, sg_office, liaison, outsider):
    everyone = (analyst, senior_analyst, special_adviser, sg_office, liaison, outsider)
    for person in everyone:
        person.email = f"{person.username}@example.org"
        person.save()
    return dict(zip(PEOPLE, everyone, strict=True))


@pytest.fixture
def escalation(situation, analyst, people):
    return escalations.escalation_create(situation=situation, actor=analyst, summary=PLANTED)


def put(escalation: Escalation, status: str) -> Escalation:
    """Test setup only: place the escalation in `status` without walking the workflow."""
    Escalation.objects.filter(pk=escalation.pk).update(status=status)
    escalation.refresh_from_db()
    return escalation


@pytest.mark.parametrize("status", list(S.values))
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("person", PEOPLE)
def test_the_transition_table(escalation, people, status, action, person):
    put(escalation, status)
    actor = people[person]
    move = (action, status)
    if move not in ALLOWED:
        with pytest.raises(ConflictError):
            escalations.escalation_transition(
                escalation=escalation, actor=actor, action=action, comment="Because"
            )
    elif person not in ALLOWED[move]:
        with pytest.raises(ForbiddenError):
            escalations.escalation_transition(
                escalation=escalation, actor=actor, action=action, comment="Because"
            )
    else:
        moved = escalations.escalation_transition(
            escalation=escalation, actor=actor, action=action, comment="Because"
        )
        assert moved.status == TARGET[action]
        row = EscalationTransition.objects.get(escalation=escalation)
        assert (row.action, row.from_status, row.to_status, row.actor) == (
            action,
            status,
            TARGET[action],
            actor,
        )
    assert Escalation.objects.get(pk=escalation.pk).status == (
        TARGET[action] if move in ALLOWED and person in ALLOWED[move] else status
    )


def test_the_whole_path_from_draft_to_decision(escalation, people):
    for action, person in (
        ("submit", "amina"),
        ("review", "bruno"),
        ("endorse", "chen"),
        ("transmit", "chen"),
        ("decide", "dara"),
    ):
        escalation = escalations.escalation_transition(
            escalation=escalation, actor=people[person], action=action
        )
    assert escalation.status == S.DECIDED
    assert (escalation.reviewed_by, escalation.endorsed_by) == (people["bruno"], people["chen"])
    assert list(escalation.transitions.values_list("action", flat=True)) == [
        "submit",
        "review",
        "endorse",
        "transmit",
        "decide",
    ]
    assert AuditEvent.objects.filter(action="escalation.status").count() == 5


def test_bruno_cannot_review_the_escalation_he_drafted(situation, people):
    mine = escalations.escalation_create(
        situation=situation, actor=people["bruno"], summary="Bruno's own"
    )
    escalations.escalation_transition(escalation=mine, actor=people["bruno"], action="submit")
    with pytest.raises(ForbiddenError, match="Four eyes"):
        escalations.escalation_transition(escalation=mine, actor=people["bruno"], action="review")


def test_the_urgent_path_needs_a_justification_and_is_recorded_as_urgent(escalation, people):
    with pytest.raises(ApplicationValidationError) as refused:
        escalations.escalation_transition(
            escalation=escalation, actor=people["chen"], action="urgent"
        )
    assert "comment" in refused.value.fields
    urgent = escalations.escalation_transition(
        escalation=escalation,
        actor=people["chen"],
        action="urgent",
        comment="Killings expected before the vote on Friday",
    )
    assert urgent.status == S.AT_DESK
    assert urgent.urgent is True
    assert urgent.urgent_justification == "Killings expected before the vote on Friday"


def test_a_return_needs_reasons_and_clears_the_review(escalation, people):
    escalations.escalation_transition(escalation=escalation, actor=people["amina"], action="submit")
    escalations.escalation_transition(escalation=escalation, actor=people["bruno"], action="review")
    with pytest.raises(ApplicationValidationError):
        escalations.escalation_transition(
            escalation=escalation, actor=people["chen"], action="return"
        )
    back = escalations.escalation_transition(
        escalation=escalation, actor=people["chen"], action="return", comment="Add the trial date"
    )
    assert (back.status, back.reviewed_by) == (S.DRAFT, None)


def test_a_stale_version_is_refused(escalation, people):
    seen = escalation.version
    escalations.escalation_transition(escalation=escalation, actor=people["amina"], action="submit")
    with pytest.raises(ConflictError):
        escalations.escalation_transition(
            escalation=escalation, actor=people["bruno"], action="review", version=seen
        )


def test_an_escalation_needs_an_approved_assessment(analyst):
    bare = services.situation_create(created_by=analyst, title="Bare", countries=["NER"])
    with pytest.raises(ApplicationValidationError) as refused:
        escalations.escalation_create(situation=bare, actor=analyst, summary="Now")
    assert "approved assessment" in refused.value.fields["situation"][0]


def test_one_escalation_in_progress_per_situation(escalation, situation, analyst):
    with pytest.raises(ConflictError):
        escalations.escalation_create(situation=situation, actor=analyst, summary="Again")


def test_the_people_who_act_next_are_mailed_without_classified_content(
    escalation, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        escalations.escalation_transition(
            escalation=escalation, actor=people["amina"], action="submit"
        )
    (message,) = mail.outbox
    assert message.to == ["bruno@example.org"]  # the reviewer on the team, not the drafter
    text = message.subject + message.body
    assert escalation.reference in text and escalation.situation.reference in text
    assert PLANTED not in text and "Central Sahel" not in text
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        escalations.escalation_transition(
            escalation=escalation, actor=people["bruno"], action="review"
        )
    assert mail.outbox[0].to == ["chen@example.org"]


def test_the_desk_hears_of_an_escalation_that_reaches_it(
    escalation, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        escalations.escalation_transition(
            escalation=escalation, actor=people["chen"], action="urgent", comment="Now"
        )
    assert mail.outbox[0].to == ["dara@example.org"]


def test_an_overdue_escalation_is_flagged_and_reminded_once_a_day(
    escalation, people, django_capture_on_commit_callbacks
):
    escalations.escalation_transition(escalation=escalation, actor=people["amina"], action="submit")
    now = timezone.now()
    assert not escalations.escalations_overdue(now=now).exists()
    later = now + timedelta(hours=49)  # in review: 48 hours by default
    assert list(escalations.escalations_overdue(now=later)) == [escalation]
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations.escalation_reminders_send(now=later) == 1
        assert escalations.escalation_reminders_send(now=later + timedelta(hours=2)) == 0
    assert mail.outbox[0].to == ["bruno@example.org"]
    assert "overdue" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="escalation.remind").count() == 1
