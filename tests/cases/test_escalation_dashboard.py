"""The home page's escalations: what waits on me (overdue flagged), where cases stall, and the
inaction alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from cases import escalations
from cases.models import Escalation
from tests.cases.test_timeline import DAY, make_situation, team, walk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_bruno_sees_the_review_waiting_on_him_flagged_overdue(client, team):  # noqa: F811
    situation, _, _ = make_situation(team)
    escalation = escalations.escalation_create(
        situation=situation, actor=team["amina"], summary="Now"
    )
    walk(escalation, team, ("submit", "amina"))
    Escalation.objects.filter(pk=escalation.pk).update(
        status_since=timezone.now() - timedelta(hours=50)
    )
    board = escalations.escalation_board(user=team["bruno"])
    assert [e.pk for e in board.waiting_on_me] == [escalation.pk]
    assert board.overdue_ids == {escalation.pk}
    assert escalations.escalation_board(user=team["amina"]).waiting_on_me == []  # not hers
    client.force_login(team["bruno"])
    page = client.get(reverse("home")).content.decode()
    assert "Escalations waiting on you" in page and escalation.reference in page
    assert "overdue" in page and "Where cases stall" in page


def test_the_home_page_raises_the_inaction_alerts(client, team, settings):  # noqa: F811
    settings.INACTION_ALERT_DAYS = 30
    situation, _, assessment = make_situation(team)
    Assessment.objects.filter(pk=assessment.pk).update(approved_at=timezone.now() - 40 * DAY)
    client.force_login(team["chen"])
    page = client.get(reverse("home")).content.decode()
    assert "1 inaction alert" in page and situation.reference in page


def test_a_liaison_home_page_has_no_escalations(client, liaison):
    client.force_login(liaison)
    assert "Escalations waiting on you" not in client.get(reverse("home")).content.decode()
