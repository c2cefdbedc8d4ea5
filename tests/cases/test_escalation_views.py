"""Escalation and referral pages: the list, the page and its moves (403/409/400), drafting
from a situation, referral follow-up; 404 for an outsider or a liaison on every page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from cases import decisions, escalations, services
from cases.models import Escalation, EscalationStatus, ReferralStatus
from r2p.models import Classification

pytestmark = pytest.mark.django_db

PLANTED = "Planted-page-summary-3ZL8"


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
def escalation(situation, analyst):
    return escalations.escalation_create(situation=situation, actor=analyst, summary=PLANTED)


@pytest.fixture
def referral(escalation, special_adviser, sg_office):
    escalations.escalation_transition(
        escalation=escalation, actor=special_adviser, action="urgent", comment="Now"
    )
    decision = decisions.escalation_decide(
        escalation=escalation,
        actor=sg_office,
        outcome="route",
        rationale="Grave",
        routings=[{"body": "hrc", "rationale": "Special session"}],
    )
    return decision.referrals.get()


def test_amina_drafts_an_escalation_with_a_recommended_routing(client, analyst, situation):
    client.force_login(analyst)
    url = reverse("cases:escalation-create", args=[situation.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "summary": "Killings are expected before the vote",
            "routing-0-body": "regional",
            "routing-0-regional_arrangement": "ECOWAS",
            "routing-0-rationale": "Mediation",
        },
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get()
    assert escalation.recommended_routing == [
        {
            "body": "regional",
            "regional_arrangement": "ECOWAS",
            "other_body": "",
            "legal_basis": "Chapter VIII of the Charter",
            "rationale": "Mediation",
        }
    ]


def test_a_bad_draft_keeps_nothing_and_says_why_beside_the_fields(client, analyst, situation):
    client.force_login(analyst)
    response = client.post(
        reverse("cases:escalation-create", args=[situation.pk]),
        {"summary": "", "routing-1-body": "other", "routing-1-rationale": "x"},
    )
    assert response.status_code == 400
    assert "summary" in response.context["form"].errors
    assert "other_body" in response.context["rows"][1].errors
    assert not Escalation.objects.exists()


def test_the_list_shows_status_waiting_and_overdue(client, analyst, escalation):
    Escalation.objects.filter(pk=escalation.pk).update(
        status_since=timezone.now() - timedelta(days=10)
    )
    client.force_login(analyst)
    html = client.get(reverse("cases:escalation-list")).content.decode()
    assert escalation.reference in html and escalation.situation.reference in html
    assert "Draft" in html and "10 days" in html and "overdue" in html


def test_the_page_offers_only_the_moves_this_person_may_make(
    client, analyst, senior_analyst, escalation
):
    client.force_login(analyst)
    html = client.get(reverse("cases:escalation-detail", args=[escalation.pk])).content.decode()
    assert PLANTED in html
    assert 'value="submit"' in html and 'value="withdraw"' in html
    assert 'value="urgent"' not in html
    client.force_login(senior_analyst)
    html = client.get(reverse("cases:escalation-detail", args=[escalation.pk])).content.decode()
    assert 'value="submit"' in html and 'value="review"' not in html


def test_moves_through_the_page_answer_302_400_403_and_409(
    client, analyst, senior_analyst, escalation
):
    url = reverse("cases:escalation-move", args=[escalation.pk])
    client.force_login(analyst)
    response = client.post(url, {"action": "submit", "version": escalation.version})
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.IN_REVIEW
    # Amina drafted it: four eyes refuse her review (403).
    assert client.post(url, {"action": "review"}).status_code == 403
    client.force_login(senior_analyst)
    # A return needs reasons (400), and the stale version is refused (409).
    response = client.post(url, {"action": "return", "version": escalation.version})
    assert response.status_code == 400
    assert "comment" in response.context["move_form"].errors
    assert client.post(url, {"action": "review", "version": 1}).status_code == 409
    assert client.post(url, {"action": "review", "version": escalation.version}).status_code == 302


def test_the_team_records_a_referral_follow_up(client, analyst, referral):
    client.force_login(analyst)
    url = reverse("cases:referral-detail", args=[referral.pk])
    assert "Human Rights Council" in client.get(url).content.decode()
    bad = client.post(url, {"status": "action_taken", "version": referral.version})
    assert bad.status_code == 400 and "action_taken" in bad.context["form"].errors
    response = client.post(
        url,
        {
            "status": "acknowledged",
            "note": "Receipt confirmed",
            "follow_up_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
            "version": referral.version,
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACKNOWLEDGED
    assert "Receipt confirmed" in client.get(url).content.decode()
    back = client.post(url, {"status": "sent", "follow_up_on": "2999-01-01"})
    assert back.status_code == 409


def test_overdue_referrals_are_flagged_in_words(client, sg_office, referral):
    type(referral).objects.filter(pk=referral.pk).update(
        follow_up_on=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(sg_office)
    html = client.get(reverse("cases:referral-list") + "?overdue=1").content.decode()
    assert "Human Rights Council" in html and "overdue" in html


@pytest.mark.parametrize("who", ["liaison", "outsider"])
def test_an_outsider_or_a_liaison_finds_nothing(client, request, referral, situation, who):
    client.force_login(request.getfixturevalue(who))
    escalation = referral.decision.escalation
    for name, args in (
        ("cases:escalation-list", []),
        ("cases:escalation-detail", [escalation.pk]),
        ("cases:escalation-decide", [escalation.pk]),
        ("cases:escalation-create", [situation.pk]),
        ("cases:desk", []),
        ("cases:referral-list", []),
        ("cases:referral-detail", [referral.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    for name, args, data in (
        ("cases:escalation-move", [escalation.pk], {"action": "withdraw", "comment": "x"}),
        ("cases:referral-detail", [referral.pk], {"status": "no_action"}),
        ("cases:escalation-create", [situation.pk], {"summary": "x"}),
    ):
        assert client.post(reverse(name, args=args), data).status_code == 404, name
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_a_liaison_sees_no_escalation_or_referral(liaison, referral):
    assert not decisions.desk_queue(user=liaison).exists()
    assert not decisions.referral_list(user=liaison).exists()
