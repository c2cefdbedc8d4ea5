"""Twenty Special Advisers endorse one reviewed escalation at the same moment, over real HTTP to a
live server, each with their own API token: exactly one endorsement goes through, the other
nineteen get 409, and the database holds one endorse transition and one audit event.

The row lock in cases.escalations.escalation_transition is what makes this hold: without it,
several requests would read "reviewed" and each write an endorsement.
"""

from __future__ import annotations

import threading

import pytest
import requests
from django.urls import reverse

from assessments import services as assessment_services
from cases import escalations, services
from cases.models import Escalation, EscalationStatus, EscalationTransition
from r2p import services as r2p_services
from r2p.models import AuditEvent, Classification
from tests.factories import UserFactory

RACERS = 20


@pytest.fixture
def reviewed(analyst, senior_analyst):
    """Central Sahel's escalation, drafted by Amina and reviewed by Bruno."""
    situation = services.situation_create(
        created_by=analyst,
        title="Central Sahel",
        countries=["MLI"],
        classification=Classification.CONFIDENTIAL,
    )
    services.situation_member_add(situation=situation, user=senior_analyst, actor=analyst)
    assessment = assessment_services.assessment_start(situation=situation, actor=analyst)
    assessment_services.assessment_submit(assessment=assessment, actor=analyst)
    assessment_services.assessment_approve(assessment=assessment, actor=senior_analyst)
    escalation = escalations.escalation_create(
        situation=situation, actor=analyst, summary="Attacks on villages around Ménaka."
    )
    escalations.escalation_transition(escalation=escalation, actor=analyst, action="submit")
    return escalations.escalation_transition(
        escalation=escalation, actor=senior_analyst, action="review"
    )


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_endorsements_let_exactly_one_through(live_server, reviewed, analyst):
    advisers = [
        UserFactory(
            username=f"adviser{n:02}",
            role="special-adviser",
            clearance=Classification.STRICTLY_CONFIDENTIAL,
        )
        for n in range(RACERS)
    ]
    for adviser in advisers:
        services.situation_member_add(situation=reviewed.situation, user=adviser, actor=analyst)
    tokens = {
        adviser.username: r2p_services.token_create(user=adviser, expires_days=1)[1]
        for adviser in advisers
    }
    endpoint = live_server.url + reverse("api-escalation-endorse", args=[reviewed.pk])

    start = threading.Barrier(RACERS)
    answers: list[tuple[str, int, dict]] = []
    failures: list[BaseException] = []

    def endorse(username: str, token: str) -> None:
        try:
            start.wait(timeout=30)
            response = requests.post(
                endpoint,
                json={"comment": f"Endorsed by {username}"},
                headers={"Authorization": f"Token {token}"},
                timeout=120,
            )
            answers.append((username, response.status_code, response.json()))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=endorse, args=item) for item in tokens.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)

    assert not failures
    assert len(answers) == RACERS
    codes = sorted(code for _, code, _ in answers)
    assert codes == [200] + [409] * (RACERS - 1), codes
    (winner, _, body) = next(answer for answer in answers if answer[1] == 200)
    assert (body["status"], body["endorsed_by"]) == ("endorsed", winner)
    for _, code, refused in answers:
        if code == 409:
            assert refused["error"]["code"] == "conflict"

    escalation = Escalation.objects.get(pk=reviewed.pk)
    assert escalation.status == EscalationStatus.ENDORSED
    assert escalation.endorsed_by.username == winner
    endorsements = EscalationTransition.objects.filter(escalation=escalation, action="endorse")
    assert [(t.actor.username, t.comment) for t in endorsements] == [
        (winner, f"Endorsed by {winner}")
    ]
    events = AuditEvent.objects.filter(
        action="escalation.status", object_id=str(reviewed.pk), summary__action="endorse"
    )
    assert [e.actor_username for e in events] == [winner]
