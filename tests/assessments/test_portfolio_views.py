"""The portfolio page: the heat map of situations by month, the map of countries by their
highest current risk with a legend in the same words, its filters, its marking, and who may
open it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import selectors, services
from assessments.worldmap import LEVEL_WORDS, NO_ASSESSMENT_WORD
from cases import services as cases_services
from r2p.models import Classification
from tests.assessments.conftest import judge

pytestmark = pytest.mark.django_db

URL = "/portfolio/"


@pytest.fixture
def myanmar(analyst):
    """A PUBLIC situation in Asia, led by Amina."""
    return cases_services.situation_create(
        created_by=analyst,
        title="Rakhine State",
        countries=["MMR"],
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


def marking(page: str) -> str:
    return re.search(r'<div class="marking marking--[a-z-]+"[^>]*>([A-Z ]+)</div>', page).group(1)


def svg(page: str, css_class: str) -> str:
    match = re.search(rf'<svg[^>]* class="{css_class}".*?</svg>', page, re.S)
    assert match, f"no <svg class={css_class}> on the page"
    return match.group(0)


def legend_words(markup: str, group: str) -> list[str]:
    legend = re.search(rf'<g class="{group}".*?</g>', markup, re.S).group(0)
    return re.findall(r"<text[^>]*>([^<]+)</text>", legend)


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', page)
    return match.group(1) if match else ""


def test_the_portfolio_is_reachable_from_the_top_bar(client, analyst):
    client.force_login(analyst)
    page = page_of(client.get(reverse("home")))
    assert f'href="{URL}"' in page and reverse("assessments:trigger-list") in page
    assert reverse("assessments:portfolio") == URL


@pytest.mark.parametrize("person", ["outsider", "liaison", "auditor"])
def test_oscar_elena_and_farid_find_no_portfolio(client, person, request, situation):
    client.force_login(request.getfixturevalue(person))
    response = client.get(URL)
    assert response.status_code == 404
    assert situation.title not in page_of(response)


def test_the_heat_map_and_the_map_show_the_situations_levels_in_words_and_colour(
    client, analyst, senior_analyst, situation, myanmar
):
    approve(situation, analyst, senior_analyst, high=(11,))
    client.force_login(analyst)
    response = client.get(URL)
    page = page_of(response)
    assert response.status_code == 200

    heatmap = svg(page, "chart heatmap")
    detail = reverse("cases:situation-detail", args=[situation.pk])
    assert f'href="{detail}"' in heatmap
    assert f"{situation.reference}, " in heatmap and ": High</title>" in heatmap
    assert "Rakhine State" in heatmap

    world = svg(page, "worldmap")
    mali = re.search(
        r'<a class="worldmap__link" href="([^"]+)"[^>]*data-country="MLI"'
        r' data-level="(\w+)"',
        world,
    )
    assert mali.groups() == ("/situations/?country=MLI", "3")
    assert 'aria-label="Mali: high risk (1 situation)"' in world
    assert 'data-country="MMR" data-level="none"' in world
    assert "Myanmar: no approved assessment (1 situation)" in world

    # The same words in the figures of "now" and in the table under the map.
    now = re.search(r'aria-labelledby="now-heading">(.*?)</section>', page, re.S).group(1)
    figures = dict(re.findall(r'<span class="risk risk--\w+">([^<]+)</span></dt><dd>(\d+)', now))
    assert figures == {
        "Very high": "0",
        "High": "1",
        "Moderate": "0",
        "Low": "0",
        "No approved assessment": "1",
    }
    assert '<a href="/situations/?country=BFA">Burkina Faso</a>' in page


def test_the_heat_map_and_the_map_speak_the_same_words_in_their_legends(
    client, analyst, senior_analyst, situation
):
    approve(situation, analyst, senior_analyst)
    client.force_login(analyst)
    page = page_of(client.get(URL))
    scale = [LEVEL_WORDS[level] for level in sorted(LEVEL_WORDS)] + [NO_ASSESSMENT_WORD]
    heat = legend_words(svg(page, "chart heatmap"), "heatmap__legend")
    world = legend_words(svg(page, "worldmap"), "worldmap__legend")
    assert [w for w in heat if w in scale] == scale
    assert [w for w in world if w in scale] == scale
    assert scale == ["Low", "Moderate", "High", "Very high", "No approved assessment"]


def test_the_heat_map_follows_the_level_month_by_month(client, analyst, senior_analyst, situation):
    from datetime import timedelta

    from django.utils import timezone

    from assessments.models import Assessment

    first = approve(situation, analyst, senior_analyst)
    two_months_ago = timezone.now() - timedelta(days=62)
    Assessment.objects.filter(pk=first.pk).update(approved_at=two_months_ago)
    approve(situation, analyst, senior_analyst, high=(10,))
    client.force_login(analyst)
    page = page_of(client.get(URL, {"months": 6}))
    table = re.search(
        r'<table class="table table--compact table--sticky heatmap-table">(.*?)'
        r"</table>",
        page,
        re.S,
    ).group(1)
    row = re.search(
        rf"{situation.reference}</span> Central Sahel</a></th>(.*?)</tr>", table, re.S
    ).group(1)
    cells = re.findall(r'<span class="risk risk--\w+">([^<]+)</span>', row)
    assert len(cells) == 6
    assert cells[-1] == "High"
    assert cells[0] == "—"
    assert "Low" in cells


def test_the_marking_is_the_highest_of_the_situations_shown(
    client, analyst, senior_analyst, situation, myanmar
):
    client.force_login(senior_analyst)
    assert marking(page_of(client.get(URL))) == "CONFIDENTIAL"
    assert marking(page_of(client.get(URL, {"region": "Asia"}))) == "PUBLIC"
    assert marking(page_of(client.get(URL, {"region": "Africa"}))) == "CONFIDENTIAL"


def test_an_m49_region_keeps_only_its_situations_and_countries(client, analyst, situation, myanmar):
    client.force_login(analyst)
    page = page_of(client.get(URL, {"region": "Western Africa"}))
    assert "Central Sahel" in svg(page, "chart heatmap")
    assert "Rakhine" not in page
    assert '<option value="12" selected>Last 12 months</option>' in page
    world = svg(page, "worldmap")
    assert 'data-country="MLI"' in world and 'data-country="MMR"' not in world
    empty = page_of(client.get(URL, {"region": "South America"}))
    assert "No situation you may see lies in South America." in empty


def test_bad_filters_are_refused_with_their_messages_and_the_defaults_shown(
    client, analyst, situation
):
    client.force_login(analyst)
    response = client.get(URL, {"months": "7", "region": "Atlantis"})
    assert response.status_code == 400
    page = page_of(response)
    assert field_error(page, "months") == "Choose 6, 12 or 24 months."
    assert field_error(page, "region") == "Choose a UN M49 region or sub-region from the list."
    assert "last 12 months" in page and "Central Sahel" in page


def test_ines_off_the_team_does_not_see_a_confidential_situation_on_the_portfolio(
    client, situation, myanmar
):
    from tests.factories import UserFactory

    ines = UserFactory(username="ines", role="analyst", clearance=Classification.CONFIDENTIAL)
    client.force_login(ines)
    page = page_of(client.get(URL))
    assert "Central Sahel" not in page and 'data-country="MLI"' not in page
    assert "Rakhine State" in page
    assert marking(page) == "PUBLIC"


def test_chen_reads_the_portfolio(client, special_adviser, myanmar):
    client.force_login(special_adviser)
    response = client.get(URL)
    assert response.status_code == 200 and "Rakhine State" in page_of(response)


def test_the_portfolio_query_count_does_not_grow_with_situations(
    client, analyst, senior_analyst, situation
):
    approve(situation, analyst, senior_analyst, high=(1,))
    client.force_login(analyst)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n, country in enumerate(["SDN", "SSD", "COD", "CAF", "ETH"]):
        other = cases_services.situation_create(
            created_by=analyst,
            title=f"Situation {n}",
            countries=[country],
            classification=Classification.PUBLIC,
        )
        approve(other, analyst, senior_analyst, high=(n + 9,))
    with CaptureQueriesContext(connection) as many:
        page = page_of(client.get(URL))
    assert "Situation 4" in page
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
