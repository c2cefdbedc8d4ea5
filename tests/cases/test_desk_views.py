"""The desk's pages: the queue ordered by risk then waiting, the decision form through a real
POST, and nothing for anyone outside the SG Office."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment
from cases import escalations, services
from cases.models import Escalation, EscalationStatus, Referral
from r2p.models import Classification

pytestmark = pytest.mark.django_db


def _at_desk(analyst, senior_analyst, special_adviser, title, level, waited_hours):
    situation = services.situation_create(
        created_by=analyst,
        title=title,
        countries=["MLI"],
        classification=Classification.CONFIDENTIAL,
    )
    for person in (senior_analyst, special_adviser):
        services.situation_member_add(situation=situation, user=person, actor=analyst)
    assessment = assessment_services.assessment_start(situation=situation, actor=analyst)
    assessment_services.assessment_submit(assessment=assessment, actor=analyst)
    assessment_services.assessment_approve(assessment=assessment, actor=senior_analyst)
    # Test setup only: the risk this assessment carries.
    Assessment.objects.filter(pk=assessment.pk).update(computed_level=level, overall_level=level)
    escalation = escalations.escalation_create(
        situation=situation, actor=analyst, summary=f"Summary of {title}"
    )
    escalations.escalation_transition(
        escalation=escalation, actor=special_adviser, action="urgent", comment="Now"
    )
    Escalation.objects.filter(pk=escalation.pk).update(
        status_since=timezone.now() - timedelta(hours=waited_hours)
    )
    return Escalation.objects.get(pk=escalation.pk)


@pytest.fixture
def queue(analyst, senior_analyst, special_adviser):
    people = (analyst, senior_analyst, special_adviser)
    return {
        "high_recent": _at_desk(*people, "High recent", 3, 2),
        "moderate_old": _at_desk(*people, "Moderate old", 2, 200),
        "very_high": _at_desk(*people, "Very high", 4, 1),
        "high_old": _at_desk(*people, "High old", 3, 30),
    }


def test_dara_sees_the_queue_by_risk_then_waiting(client, sg_office, queue):
    client.force_login(sg_office)
    response = client.get(reverse("cases:desk"))
    assert response.status_code == 200
    html = response.content.decode()
    order = ["very_high", "high_old", "high_recent", "moderate_old"]
    positions = [html.index(queue[key].reference) for key in order]
    assert positions == sorted(positions)
    assert "Very high" in html and "Moderate" in html
    assert "urgent" in html and "overdue" in html  # 200 hours at the desk
    assert reverse("cases:escalation-decide", args=[queue["very_high"].pk]) in html


def test_dara_routes_through_the_decision_form(client, sg_office, queue):
    escalation = queue["very_high"]
    client.force_login(sg_office)
    url = reverse("cases:escalation-decide", args=[escalation.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "outcome": "route",
            "rationale": "Grave and imminent",
            "version": escalation.version,
            "routing-0-body": "sc",
            "routing-0-rationale": "A threat to peace",
            "routing-1-body": "regional",
            "routing-1-regional_arrangement": "AU",
            "routing-1-rationale": "The continent's council",
        },
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.DECIDED
    assert sorted(Referral.objects.values_list("body", flat=True)) == ["regional", "sc"]


def test_a_bad_routing_comes_back_beside_its_field(client, sg_office, queue):
    escalation = queue["very_high"]
    client.force_login(sg_office)
    response = client.post(
        reverse("cases:escalation-decide", args=[escalation.pk]),
        {
            "outcome": "route",
            "rationale": "Grave",
            "routing-0-body": "sc",
            "routing-0-rationale": "Why",
            "routing-2-body": "regional",
            "routing-2-rationale": "Why",
        },
    )
    assert response.status_code == 400
    rows = response.context["rows"]
    assert "regional_arrangement" in rows[2].errors
    assert not rows[0].errors
    assert not Referral.objects.exists()


def test_a_hold_ignores_prefilled_rows_and_a_decided_escalation_answers_409(
    client, sg_office, queue
):
    escalation = queue["high_old"]
    client.force_login(sg_office)
    url = reverse("cases:escalation-decide", args=[escalation.pk])
    response = client.post(url, {"outcome": "hold", "rationale": "Monitor", "routing-0-body": "sc"})
    assert response.status_code == 302
    assert client.get(url).status_code == 409


@pytest.mark.parametrize(
    "who", ["analyst", "senior_analyst", "special_adviser", "liaison", "outsider"]
)
def test_the_desk_and_the_decision_form_are_not_there_for_others(client, request, queue, who):
    client.force_login(request.getfixturevalue(who))
    escalation = queue["very_high"]
    assert client.get(reverse("cases:desk")).status_code == 404
    url = reverse("cases:escalation-decide", args=[escalation.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"outcome": "hold", "rationale": "x"}).status_code == 404
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.AT_DESK
