"""The whole transition table through the API: every status by every action by every role,
allowed (2xx and the new status), refused (403), not allowed from there (409), or not visible
at all (404) — the same answers as the service, one endpoint per action."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import Escalation, EscalationStatus
from tests.cases.test_escalation_workflow import (  # noqa: F401 - fixtures
    ACTIONS,
    ALLOWED,
    PEOPLE,
    TARGET,
    escalation,
    people,
    put,
    situation,
)

pytestmark = pytest.mark.django_db

S = EscalationStatus
TEAM = {"amina", "bruno", "chen"}
DESK = {S.AT_DESK, S.DECIDED}


def visible(person: str, status: str) -> bool:
    return person in TEAM or (person == "dara" and status in DESK)


def call(user, escalation_id: int, action: str):
    client = APIClient()
    client.force_authenticate(user)
    if action == "decide":
        return client.post(
            reverse("api-escalation-decide", args=[escalation_id]),
            {"outcome": "hold", "rationale": "Keep monitoring"},
            format="json",
        )
    return client.post(
        reverse(f"api-escalation-{action}", args=[escalation_id]),
        {"comment": "Because"},
        format="json",
    )


@pytest.mark.parametrize("status", list(S.values))
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("person", PEOPLE)
def test_the_transition_table_through_the_api(escalation, people, status, action, person):  # noqa: F811
    put(escalation, status)
    response = call(people[person], escalation.pk, action)
    move = (action, status)
    if not visible(person, status):
        expected = 404
    elif move not in ALLOWED:
        expected = 409
    elif person not in ALLOWED[move]:
        expected = 403
    else:
        expected = None
    if expected is None:
        assert response.status_code in (200, 201), response.content
        assert Escalation.objects.get(pk=escalation.pk).status == TARGET[action]
    else:
        assert response.status_code == expected, response.content
        assert Escalation.objects.get(pk=escalation.pk).status == status
