"""The risk panels of a situation's page: the current level with its trend and per crime, the
trend chart, the triggers of the next 90 days with the team's form, the response options; and
a page whose number of queries does not grow with them."""

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

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_situation(analyst):
    """A PUBLIC situation led by Amina: every staff member sees it, only her team writes."""
    return cases_services.situation_create(
        created_by=analyst,
        title="Lake Chad basin",
        countries=["TCD", "NER"],
        classification=Classification.PUBLIC,
    )


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
    """The markup of the panel labelled by `heading_id`."""
    start = page.index(f'aria-labelledby="{heading_id}"')
    return page[start : page.index("</section>", start)]


def marking(page: str) -> str:
    return re.search(r'<div class="marking marking--[a-z-]+"[^>]*>([A-Z ]+)</div>', page).group(1)


def test_before_any_approval_the_risk_is_not_assessed_and_amina_is_told_what_to_do(
    client, analyst, situation
):
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:situation-detail", args=[situation.pk])))
    risk = panel(page, "risk-heading")
    assert '<span class="risk risk--none">Not assessed</span>' in risk
    assert "No assessment of this situation is approved yet" in risk
    assert reverse("assessments:situation-assessments", args=[situation.pk]) in risk
    assert "<svg" not in risk


def test_the_risk_panel_shows_the_latest_approved_level_rising_and_each_crime(
    client, analyst, senior_analyst, situation
):
    approve(situation, analyst, senior_analyst)
    approve(situation, analyst, senior_analyst, high=(11,))
    services.assessment_start(situation=situation, actor=analyst)  # a draft does not count
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:situation-detail", args=[situation.pk])))
    risk = panel(page, "risk-heading")
    overall = re.search(r'class="risk-now__overall">(.*?)</p>', risk, re.S).group(1)
    assert '<span class="risk risk--3">High</span>' in overall
    assert "rising" in overall and "trend--rising" in overall
    assert "Version 2, approved" in risk
    crimes = dict(
        re.findall(
            r'<th scope="row">([^<]+)</th><td><span class="risk risk--\d">([^<]+)</span>', risk
        )
    )
    assert crimes == {
        "Genocide": "Low",
        "Crimes against humanity": "High",
        "War crimes": "Low",
    }
    assert 'class="chart' in risk and "<svg" in risk
    assert reverse("assessments:situation-assessments", args=[situation.pk]) in risk
    assert reverse("assessments:situation-options", args=[situation.pk]) in risk


def test_the_trigger_panel_lists_the_next_90_days_and_offers_amina_the_form(
    client, analyst, situation
):
    today = timezone.localdate()
    for days, title in [(5, "Verdict in the Ogossagou trial"), (120, "Census, next year")]:
        services.trigger_create(
            situation=situation,
            actor=analyst,
            data={"kind": "trial", "title": title, "occurs_on": today + timedelta(days=days)},
        )
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:situation-detail", args=[situation.pk])))
    triggers = panel(page, "triggers-heading")
    assert "Verdict in the Ogossagou trial" in triggers
    assert "Census, next year" not in triggers
    assert (today + timedelta(days=5)).strftime("%-d %b %Y") in triggers
    assert reverse("assessments:situation-trigger-add", args=[situation.pk]) in page
    assert 'name="occurs_on"' in page and 'name="remind_days_before"' in page


def test_chen_reads_the_panels_without_the_teams_forms(
    client, special_adviser, analyst, open_situation
):
    services.trigger_create(
        situation=open_situation,
        actor=analyst,
        data={
            "kind": "commemoration",
            "title": "Commemoration of Baga",
            "occurs_on": timezone.localdate() + timedelta(days=9),
        },
    )
    client.force_login(special_adviser)
    page = page_of(client.get(reverse("cases:situation-detail", args=[open_situation.pk])))
    assert "Commemoration of Baga" in panel(page, "triggers-heading")
    assert reverse("assessments:situation-trigger-add", args=[open_situation.pk]) not in page
    assert "The situation's team records elections" not in page  # there is one trigger
    assert "The situation's team proposes them." in panel(page, "options-heading")


def test_the_options_panel_lists_instrument_pillar_status_and_lead_actor(
    client, analyst, situation
):
    option = services.option_propose(
        situation=situation,
        actor=analyst,
        data={
            "instrument": "sc-briefing",
            "rationale": "The Council has not heard of the Menaka killings.",
            "lead_actor": "Special Adviser on the Prevention of Genocide",
            "feasibility": "high",
        },
    )
    services.option_transition(option=option, actor=analyst, to="recommended")
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:situation-detail", args=[situation.pk])))
    options = panel(page, "options-heading")
    assert reverse("assessments:option-detail", args=[option.pk]) in options
    assert "Security Council briefing" in options and "Pillar III" in options
    assert "Recommended" in options
    assert "Special Adviser on the Prevention of Genocide" in options


def test_people_without_assessments_see_the_situation_page_without_the_panels(
    client, analyst, open_situation, auditor
):
    """Only roles that read assessments get the panels; the page stays as it was otherwise."""
    from django.contrib.auth.models import Permission

    client.force_login(analyst)
    assert "risk-heading" in page_of(
        client.get(reverse("cases:situation-detail", args=[open_situation.pk]))
    )
    analyst.user_permissions.set([])
    analyst.groups.first().permissions.remove(
        Permission.objects.get(codename="view_assessment", content_type__app_label="assessments")
    )
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:situation-detail", args=[open_situation.pk])))
    assert "risk-heading" not in page and "Linked signals" in page


def test_the_page_is_marked_for_the_approved_versions_it_shows(
    client, analyst, senior_analyst, open_situation
):
    approve(open_situation, analyst, senior_analyst, high=(13,))
    client.force_login(senior_analyst)
    url = reverse("cases:situation-detail", args=[open_situation.pk])
    assert marking(page_of(client.get(url))) == "PUBLIC"
    # A version marked above the situation (as an analyst may when the evidence is sensitive).
    from assessments.models import Assessment

    Assessment.objects.filter(situation=open_situation).update(
        classification=Classification.CONFIDENTIAL
    )
    assert marking(page_of(client.get(url))) == "CONFIDENTIAL"


def test_the_situation_page_query_count_does_not_grow_with_versions_triggers_or_options(
    client, analyst, senior_analyst, situation
):
    url = reverse("cases:situation-detail", args=[situation.pk])
    approve(situation, analyst, senior_analyst)
    client.force_login(analyst)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(3):
        approve(situation, analyst, senior_analyst, high=(n + 9,))
    today = timezone.localdate()
    for n in range(8):
        services.trigger_create(
            situation=situation,
            actor=analyst,
            data={"kind": "other", "title": f"Event {n}", "occurs_on": today + timedelta(days=n)},
        )
        services.option_propose(
            situation=situation,
            actor=analyst,
            data={
                "instrument": "good-offices",
                "rationale": f"Reason {n}",
                "lead_actor": f"Envoy {n}",
                "factors": [1, 2, 3],
                "feasibility": "medium",
            },
        )
    with CaptureQueriesContext(connection) as many:
        page = page_of(client.get(url))
    assert "Event 7" in page and "Envoy 7" in page and "Version 4, approved" in page
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
