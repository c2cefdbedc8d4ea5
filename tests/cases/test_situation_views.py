"""The situation pages: list, open, edit, the situation page with its chart, and its team."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Category, Situation, SituationMember
from r2p.models import AuditEvent, Classification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(db):
    """Another analyst, not on any team yet."""
    return UserFactory(
        username="ines",
        first_name="Ines",
        last_name="Moreau",
        role="analyst",
        clearance=Classification.CONFIDENTIAL,
    )


def page_of(response) -> str:
    return response.content.decode()


def field_error(page: str, field: str) -> str:
    """The words shown beside one field (empty when the field has no error)."""
    match = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', page)
    return match.group(1) if match else ""


def marking(page: str) -> str:
    return re.search(r'<div class="marking marking--[a-z-]+"[^>]*>([A-Z ]+)</div>', page).group(1)


def situation_urls(situation: Situation) -> list[str]:
    return [
        reverse("cases:situation-list"),
        reverse("cases:situation-create"),
        reverse("cases:situation-detail", args=[situation.pk]),
        reverse("cases:situation-edit", args=[situation.pk]),
    ]


# --- Who gets in ------------------------------------------------------------------------------


def test_an_analyst_reaches_every_situation_page(client, analyst, situation):
    client.force_login(analyst)
    for url in situation_urls(situation):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("person", ["liaison", "auditor", "outsider", "partner"])
def test_people_outside_the_joint_office_get_404_on_every_situation_page(
    client, person, request, situation
):
    client.force_login(request.getfixturevalue(person))
    team_events = AuditEvent.objects.filter(action__startswith="situation.team").count()
    for url in situation_urls(situation):
        response = client.get(url)
        assert response.status_code == 404, url
        assert situation.title not in page_of(response)
    posts = [
        reverse("cases:situation-team-add", args=[situation.pk]),
        reverse("cases:situation-team-remove", args=[situation.pk, situation.lead_analyst_id]),
    ]
    for url in posts:
        assert client.post(url, {"user": situation.lead_analyst_id}).status_code == 404
    assert AuditEvent.objects.filter(action__startswith="situation.team").count() == team_events


def test_anonymous_visitors_are_sent_to_log_in(client, situation):
    for url in situation_urls(situation):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_special_adviser_reads_situations_but_gets_404_on_opening_one(
    client, special_adviser, situation
):
    client.force_login(special_adviser)
    assert client.get(reverse("cases:situation-list")).status_code == 200
    assert client.get(reverse("cases:situation-create")).status_code == 404
    assert "Open a situation" not in page_of(client.get(reverse("cases:situation-list")))


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_reference_title_country_names_lead_and_signal_count(
    client, analyst, situation, make_signal
):
    for _ in range(3):
        services.signal_link(signal=make_signal(), situation=situation, actor=analyst)
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:situation-list")))
    assert situation.reference in page and "Central Sahel" in page
    assert "Mali, Burkina Faso" in page
    assert "Amina Diallo" in page
    assert '<td class="num">3</td>' in page
    assert "1 situation," in page
    assert marking(page) == "CONFIDENTIAL"


def test_the_list_filters_by_region_country_status_and_my_team(
    client, analyst, colleague, situation
):
    services.situation_create(
        created_by=colleague, title="Myanmar: Rakhine", countries=["MMR"], status="dormant"
    )
    services.situation_create(
        created_by=colleague,
        title="Sahel watch",
        countries=["NER"],
        classification=Classification.PUBLIC,
    )
    client.force_login(analyst)
    url = reverse("cases:situation-list")

    def titles(**params) -> set[str]:
        page = page_of(client.get(url, params))
        return {t for t in ("Central Sahel", "Myanmar: Rakhine", "Sahel watch") if t in page}

    # Amina is on no team of Ines's confidential situation, so she does not see it at all.
    assert titles() == {"Central Sahel", "Sahel watch"}
    assert titles(region="Sub-Saharan Africa") == {"Central Sahel", "Sahel watch"}
    assert titles(country="NER") == {"Sahel watch"}
    assert titles(status="active") == {"Central Sahel", "Sahel watch"}
    assert titles(team="on") == {"Central Sahel"}
    assert titles(country="NER", team="on") == set()
    page = page_of(client.get(url, {"country": "NER", "team": "on"}))
    assert "No situation matches these filters" in page


def test_a_bad_filter_value_is_named_and_the_other_filters_still_apply(client, analyst, situation):
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:situation-list"), {"status": "lost", "team": "on"}))
    assert "Select a valid choice" in page
    assert "Central Sahel" in page


def test_the_empty_list_says_how_to_open_a_situation(client, analyst):
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:situation-list")))
    assert "No situation is being monitored yet" in page
    assert f'href="{reverse("cases:situation-create")}"' in page
    assert marking(page) == "PUBLIC"


def test_the_list_query_count_does_not_grow_with_situations(
    client, analyst, django_assert_max_num_queries
):
    client.force_login(analyst)
    url = reverse("cases:situation-list")
    services.situation_create(created_by=analyst, title="First", countries=["SDN"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(12):
        services.situation_create(created_by=analyst, title=f"Situation {n}", countries=["TCD"])
    with django_assert_max_num_queries(len(few)):
        assert "Situation 11" in page_of(client.get(url))


# --- Open and edit ----------------------------------------------------------------------------


def test_an_analyst_opens_a_situation_through_the_form(client, analyst, colleague):
    client.force_login(analyst)
    response = client.post(
        reverse("cases:situation-create"),
        {
            "title": "Sudan: Darfur",
            "countries": "sdn, TCD",
            "subnational_areas": "North Darfur\nWest Darfur\n",
            "summary": "Renewed attacks on Masalit communities.",
            "status": "active",
            "classification": "1",
            "lead_analyst": colleague.pk,
        },
    )
    situation = Situation.objects.get(title="Sudan: Darfur")
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:situation-detail", args=[situation.pk])
    assert situation.countries == ["SDN", "TCD"]
    assert situation.regions == ["Africa"]
    assert situation.subnational_areas == ["North Darfur", "West Darfur"]
    assert situation.lead_analyst == colleague
    assert situation.classification == Classification.CONFIDENTIAL
    assert set(situation.members.values_list("user__username", flat=True)) == {"amina", "ines"}
    assert AuditEvent.objects.filter(action="situation.create", object_id=str(situation.pk))
    page = page_of(client.get(response["Location"]))
    assert "is open" in page and "Northern Africa" in page


@pytest.mark.parametrize(
    ("countries", "problem"),
    [
        ("XYZ", "XYZ is not a known ISO 3166-1 alpha-3 country code."),
        ("Sudan", "is not an ISO 3166-1 alpha-3 code"),
        ("", "Name at least one country"),
    ],
)
def test_a_bad_country_is_named_beside_the_field_and_nothing_is_saved(
    client, analyst, countries, problem
):
    client.force_login(analyst)
    response = client.post(
        reverse("cases:situation-create"),
        {"title": "Somewhere", "countries": countries, "status": "active", "classification": "1"},
    )
    assert response.status_code == 400
    page = page_of(response)
    assert problem in field_error(page, "countries")
    assert 'value="Somewhere"' in page  # the input is kept
    assert not Situation.objects.exists()


def test_the_classification_offered_stops_at_the_persons_clearance(client, analyst):
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:situation-create")))
    assert ">CONFIDENTIAL</option>" in page
    assert ">STRICTLY CONFIDENTIAL</option>" not in page
    response = client.post(
        reverse("cases:situation-create"),
        {"title": "Too high", "countries": "SDN", "status": "active", "classification": "2"},
    )
    assert response.status_code == 400
    assert "You are cleared up to CONFIDENTIAL" in field_error(page_of(response), "classification")
    assert not Situation.objects.exists()


def edit_form(situation: Situation, **changes) -> dict:
    form = {
        "title": situation.title,
        "countries": ", ".join(situation.countries),
        "subnational_areas": "",
        "summary": situation.summary,
        "status": situation.status,
        "classification": str(situation.classification),
        "lead_analyst": situation.lead_analyst_id,
        "version": situation.version,
    }
    form.update(changes)
    return form


def test_an_edit_is_saved_with_a_new_version_and_audited(client, analyst, situation):
    client.force_login(analyst)
    url = reverse("cases:situation-edit", args=[situation.pk])
    assert f'name="version" value="{situation.version}"' in page_of(client.get(url))
    response = client.post(url, edit_form(situation, status="dormant", countries="MLI"))
    assert response.status_code == 302
    situation.refresh_from_db()
    assert situation.status == "dormant" and situation.countries == ["MLI"]
    assert situation.version == 2
    event = AuditEvent.objects.get(action="situation.change", object_id=str(situation.pk))
    assert {"countries", "status"} <= set(event.summary["changed"])


def test_closing_a_situation_records_when_and_a_later_edit_keeps_that_date(
    client, analyst, situation
):
    assert situation.closed_at is None
    client.force_login(analyst)
    url = reverse("cases:situation-edit", args=[situation.pk])
    assert client.post(url, edit_form(situation, status="closed")).status_code == 302
    situation.refresh_from_db()
    closed_at = situation.closed_at
    assert situation.status == "closed" and closed_at is not None
    page = page_of(client.get(reverse("cases:situation-detail", args=[situation.pk])))
    assert f'status--closed">Closed since <time datetime="{closed_at.isoformat()}"' in page

    # Amina corrects the summary weeks later: the situation was still closed on that date.
    services.situation_update(
        situation=situation, actor=analyst, expected_version=None, summary="Corrected."
    )
    situation.refresh_from_db()
    assert situation.closed_at == closed_at and situation.updated_at > closed_at

    # Reopened, it is monitored again and has no closing date.
    services.situation_update(
        situation=situation, actor=analyst, expected_version=None, status="active"
    )
    situation.refresh_from_db()
    assert situation.closed_at is None
    opened_closed = services.situation_create(
        created_by=analyst, title="Archived", countries=["NER"], status="closed"
    )
    assert opened_closed.closed_at is not None


def test_a_stale_save_says_someone_else_saved_first_and_keeps_the_input(client, analyst, situation):
    form = edit_form(situation, title="Central Sahel and Liptako-Gourma")
    services.situation_update(
        situation=situation, actor=analyst, expected_version=1, summary="Saved by a colleague."
    )
    client.force_login(analyst)
    url = reverse("cases:situation-edit", args=[situation.pk])
    response = client.post(url, form)
    assert response.status_code == 409
    page = page_of(response)
    assert "Someone else saved this situation first" in page
    assert 'value="Central Sahel and Liptako-Gourma"' in page
    assert "Saved by a colleague." in page  # the version saved meanwhile, to compare
    situation.refresh_from_db()
    assert situation.title == "Central Sahel" and situation.version == 2
    # The form now carries the current version: saving again is a deliberate replacement.
    assert 'name="version" value="2"' in page
    assert client.post(url, {**form, "version": 2}).status_code == 302
    situation.refresh_from_db()
    assert situation.title == "Central Sahel and Liptako-Gourma"


def test_someone_off_the_team_gets_404_on_the_edit_page(client, colleague, situation):
    situation.classification = Classification.PUBLIC
    situation.save()
    client.force_login(colleague)
    assert client.get(reverse("cases:situation-detail", args=[situation.pk])).status_code == 200
    url = reverse("cases:situation-edit", args=[situation.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, edit_form(situation, title="Hijacked")).status_code == 404
    situation.refresh_from_db()
    assert situation.title == "Central Sahel"


# --- The situation page -----------------------------------------------------------------------


def test_the_situation_page_shows_its_title_block_team_chart_and_latest_signals(
    client, analyst, situation, make_signal, source
):
    monday = date.today() - timedelta(days=date.today().weekday())
    first = make_signal(
        headline="Village burned near Djibo",
        country="BFA",
        occurred_on=monday - timedelta(weeks=2),
        category=Category.VIOLENCE_AGAINST_CIVILIANS,
        fatalities_best=12,
        credibility=3,
    )
    second = make_signal(
        headline="Clashes at Tessit",
        occurred_on=monday - timedelta(weeks=1),
        category=Category.ARMED_CLASH,
        fatalities_best=5,
    )
    for signal in (first, second):
        services.signal_link(signal=signal, situation=situation, actor=analyst)
    client.force_login(analyst)
    response = client.get(reverse("cases:situation-detail", args=[situation.pk]))
    page = page_of(response)
    assert situation.reference in page and "Central Sahel" in page
    assert "Mali" in page and "Burkina Faso" in page and "Western Africa" in page
    assert "Amina Diallo" in page and "lead analyst" in page
    assert "<dt>Fatalities reported</dt><dd>17</dd>" in page
    assert "Village burned near Djibo" in page and "Clashes at Tessit" in page
    assert 'title="Source B: Usually reliable. Information 3: Possibly true."' in page
    assert source.pseudonym in page
    assert "Field officer in Gao" not in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in page
    assert page.count('class="chart__bar"') == 2
    assert marking(page) == "CONFIDENTIAL"


def test_the_page_is_marked_for_the_highest_signal_shown_and_its_reading_audited(
    client, senior_analyst, make_signal
):
    from guardian.shortcuts import assign_perm

    situation = services.situation_create(
        created_by=senior_analyst,
        title="Public watch",
        countries=["MLI"],
        classification=Classification.PUBLIC,
    )
    secret = make_signal(actor=senior_analyst, classification=Classification.STRICTLY_CONFIDENTIAL)
    assign_perm("cases.view_signal", senior_analyst, secret)
    services.signal_link(signal=secret, situation=situation, actor=senior_analyst)
    client.force_login(senior_analyst)
    page = page_of(client.get(reverse("cases:situation-detail", args=[situation.pk])))
    assert marking(page) == "STRICTLY CONFIDENTIAL"
    event = AuditEvent.objects.get(action="situation.read", object_id=str(situation.pk))
    assert event.summary == {"strictly_confidential_signals": [secret.pk]}


def test_the_situation_page_query_count_does_not_grow_with_its_signals(
    client, analyst, situation, make_signal, other_source
):
    url = reverse("cases:situation-detail", args=[situation.pk])
    services.signal_link(signal=make_signal(), situation=situation, actor=analyst)
    client.force_login(analyst)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    categories = list(Category.values)
    for n in range(30):
        signal = make_signal(
            headline=f"Report {n}",
            occurred_on=date.today() - timedelta(days=5 * n),
            category=categories[n % len(categories)],
            fatalities_best=n,
            classification=Classification.CONFIDENTIAL if n % 3 else Classification.PUBLIC,
            **({"source": other_source} if n % 2 else {}),
        )
        services.signal_link(signal=signal, situation=situation, actor=analyst)
    with CaptureQueriesContext(connection) as many:
        page = page_of(client.get(url))
    assert "Report 0" in page
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- The team ---------------------------------------------------------------------------------


def test_adding_a_colleague_to_the_team_is_audited_and_lets_her_see_its_confidential_signals(
    client, analyst, colleague, situation, make_signal
):
    signal = make_signal(classification=Classification.CONFIDENTIAL)
    services.signal_link(signal=signal, situation=situation, actor=analyst)  # now triaged
    detail = reverse("cases:situation-detail", args=[situation.pk])
    signal_page = reverse("cases:signal-detail", args=[signal.pk])

    client.force_login(colleague)
    assert client.get(detail).status_code == 404
    assert client.get(signal_page).status_code == 404

    client.force_login(analyst)
    page = page_of(client.get(detail))
    assert "Ines Moreau (ines, cleared CONFIDENTIAL)" in page
    response = client.post(
        reverse("cases:situation-team-add", args=[situation.pk]), {"user": colleague.pk}
    )
    assert response.status_code == 302
    assert SituationMember.objects.filter(situation=situation, user=colleague).exists()
    event = AuditEvent.objects.get(action="situation.team_add", summary__member="ines")
    assert event.actor == analyst and event.object_id == str(situation.pk)

    client.force_login(colleague)
    assert client.get(detail).status_code == 200
    assert "Armed men attack a weekly market" in page_of(client.get(signal_page))


def test_removing_a_colleague_is_audited_and_ends_her_need_to_know(
    client, analyst, colleague, situation, make_signal
):
    services.situation_member_add(situation=situation, user=colleague, actor=analyst)
    client.force_login(analyst)
    response = client.post(
        reverse("cases:situation-team-remove", args=[situation.pk, colleague.pk])
    )
    assert response.status_code == 302
    assert not SituationMember.objects.filter(situation=situation, user=colleague).exists()
    assert AuditEvent.objects.filter(action="situation.team_remove", summary__member="ines")
    client.force_login(colleague)
    assert client.get(reverse("cases:situation-detail", args=[situation.pk])).status_code == 404


def test_the_lead_analyst_cannot_be_removed_and_the_page_says_why(client, analyst, situation):
    client.force_login(analyst)
    response = client.post(
        reverse("cases:situation-team-remove", args=[situation.pk, analyst.pk]), follow=True
    )
    assert "The lead analyst stays on the team" in page_of(response)
    assert SituationMember.objects.filter(situation=situation, user=analyst).exists()


def test_adding_someone_not_cleared_shows_why_beside_the_field(client, senior_analyst):
    situation = services.situation_create(
        created_by=senior_analyst,
        title="Closely held",
        countries=["SDN"],
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    low = UserFactory(username="lou", role="analyst", clearance=Classification.CONFIDENTIAL)
    client.force_login(senior_analyst)
    page = page_of(client.get(reverse("cases:situation-detail", args=[situation.pk])))
    assert "(lou," not in page  # only cleared colleagues are offered
    response = client.post(
        reverse("cases:situation-team-add", args=[situation.pk]), {"user": low.pk}
    )
    assert response.status_code == 400
    assert "Choose a colleague from the list." in field_error(page_of(response), "user")
    assert not SituationMember.objects.filter(user=low).exists()


def test_team_forms_appear_only_for_those_who_may_manage_the_team(
    client, colleague, situation, special_adviser
):
    situation.classification = Classification.PUBLIC
    situation.save()
    for person in (colleague, special_adviser):
        client.force_login(person)
        page = page_of(client.get(reverse("cases:situation-detail", args=[situation.pk])))
        assert "Add to the team" not in page and ">Remove<" not in page
        response = client.post(
            reverse("cases:situation-team-add", args=[situation.pk]), {"user": person.pk}
        )
        assert response.status_code == 404
    assert not SituationMember.objects.filter(user__in=[colleague, special_adviser]).exists()
