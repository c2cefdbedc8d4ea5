"""Twenty reviewers approve one submitted assessment at the same moment, over real HTTP to a
live server, each with their own API token: exactly one approval goes through, the other
nineteen get 409, and the database holds one transition to approved and one audit event.

The row lock in assessments.services.assessment_transition is what makes this hold: without
it, several requests would read "submitted" and each write an approval.
"""

from __future__ import annotations

import threading

import pytest
import requests
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, AssessmentStatus, AssessmentTransition
from cases import services as cases_services
from r2p import services as r2p_services
from r2p.models import AuditEvent, Classification
from tests.factories import UserFactory

RACERS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_let_exactly_one_through(
    live_server, situation, analyst, draft
):
    reviewers = [
        UserFactory(
            username=f"reviewer{n:02}",
            role="senior-analyst",
            clearance=Classification.STRICTLY_CONFIDENTIAL,
        )
        for n in range(RACERS)
    ]
    for reviewer in reviewers:
        cases_services.situation_member_add(situation=situation, user=reviewer, actor=analyst)
    tokens = {
        reviewer.username: r2p_services.token_create(user=reviewer, expires_days=1)[1]
        for reviewer in reviewers
    }
    services.assessment_submit(assessment=draft, actor=analyst)
    endpoint = live_server.url + reverse("api-assessment-approve", args=[draft.pk])

    start = threading.Barrier(RACERS)
    answers: list[tuple[str, int, dict]] = []
    failures: list[BaseException] = []

    def approve(username: str, token: str) -> None:
        try:
            start.wait(timeout=30)
            response = requests.post(
                endpoint,
                json={"comment": f"Approved by {username}"},
                headers={"Authorization": f"Token {token}"},
                timeout=120,
            )
            answers.append((username, response.status_code, response.json()))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=approve, args=item) for item in tokens.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)

    assert not failures
    assert len(answers) == RACERS
    codes = sorted(code for _, code, _ in answers)
    assert codes == [200] + [409] * (RACERS - 1), codes
    (winner, _, body) = next(answer for answer in answers if answer[1] == 200)
    assert (body["status"], body["approved_by"]) == ("approved", winner)
    for _, code, refused in answers:
        if code == 409:
            assert refused["error"]["code"] == "conflict"

    assessment = Assessment.objects.get(pk=draft.pk)
    assert assessment.status == AssessmentStatus.APPROVED
    assert assessment.approved_by.username == winner
    approvals = AssessmentTransition.objects.filter(
        assessment=assessment, to_status=AssessmentStatus.APPROVED
    )
    assert [(t.actor.username, t.comment) for t in approvals] == [(winner, f"Approved by {winner}")]
    events = AuditEvent.objects.filter(
        action="assessment.status", object_id=str(draft.pk), summary__to="approved"
    )
    assert [e.actor_username for e in events] == [winner]
