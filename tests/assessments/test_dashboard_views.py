"""The analyst's home page: my situations with their risk and trend, assessments waiting for
my review, open challenges on my situations, triggers of the next 90 days, evidence flags; the
empty states; what stays for every role; and a fixed number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from cases import services as cases_services
from r2p.models import Classification
from tests.assessments.conftest import judge
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME = "/"


def approve(situation, author, reviewer, *, high: tuple[int, ...] = ()):
    """A new version with the factors `high` judged high, its evidence flags acknowledged,
    approved."""
    assessment = services.assessment_start(situation=situation, actor=author)
    for number in high:
        judge(assessment, author, number, "high")
    for judgment in assessment.judgments.all():
        if selectors.judgment_flags(judgment):
            services.flags_acknowledge(judgment=judgment, actor=author, note="Reports pending")
    services.assessment_submit(assessment=assessment, actor=author)
    return services.assessment_approve(assessment=assessment, actor=reviewer)


def page_of(response) -> str:
    return response.content.decode()


def panel(page: str, heading_id: str) -> str:
    start = page.index(f'aria-labelledby="{heading_id}"')
    return page[start : page.index("</section>", start)]


def marking(page: str) -> str:
    return re.search(r'<div class="marking marking--[a-z-]+"[^>]*>([A-Z ]+)</div>', page).group(1)


@pytest.fixture
def busy_sahel(situation, analyst, senior_analyst, make_signal):
    """Central Sahel with two approved versions (low, then high), an open third version with an
    unflagged and a flagged factor, an open challenge and an election in three weeks."""
    approve(situation, analyst, senior_analyst)
    approve(situation, analyst, senior_analyst, high=(11,))
    draft = services.assessment_start(situation=situation, actor=analyst)
    judge(draft, analyst, 7, "high")  # no evidence: flagged
    challenge = services.challenge_raise(
        actor=senior_analyst,
        reasoning="The Menaka killings were banditry, not a campaign.",
        judgment=draft.judgments.get(factor__number=11),
    )
    services.trigger_create(
        situation=situation,
        actor=analyst,
        data={
            "kind": "election",
            "title": "Presidential election, first round",
            "occurs_on": timezone.localdate() + timedelta(days=21),
        },
    )
    return situation, draft, challenge


def test_amina_sees_her_situations_risk_and_trend_the_flags_the_challenges_and_triggers(
    client, analyst, busy_sahel
):
    situation, draft, challenge = busy_sahel
    client.force_login(analyst)
    page = page_of(client.get(HOME))

    mine = panel(page, "mine-heading")
    row = re.search(rf"{situation.reference}</span> Central Sahel</a></td>(.*?)</tr>", mine, re.S)
    assert '<span class="risk risk--3">High</span>' in row.group(1)
    assert "trend--rising" in row.group(1) and "rising" in row.group(1)

    flags = panel(page, "flags-heading")
    assert reverse("assessments:assessment-detail", args=[draft.pk]) in flags
    assert f"{situation.reference}</span> version 3" in flags
    # Factor 7, and factor 11 copied from version 2 (an acknowledgement is per version).
    assert '<td class="num">2</td>' in flags

    challenges = panel(page, "challenges-heading")
    assert reverse("assessments:challenge-detail", args=[challenge.pk]) in challenges
    assert "The Menaka killings were banditry" in challenges
    assert f'factor 11 of <span class="mono">{situation.reference}</span>' in challenges

    triggers = panel(page, "triggers-heading")
    assert "Election: Presidential election, first round" in triggers
    assert reverse("assessments:trigger-list") + "?days=90&amp;mine=on" in triggers

    assert "review-heading" not in page  # Amina is no reviewer
    assert marking(page) == "CONFIDENTIAL"
    # What the home page showed before stays: the role, the sections, the activity.
    assert "Your role" in page and "What you can use" in page and "Your recent activity" in page


def test_bruno_sees_what_waits_for_his_review_but_never_his_own(
    client, analyst, senior_analyst, situation
):
    draft = services.assessment_start(situation=situation, actor=analyst)
    services.assessment_submit(assessment=draft, actor=analyst)
    client.force_login(senior_analyst)
    review = panel(page_of(client.get(HOME)), "review-heading")
    assert reverse("assessments:assessment-detail", args=[draft.pk]) in review
    assert f"{situation.reference}</span> version 1" in review and "Amina Diallo" in review

    other = cases_services.situation_create(
        created_by=senior_analyst,
        title="Kivu",
        countries=["COD"],
        classification=Classification.CONFIDENTIAL,
    )
    own = services.assessment_start(situation=other, actor=senior_analyst)
    services.assessment_submit(assessment=own, actor=senior_analyst)
    review = panel(page_of(client.get(HOME)), "review-heading")
    assert reverse("assessments:assessment-detail", args=[own.pk]) not in review


def test_bruno_with_nothing_to_review_is_told_what_will_appear(client, senior_analyst):
    client.force_login(senior_analyst)
    review = panel(page_of(client.get(HOME)), "review-heading")
    assert "Nothing is waiting for your review." in review


def test_a_new_analyst_sees_empty_states_that_say_what_to_do_next(client):
    ines = UserFactory(
        username="ines", first_name="Ines", role="analyst", clearance=Classification.CONFIDENTIAL
    )
    client.force_login(ines)
    page = page_of(client.get(HOME))
    assert "You lead no situation and are on no team yet." in page
    assert reverse("cases:situation-create") in panel(page, "mine-heading")
    assert "No open challenge on your situations." in page
    assert "No election, trial, commemoration or other trigger" in page
    assert "No open assessment of your situations has an unresolved evidence flag." in page
    assert marking(page) == "PUBLIC"


def test_a_situation_not_assessed_yet_says_so(client, analyst, situation):
    client.force_login(analyst)
    mine = panel(page_of(client.get(HOME)), "mine-heading")
    assert '<span class="risk risk--none">Not assessed</span>' in mine


@pytest.mark.parametrize("person", ["liaison", "outsider", "auditor"])
def test_people_without_assessments_keep_the_home_page_they_had(client, person, request):
    client.force_login(request.getfixturevalue(person))
    response = client.get(HOME)
    page = page_of(response)
    assert response.status_code == 200
    assert "mine-heading" not in page and "My situations" not in page
    assert "Your role" in page and "Your recent activity" in page
    assert marking(page) == "PUBLIC"


def test_the_dashboard_query_count_does_not_grow_with_situations(
    client, analyst, senior_analyst, busy_sahel, make_signal
):
    client.force_login(analyst)
    client.get(HOME)
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    for n in range(4):
        other = cases_services.situation_create(
            created_by=analyst,
            title=f"Situation {n}",
            countries=["NER"],
            classification=Classification.CONFIDENTIAL,
        )
        approve(other, analyst, senior_analyst, high=(n + 1,))
        draft = services.assessment_start(situation=other, actor=analyst)
        judge(draft, analyst, 12, "high")
        services.trigger_create(
            situation=other,
            actor=analyst,
            data={
                "kind": "trial",
                "title": f"Trial {n}",
                "occurs_on": timezone.localdate() + timedelta(days=n + 1),
            },
        )
        services.challenge_raise(
            actor=senior_analyst,
            reasoning=f"Doubt {n}",
            judgment=draft.judgments.get(factor__number=12),
        )
    with CaptureQueriesContext(connection) as many:
        page = page_of(client.get(HOME))
    assert "Situation 3" in page and "Trial 3" in page and "Doubt 3" in page
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
