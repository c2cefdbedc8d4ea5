"""Escalation and referral pages: the list, the page and its moves (403/409/400), drafting
from a situation and editing the draft, dissents, the desk's rows, referral follow-up; 404 for
an outsider or a liaison on every page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Instrument, ResponseOption
from cases import decisions, escalations, services
from cases.models import Dissent, Escalation, EscalationStatus, ReferralStatus
from r2p.models import Classification
from tests.factories import UserFactory

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
        ("cases:escalation-edit", [escalation.pk]),
        ("cases:escalation-create", [situation.pk]),
        ("cases:desk", []),
        ("cases:referral-list", []),
        ("cases:referral-detail", [referral.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    for name, args, data in (
        ("cases:escalation-move", [escalation.pk], {"action": "withdraw", "comment": "x"}),
        ("cases:escalation-dissent", [escalation.pk], {"text": "x"}),
        ("cases:escalation-edit", [escalation.pk], {"summary": "x"}),
        ("cases:referral-detail", [referral.pk], {"status": "no_action"}),
        ("cases:escalation-create", [situation.pk], {"summary": "x"}),
    ):
        assert client.post(reverse(name, args=args), data).status_code == 404, name
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_a_liaison_sees_no_escalation_or_referral(liaison, referral):
    assert not decisions.desk_queue(user=liaison).exists()
    assert not decisions.referral_list(user=liaison).exists()


# --- The page in words -----------------------------------------------------------------------


def _moved(escalation, *steps):
    for actor, action in steps:
        escalation = escalations.escalation_transition(
            escalation=escalation, actor=actor, action=action, comment="Reasons"
        )
    return escalation


def test_the_recommended_routing_names_each_body_in_full(client, analyst, situation):
    escalation = escalations.escalation_create(
        situation=situation,
        actor=analyst,
        summary=PLANTED,
        recommended_routing=[
            {"body": "sc", "rationale": "Article 99"},
            {"body": "regional", "regional_arrangement": "ECOWAS", "rationale": "Mediation"},
        ],
    )
    client.force_login(analyst)
    html = client.get(reverse("cases:escalation-detail", args=[escalation.pk])).content.decode()
    assert "<strong>Security Council</strong>" in html
    assert "Economic Community of West African States (ECOWAS)" in html
    assert "sc:" not in html and "<strong>sc</strong>" not in html


def test_move_buttons_say_what_they_do_and_turning_back_stands_apart(
    client, analyst, senior_analyst, escalation
):
    client.force_login(analyst)
    html = client.get(reverse("cases:escalation-detail", args=[escalation.pk])).content.decode()
    assert 'class="button button--primary" name="action" value="submit">Submit for review<' in html
    assert 'class="button button--secondary" name="action" value="withdraw">Withdraw<' in html
    assert html.index("moves__forward") < html.index("moves__side")
    _moved(escalation, (analyst, "submit"))
    client.force_login(senior_analyst)
    html = client.get(reverse("cases:escalation-detail", args=[escalation.pk])).content.decode()
    assert ">Mark as reviewed<" in html and ">Return to the drafter<" in html


def test_each_move_says_what_happened_in_one_sentence(client, analyst, escalation):
    client.force_login(analyst)
    response = client.post(
        reverse("cases:escalation-move", args=[escalation.pk]),
        {"action": "submit", "version": escalation.version},
        follow=True,
    )
    assert f"{escalation.reference} is submitted for review." in response.content.decode()
    history = response.content.decode().split('id="history-heading"')[1]
    assert "Submitted for review" in history and ">submit<" not in history


def test_the_desk_page_names_the_situation_and_links_each_briefing(
    client, analyst, special_adviser, sg_office, escalation
):
    _moved(escalation, (special_adviser, "urgent"))
    client.force_login(sg_office)
    html = client.get(reverse("cases:desk")).content.decode()
    assert "Central Sahel" in html
    assert reverse("cases:briefing", args=[escalation.pk]) in html
    assert reverse("cases:referral-list") in html


def test_the_list_marks_the_rows_that_wait_on_the_viewer(
    client, analyst, senior_analyst, escalation
):
    client.force_login(analyst)
    html = client.get(reverse("cases:escalation-list")).content.decode()
    assert "Central Sahel" in html and "Your turn" in html  # Amina's own draft
    _moved(escalation, (analyst, "submit"))
    html = client.get(reverse("cases:escalation-list")).content.decode()
    assert "Your turn" not in html and "A senior analyst" in html
    client.force_login(senior_analyst)
    html = client.get(reverse("cases:escalation-list")).content.decode()
    assert "Your turn" in html and "1 waits on you." in html


def test_the_list_makes_the_same_queries_for_one_row_or_many(
    client, analyst, senior_analyst, special_adviser, escalation
):
    client.force_login(senior_analyst)
    url = reverse("cases:escalation-list")
    client.get(url)  # permissions cached, session loaded
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(3):
        other = services.situation_create(
            created_by=analyst,
            title=f"Other {n}",
            countries=["NER"],
            classification=Classification.CONFIDENTIAL,
        )
        services.situation_member_add(situation=other, user=senior_analyst, actor=analyst)
        assessment = assessment_services.assessment_start(situation=other, actor=analyst)
        assessment_services.assessment_submit(assessment=assessment, actor=analyst)
        assessment_services.assessment_approve(assessment=assessment, actor=senior_analyst)
        _moved(
            escalations.escalation_create(situation=other, actor=analyst, summary="More"),
            (analyst, "submit"),
        )
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count("Your turn") == 3
    assert len(many) == len(one)


# --- Editing the draft -----------------------------------------------------------------------


@pytest.fixture
def option(situation, analyst):
    return ResponseOption.objects.create(
        situation=situation,
        instrument=Instrument.objects.order_by("position").first(),
        rationale="Preventive diplomacy with community leaders.",
        lead_actor="Special Adviser",
        feasibility="high",
        proposed_by=analyst,
    )


def test_amina_edits_her_draft_from_its_page(client, analyst, escalation, option):
    client.force_login(analyst)
    page = client.get(reverse("cases:escalation-detail", args=[escalation.pk])).content.decode()
    url = reverse("cases:escalation-edit", args=[escalation.pk])
    assert url in page
    form = client.get(url)
    assert form.status_code == 200 and PLANTED in form.content.decode()
    response = client.post(
        url,
        {
            "summary": "The vote is in two weeks",
            "response_options": [str(option.pk)],
            "routing-0-body": "hrc",
            "routing-0-rationale": "A special session",
            "version": escalation.version,
        },
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.summary == "The vote is in two weeks"
    assert list(escalation.response_options.all()) == [option]
    assert escalation.recommended_routing == [
        {
            "body": "hrc",
            "regional_arrangement": "",
            "other_body": "",
            "legal_basis": "General Assembly resolution 60/251",
            "rationale": "A special session",
        }
    ]
    assert escalation.version == 2


def test_a_bad_edit_keeps_the_draft_and_says_why_beside_the_fields(client, analyst, escalation):
    client.force_login(analyst)
    response = client.post(
        reverse("cases:escalation-edit", args=[escalation.pk]),
        {
            "summary": "",
            "routing-0-body": "sc",
            "routing-0-rationale": "Why",
            "routing-1-body": "regional",
            "routing-1-rationale": "Why",
            "version": escalation.version,
        },
    )
    assert response.status_code == 400
    assert "summary" in response.context["form"].errors
    assert "regional_arrangement" in response.context["rows"][1].errors
    html = response.content.decode()
    # The rows that were filled stay open; the error is tied to its field.
    assert 'id="id_routing-1-regional_arrangement_error"' in html
    escalation.refresh_from_db()
    assert escalation.summary == PLANTED and escalation.version == 1


def test_an_edit_from_a_stale_page_is_refused_with_409(client, analyst, escalation):
    client.force_login(analyst)
    url = reverse("cases:escalation-edit", args=[escalation.pk])
    first = client.post(url, {"summary": "First", "version": escalation.version})
    assert first.status_code == 302
    stale = client.post(url, {"summary": "Second", "version": escalation.version})
    assert stale.status_code == 409
    assert "changed since you opened it" in stale.content.decode()
    escalation.refresh_from_db()
    assert escalation.summary == "First"


def test_only_the_team_edits_and_only_a_draft(client, analyst, special_adviser, escalation):
    url = reverse("cases:escalation-edit", args=[escalation.pk])
    # Another analyst, not on the situation's team, does not see it at all.
    client.force_login(UserFactory(username="emeka", role="analyst"))
    assert client.get(url).status_code == 404
    assert client.post(url, {"summary": "x"}).status_code == 404
    # Chen is on the team and sees it, but his role does not draft: 403, and no edit link.
    client.force_login(special_adviser)
    page = client.get(reverse("cases:escalation-detail", args=[escalation.pk])).content.decode()
    assert url not in page
    assert client.get(url).status_code == 403
    assert client.post(url, {"summary": "x", "version": 1}).status_code == 403
    # Once submitted, the draft is no longer edited, even by Amina.
    _moved(escalation, (analyst, "submit"))
    client.force_login(analyst)
    page = client.get(reverse("cases:escalation-detail", args=[escalation.pk])).content.decode()
    assert url not in page
    assert client.get(url).status_code == 409
    escalation.refresh_from_db()
    assert escalation.summary == PLANTED


# --- Dissents --------------------------------------------------------------------------------


def test_bruno_attaches_a_dissent_that_the_page_lists(client, analyst, senior_analyst, escalation):
    _moved(escalation, (analyst, "submit"))
    client.force_login(senior_analyst)
    page = reverse("cases:escalation-detail", args=[escalation.pk])
    assert (
        reverse("cases:escalation-dissent", args=[escalation.pk])
        in client.get(page).content.decode()
    )
    url = reverse("cases:escalation-dissent", args=[escalation.pk])
    empty = client.post(url, {"text": "  "})
    assert empty.status_code == 400
    assert "text" in empty.context["dissent_form"].errors
    response = client.post(url, {"text": "The sources are too thin for very high."})
    assert response.status_code == 302
    dissent = Dissent.objects.get()
    assert (dissent.author, dissent.escalation) == (senior_analyst, escalation)
    client.force_login(analyst)
    html = client.get(page).content.decode()
    assert "The sources are too thin for very high." in html and "Bruno Okafor" in html
    # Amina reads it but, not a reviewer, is offered no dissent form.
    assert url not in html


def test_an_analyst_may_not_dissent(client, analyst, escalation):
    client.force_login(analyst)
    response = client.post(
        reverse("cases:escalation-dissent", args=[escalation.pk]), {"text": "I disagree"}
    )
    assert response.status_code == 403
    assert "Only reviewers attach dissenting views." in response.content.decode()
    assert not Dissent.objects.exists()


def test_no_dissent_after_endorsement(client, analyst, senior_analyst, special_adviser, escalation):
    _moved(
        escalation, (analyst, "submit"), (senior_analyst, "review"), (special_adviser, "endorse")
    )
    client.force_login(senior_analyst)
    page = client.get(reverse("cases:escalation-detail", args=[escalation.pk])).content.decode()
    url = reverse("cases:escalation-dissent", args=[escalation.pk])
    assert url not in page
    response = client.post(url, {"text": "Too late?"})
    assert response.status_code == 409
    assert "is frozen: attach dissents before endorsement." in response.content.decode()
    assert not Dissent.objects.exists()


# --- The shared form fields ------------------------------------------------------------------


def test_hidden_fields_carry_no_label_and_help_is_tied_to_its_field(
    client, special_adviser, sg_office, escalation
):
    _moved(escalation, (special_adviser, "urgent"))
    client.force_login(sg_office)
    html = client.get(reverse("cases:escalation-decide", args=[escalation.pk])).content.decode()
    assert 'type="hidden" name="version"' in html
    assert 'for="id_version"' not in html and ">Version<" not in html
    assert 'aria-describedby="id_rationale_help"' in html and 'id="id_rationale_help"' in html
    # The outcome is a group of radios named by its legend; one routing row shows, the others
    # open under "Add another body" without JavaScript.
    assert "<legend>Outcome</legend>" in html
    assert html.count("<details") == 1 and "Add another body" in html
    assert html.index("Routing 1") < html.index("<details") < html.index("Routing 2")
