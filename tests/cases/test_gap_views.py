"""The warning-response gap page and the situation's timeline panel."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from tests.cases.test_timeline import DAY, make_situation, team  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_the_gap_page_lists_inaction_and_stalls(client, team, settings):  # noqa: F811
    settings.INACTION_ALERT_DAYS = 30
    situation, _, assessment = make_situation(team)
    Assessment.objects.filter(pk=assessment.pk).update(approved_at=timezone.now() - 40 * DAY)
    client.force_login(team["bruno"])
    page = client.get(reverse("cases:gap")).content.decode()
    assert situation.reference in page and "High" in page
    assert "Where cases stall" in page and "First assessment at high or above" in page


def test_the_situation_page_shows_its_timeline_and_the_alert(client, team, settings):  # noqa: F811
    settings.INACTION_ALERT_DAYS = 30
    situation, _, assessment = make_situation(team)
    Assessment.objects.filter(pk=assessment.pk).update(approved_at=timezone.now() - 40 * DAY)
    client.force_login(team["amina"])
    page = client.get(reverse("cases:situation-detail", args=[situation.pk])).content.decode()
    assert "From warning to response" in page
    assert "Inaction alert" in page and "40 days" in page
    assert page.count("not yet") == 6  # escalated ... response adopted


def test_outsiders_and_liaisons_get_no_gap_page(client, outsider, liaison):
    for person in (outsider, liaison):
        client.force_login(person)
        assert client.get(reverse("cases:gap")).status_code == 404


def test_a_gap_reads_in_days_and_hours_and_a_backdated_step_shows_none():
    from datetime import timedelta

    from cases.views.gap import duration

    assert duration(timedelta(days=3, hours=4, minutes=10)) == "3 days 4 h"
    assert duration(timedelta(hours=5)) == "5 h"
    assert duration(timedelta(minutes=40)) == "40 min"
    assert duration(timedelta(days=-85)) == ""
