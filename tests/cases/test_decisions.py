"""The Secretary-General's decision through its service: routing to bodies (one referral each,
field-level errors per routing), hold, send back, who may decide and when; the referral
follow-up table; overdue follow-ups reminded once without classified content."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assessments import services as assessment_services
from cases import decisions, escalations, services
from cases.models import (
    Body,
    Decision,
    EscalationStatus,
    Referral,
    ReferralStatus,
    ReferralUpdate,
)
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError
from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db

S = EscalationStatus
R = ReferralStatus
PLANTED = "Planted-desk-secret-9KQ2"


@pytest.fixture
def people(analyst, senior_analyst, special_adviser, sg_office, liaison, outsider):
    for person in (analyst, senior_analyst, special_adviser, sg_office, liaison, outsider):
        person.email = f"{person.username}@example.org"
        person.save()
    return {
        "amina": analyst,
        "bruno": senior_analyst,
        "chen": special_adviser,
        "dara": sg_office,
        "elena": liaison,
        "oscar": outsider,
    }


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
def at_desk(situation, people):
    escalation = escalations.escalation_create(
        situation=situation, actor=people["amina"], summary=PLANTED
    )
    return escalations.escalation_transition(
        escalation=escalation, actor=people["chen"], action="urgent", comment="Vote on Friday"
    )


def route(escalation, actor, routings, rationale="Grave and imminent"):
    return decisions.escalation_decide(
        escalation=escalation,
        actor=actor,
        outcome="route",
        rationale=rationale,
        routings=routings,
    )


def fields_of(call) -> dict[str, list[str]]:
    with pytest.raises(ApplicationValidationError) as refused:
        call()
    return refused.value.fields


# --- Deciding -------------------------------------------------------------------------------


def test_dara_routes_to_the_security_council_and_ecowas(at_desk, people):
    decision = route(
        at_desk,
        people["dara"],
        [
            {"body": Body.SECURITY_COUNCIL, "rationale": "A threat to peace", "legal_basis": ""},
            {
                "body": "regional",
                "regional_arrangement": "ecowas",
                "rationale": "The subregion's mediation",
                "transmittal_reference": "EOSG/2026/114",
                "sent_on": "2026-01-05",
                "follow_up_on": "2026-01-20",
            },
        ],
    )
    at_desk.refresh_from_db()
    assert at_desk.status == S.DECIDED
    assert decision.outcome == "route" and decision.decided_by == people["dara"]
    council, ecowas = decision.referrals.order_by("pk")
    assert council.body == Body.SECURITY_COUNCIL
    assert council.legal_basis == "Article 99 of the Charter of the United Nations"
    assert council.sent_on == timezone.localdate()
    assert council.follow_up_on == timezone.localdate() + timedelta(days=30)
    assert council.status == R.SENT
    assert ecowas.regional_arrangement.acronym == "ECOWAS"
    assert ecowas.legal_basis == "Chapter VIII of the Charter"
    assert (ecowas.sent_on, ecowas.follow_up_on) == (date(2026, 1, 5), date(2026, 1, 20))
    assert ecowas.transmittal_reference == "EOSG/2026/114"
    assert list(at_desk.transitions.values_list("action", flat=True)) == ["urgent", "decide"]
    assert AuditEvent.objects.filter(action="decision.create").count() == 1
    assert AuditEvent.objects.filter(action="referral.create").count() == 2


def test_a_written_legal_basis_is_kept_and_another_body_is_named_in_full(at_desk, people):
    decision = route(
        at_desk,
        people["dara"],
        [
            {
                "body": "other",
                "other_body": "Office of the High Commissioner for Human Rights",
                "legal_basis": "General Assembly resolution 48/141",
                "rationale": "Monitoring",
            }
        ],
    )
    (referral,) = decision.referrals.all()
    assert referral.other_body == "Office of the High Commissioner for Human Rights"
    assert referral.legal_basis == "General Assembly resolution 48/141"


def test_hold_decides_without_referrals(at_desk, people):
    decision = decisions.escalation_decide(
        escalation=at_desk, actor=people["dara"], outcome="hold", rationale="Keep monitoring"
    )
    at_desk.refresh_from_db()
    assert (at_desk.status, decision.outcome, decision.referrals.count()) == (S.DECIDED, "hold", 0)


def test_send_back_returns_the_escalation_to_the_joint_office_with_the_reasons(at_desk, people):
    decision = decisions.escalation_decide(
        escalation=at_desk,
        actor=people["dara"],
        outcome="send_back",
        rationale="Add the militia's command structure",
    )
    at_desk.refresh_from_db()
    assert at_desk.status == S.DRAFT
    last = at_desk.transitions.last()
    assert (last.action, last.comment) == ("return", "Add the militia's command structure")
    assert decision.outcome == "send_back"


def test_hold_and_send_back_take_no_routings(at_desk, people):
    for outcome in ("hold", "send_back"):
        fields = fields_of(
            lambda outcome=outcome: decisions.escalation_decide(
                escalation=at_desk,
                actor=people["dara"],
                outcome=outcome,
                rationale="Why",
                routings=[{"body": "sc", "rationale": "x"}],
            )
        )
        assert "routings" in fields
    at_desk.refresh_from_db()
    assert at_desk.status == S.AT_DESK


@pytest.mark.parametrize(
    ("routing", "field"),
    [
        ({"rationale": "Why"}, "body"),
        ({"body": "nato", "rationale": "Why"}, "body"),
        ({"body": "regional", "rationale": "Why"}, "regional_arrangement"),
        (
            {"body": "regional", "regional_arrangement": "XYZ", "rationale": "Why"},
            "regional_arrangement",
        ),
        ({"body": "sc", "regional_arrangement": "AU", "rationale": "Why"}, "regional_arrangement"),
        ({"body": "other", "rationale": "Why"}, "other_body"),
        ({"body": "other", "other_body": "Some body", "rationale": "Why"}, "legal_basis"),
        ({"body": "ga", "other_body": "Some body", "rationale": "Why"}, "other_body"),
        ({"body": "sc", "rationale": ""}, "rationale"),
        ({"body": "sc", "rationale": "Why", "legal_basis": "x" * 301}, "legal_basis"),
        ({"body": "sc", "rationale": "Why", "sent_on": "yesterday"}, "sent_on"),
        ({"body": "sc", "rationale": "Why", "sent_on": "2999-01-01"}, "sent_on"),
        ({"body": "sc", "rationale": "Why", "follow_up_on": "13/01/2026"}, "follow_up_on"),
        (
            {
                "body": "sc",
                "rationale": "Why",
                "sent_on": "2026-01-05",
                "follow_up_on": "2026-01-05",
            },
            "follow_up_on",
        ),
        (
            {"body": "sc", "rationale": "Why", "transmittal_reference": "x" * 101},
            "transmittal_reference",
        ),
    ],
)
def test_every_bad_routing_is_named_by_its_index_and_field(at_desk, people, routing, field):
    good = {"body": "ga", "rationale": "The Assembly's voice"}
    fields = fields_of(lambda: route(at_desk, people["dara"], [good, routing]))
    assert f"routings.1.{field}" in fields, fields
    assert not any(key.startswith("routings.0") for key in fields)
    assert not Decision.objects.exists() and not Referral.objects.exists()
    at_desk.refresh_from_db()
    assert at_desk.status == S.AT_DESK


def test_a_decision_needs_an_outcome_a_rationale_and_a_body_to_route_to(at_desk, people):
    fields = fields_of(
        lambda: decisions.escalation_decide(
            escalation=at_desk, actor=people["dara"], outcome="ignore", rationale=""
        )
    )
    assert {"outcome", "rationale"} <= set(fields)
    assert "routings" in fields_of(lambda: route(at_desk, people["dara"], []))


@pytest.mark.parametrize("person", ["amina", "bruno", "chen", "elena", "oscar"])
def test_only_the_sg_office_decides(at_desk, people, person):
    with pytest.raises(ForbiddenError):
        route(at_desk, people[person], [{"body": "sc", "rationale": "Why"}])
    at_desk.refresh_from_db()
    assert at_desk.status == S.AT_DESK


@pytest.mark.parametrize("status", [s for s in S.values if s != S.AT_DESK])
def test_an_escalation_not_at_the_desk_cannot_be_decided(at_desk, people, status):
    type(at_desk).objects.filter(pk=at_desk.pk).update(status=status)
    with pytest.raises(ConflictError):
        route(at_desk, people["dara"], [{"body": "sc", "rationale": "Why"}])
    assert not Decision.objects.exists()


def test_a_stale_version_is_refused(at_desk, people):
    with pytest.raises(ConflictError):
        decisions.escalation_decide(
            escalation=at_desk,
            actor=people["dara"],
            outcome="hold",
            rationale="Monitor",
            version=at_desk.version - 1,
        )


# --- Following up referrals -----------------------------------------------------------------


@pytest.fixture
def referral(at_desk, people):
    decision = route(at_desk, people["dara"], [{"body": "sc", "rationale": "Why"}])
    return decision.referrals.get()


NEXT = timezone.localdate() + timedelta(days=14)
# Written out here, not read from the code: from each status, where a referral may go.
MOVES = {
    R.SENT: {R.SENT, R.ACKNOWLEDGED, R.ON_AGENDA, R.ACTION_TAKEN, R.NO_ACTION},
    R.ACKNOWLEDGED: {R.ACKNOWLEDGED, R.ON_AGENDA, R.ACTION_TAKEN, R.NO_ACTION},
    R.ON_AGENDA: {R.ON_AGENDA, R.ACTION_TAKEN, R.NO_ACTION},
    R.ACTION_TAKEN: set(),
    R.NO_ACTION: set(),
}


@pytest.mark.parametrize("start", list(R.values))
@pytest.mark.parametrize("target", list(R.values))
def test_the_referral_status_table(referral, people, start, target):
    Referral.objects.filter(pk=referral.pk).update(
        status=start, action_taken="Met" if start == R.ACTION_TAKEN else ""
    )
    referral.refresh_from_db()

    def move():
        return decisions.referral_update(
            referral=referral,
            actor=people["dara"],
            status=target,
            note="Called the President's office",
            follow_up_on=NEXT,
            action_taken="Held an emergency session" if target == R.ACTION_TAKEN else "",
        )

    if target in MOVES[start]:
        moved = move()
        assert moved.status == target
        update = ReferralUpdate.objects.get(referral=referral)
        assert (update.status, update.actor, update.follow_up_on) == (target, people["dara"], NEXT)
    else:
        with pytest.raises(ConflictError):
            move()
        assert not ReferralUpdate.objects.exists()


def test_action_taken_says_what_and_open_referrals_need_a_next_follow_up(referral, people):
    fields = fields_of(
        lambda: decisions.referral_update(
            referral=referral, actor=people["dara"], status=R.ACTION_TAKEN, note=""
        )
    )
    assert "action_taken" in fields
    fields = fields_of(
        lambda: decisions.referral_update(
            referral=referral,
            actor=people["dara"],
            status=R.ACKNOWLEDGED,
            note="",
            follow_up_on=timezone.localdate(),
        )
    )
    assert "follow_up_on" in fields
    assert "status" in fields_of(
        lambda: decisions.referral_update(
            referral=referral, actor=people["dara"], status="lost", note="", follow_up_on=NEXT
        )
    )


def test_the_team_follows_up_and_others_may_not(referral, people):
    moved = decisions.referral_update(
        referral=referral,
        actor=people["amina"],
        status=R.ACKNOWLEDGED,
        note="Receipt confirmed",
        follow_up_on=NEXT,
    )
    assert moved.status == R.ACKNOWLEDGED
    for person in ("elena", "oscar"):
        with pytest.raises(ForbiddenError):
            decisions.referral_update(
                referral=referral,
                actor=people[person],
                status=R.ON_AGENDA,
                note="",
                follow_up_on=NEXT,
            )


def test_a_stale_referral_version_is_refused(referral, people):
    seen = referral.version
    decisions.referral_update(
        referral=referral, actor=people["dara"], status=R.ACKNOWLEDGED, follow_up_on=NEXT
    )
    with pytest.raises(ConflictError):
        decisions.referral_update(
            referral=referral,
            actor=people["amina"],
            status=R.ON_AGENDA,
            follow_up_on=NEXT,
            version=seen,
        )


# --- Overdue follow-ups ---------------------------------------------------------------------


def test_an_overdue_referral_is_reminded_once_without_classified_content(
    referral, people, django_capture_on_commit_callbacks
):
    due = referral.follow_up_on
    assert not decisions.referrals_overdue(due).exists()
    later = due + timedelta(days=1)
    assert list(decisions.referrals_overdue(later)) == [referral]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert decisions.referral_reminders_send(later) == 1
    (message,) = mail.outbox
    assert sorted(message.to) == ["amina@example.org", "dara@example.org"]
    text = message.subject + message.body
    escalation = referral.decision.escalation
    assert "Security Council" in text
    assert escalation.reference in text and escalation.situation.reference in text
    assert f"/referrals/{referral.pk}/" in text
    assert PLANTED not in text and "Central Sahel" not in text and "Why" not in text
    referral.refresh_from_db()
    assert referral.reminded_at is not None
    assert AuditEvent.objects.filter(action="referral.remind").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert decisions.referral_reminders_send(later + timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_a_new_follow_up_date_is_reminded_again_and_a_closed_referral_never(
    referral, people, django_capture_on_commit_callbacks
):
    later = referral.follow_up_on + timedelta(days=1)
    decisions.referral_reminders_send(later)
    decisions.referral_update(
        referral=referral, actor=people["dara"], status=R.ON_AGENDA, follow_up_on=NEXT
    )
    referral.refresh_from_db()
    assert referral.reminded_at is None
    assert decisions.referral_reminders_send(NEXT + timedelta(days=1)) == 1
    decisions.referral_update(
        referral=referral, actor=people["dara"], status=R.NO_ACTION, note="Vetoed"
    )
    assert not decisions.referrals_overdue(NEXT + timedelta(days=400)).exists()
