"""The situations API: opening, listing, editing with If-Match, the team, and linking signals."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from cases.models import MonitoringStatus, SignalSituationLink, SignalStatus, Situation
from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db

LIST = reverse("api-situations")


def detail(pk: int) -> str:
    return reverse("api-situation", args=[pk])


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_analyst(api, analyst):
    api.force_authenticate(analyst)
    return api


@pytest.fixture
def theirs(senior_analyst):
    """A confidential situation of Bruno's team, which Amina is not on."""
    return services.situation_create(
        created_by=senior_analyst,
        title="Rakhine State",
        countries=["MMR"],
        classification=Classification.CONFIDENTIAL,
    )


# --- Opening and reading ----------------------------------------------------------------------


def test_an_analyst_opens_a_situation_and_is_on_its_team(as_analyst, analyst, senior_analyst):
    response = as_analyst.post(
        LIST,
        {
            "title": "Eastern Chad",
            "countries": ["tcd", "SDN"],
            "subnational_areas": ["Ouaddaï"],
            "summary": "Cross-border attacks on refugee camps.",
            "lead_analyst": "bruno",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    situation = Situation.objects.get()
    body = response.json()
    assert response["ETag"] == f'"situation-{situation.pk}-v1"'
    assert body["reference"] == situation.reference and body["countries"] == ["TCD", "SDN"]
    assert body["regions"] == ["Africa"] and "Middle Africa" in body["subregions"]
    assert body["lead_analyst"] == "bruno" and body["classification"] == "CONFIDENTIAL"
    assert {m["username"] for m in body["team"]} == {"amina", "bruno"}
    assert situation.lead_analyst == senior_analyst
    assert AuditEvent.objects.filter(action="situation.create").exists()


def test_a_situation_with_bad_fields_gets_every_field_error_and_is_not_saved(as_analyst):
    response = as_analyst.post(
        LIST,
        {"title": "", "countries": ["XYZ"], "classification": "STRICTLY_CONFIDENTIAL"},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["countries"] == ["XYZ is not a known ISO 3166-1 alpha-3 country code."]
    # Amina is cleared CONFIDENTIAL: she can neither file nor lead a strictly confidential one.
    assert set(fields) == {"title", "countries", "classification", "lead_analyst"}
    unknown_lead = as_analyst.post(
        LIST, {"title": "Sahel", "countries": ["MLI"], "lead_analyst": "nobody"}, format="json"
    )
    assert unknown_lead.json()["error"]["fields"] == {
        "lead_analyst": ["No active user is called 'nobody'."]
    }
    assert not Situation.objects.exists()


@pytest.mark.parametrize("person", ["special_adviser", "partner", "liaison", "outsider"])
def test_people_without_the_permission_cannot_open_situations(api, person, request):
    api.force_authenticate(request.getfixturevalue(person))
    response = api.post(LIST, {"title": "Sahel", "countries": ["MLI"]}, format="json")
    assert response.status_code == 403
    assert not Situation.objects.exists()


def test_the_situation_list_filters_by_region_country_status_and_team(
    as_analyst, analyst, senior_analyst, situation
):
    public_other = services.situation_create(
        created_by=senior_analyst,
        title="Tigray",
        countries=["ETH"],
        classification=Classification.PUBLIC,
        status=MonitoringStatus.DORMANT,
    )
    services.situation_create(
        created_by=senior_analyst,
        title="Hidden",
        countries=["MLI"],
        classification=Classification.CONFIDENTIAL,
    )

    def refs(**params):
        response = as_analyst.get(LIST, params)
        assert response.status_code == 200, response.json()
        return {row["reference"] for row in response.json()["results"]}

    assert refs() == {situation.reference, public_other.reference}
    assert refs(region="Western Africa") == {situation.reference}
    assert refs(region="Africa") == {situation.reference, public_other.reference}
    assert refs(country="eth") == {public_other.reference}
    assert refs(status="dormant") == {public_other.reference}
    assert refs(team="mine") == {situation.reference}
    assert as_analyst.get(LIST, {"country": "QQQ"}).status_code == 400
    assert as_analyst.get(LIST, {"team": "everyone"}).status_code == 400


def test_the_situation_list_costs_the_same_queries_for_5_or_40_rows(
    as_analyst, analyst, django_assert_max_num_queries
):
    for n in range(40):
        services.situation_create(created_by=analyst, title=f"Situation {n}", countries=["MLI"])
    as_analyst.get(LIST, {"page_size": 1})
    with django_assert_max_num_queries(4) as small:
        assert len(as_analyst.get(LIST, {"page_size": 5}).json()["results"]) == 5
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(as_analyst.get(LIST, {"page_size": 40}).json()["results"]) == 40


@pytest.mark.parametrize("person", ["partner", "liaison", "auditor", "outsider"])
def test_people_who_are_not_staff_get_403_on_the_list_and_404_on_a_situation(
    api, person, request, situation
):
    api.force_authenticate(request.getfixturevalue(person))
    listing = api.get(LIST)
    assert listing.status_code == 403 and situation.reference not in listing.content.decode()
    assert api.get(detail(situation.pk)).status_code == 404


def test_a_confidential_situation_of_another_team_is_404(as_analyst, theirs):
    response = as_analyst.get(detail(theirs.pk))
    assert response.status_code == 404
    assert "Rakhine" not in response.content.decode()


# --- Changing ---------------------------------------------------------------------------------


def test_changing_a_situation_needs_if_match_and_a_current_etag(as_analyst, situation):
    url = detail(situation.pk)
    missing = as_analyst.patch(url, {"status": "dormant"}, format="json")
    assert missing.status_code == 428
    etag = as_analyst.get(url)["ETag"]
    saved = as_analyst.patch(url, {"status": "dormant"}, format="json", HTTP_IF_MATCH=etag)
    assert saved.status_code == 200, saved.json()
    assert saved["ETag"] == f'"situation-{situation.pk}-v2"'
    assert saved.json()["status"] == "dormant"
    stale = as_analyst.patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    situation.refresh_from_db()
    assert situation.status == MonitoringStatus.DORMANT and situation.title == "Central Sahel"
    assert situation.version == 2


def test_a_bad_change_is_a_field_error_and_changes_nothing(as_analyst, situation):
    url = detail(situation.pk)
    etag = as_analyst.get(url)["ETag"]
    response = as_analyst.patch(url, {"countries": []}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["countries"]
    situation.refresh_from_db()
    assert situation.countries == ["MLI", "BFA"] and situation.version == 1


def test_staff_who_see_a_situation_but_do_not_manage_it_get_403(
    api, special_adviser, senior_analyst
):
    public = services.situation_create(
        created_by=senior_analyst,
        title="Great Lakes",
        countries=["COD"],
        classification=Classification.PUBLIC,
    )
    api.force_authenticate(special_adviser)
    assert api.get(detail(public.pk)).status_code == 200
    response = api.patch(
        detail(public.pk),
        {"title": "x"},
        format="json",
        HTTP_IF_MATCH=f'"situation-{public.pk}-v1"',
    )
    assert response.status_code == 403
    public.refresh_from_db()
    assert public.title == "Great Lakes"


def test_an_outsider_cannot_change_a_situation(api, outsider, situation):
    api.force_authenticate(outsider)
    response = api.patch(
        detail(situation.pk),
        {"title": "x"},
        format="json",
        HTTP_IF_MATCH=f'"situation-{situation.pk}-v1"',
    )
    assert response.status_code == 404


# --- The team ---------------------------------------------------------------------------------


def test_the_lead_adds_and_removes_a_team_member_and_both_are_audited(
    as_analyst, situation, senior_analyst
):
    team_url = reverse("api-situation-team", args=[situation.pk])
    added = as_analyst.post(team_url, {"username": "bruno"}, format="json")
    assert added.status_code == 201, added.json()
    assert "bruno" in {m["username"] for m in added.json()["team"]}
    assert situation.members.filter(user=senior_analyst).exists()
    assert senior_analyst.has_perm("cases.view_situation", situation)

    again = as_analyst.post(team_url, {"username": "bruno"}, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["fields"] == {"username": ["bruno is already on the team."]}

    removed = as_analyst.delete(reverse("api-situation-team-member", args=[situation.pk, "bruno"]))
    assert removed.status_code == 204
    assert not situation.members.filter(user=senior_analyst).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"situation.team_add", "situation.team_remove"} <= actions


def test_team_changes_refuse_non_staff_and_the_lead_stays(as_analyst, situation, liaison):
    team_url = reverse("api-situation-team", args=[situation.pk])
    response = as_analyst.post(team_url, {"username": "elena"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"username": ["elena is not joint-office staff."]}
    lead = as_analyst.delete(reverse("api-situation-team-member", args=[situation.pk, "amina"]))
    assert lead.status_code == 400
    nobody = as_analyst.delete(reverse("api-situation-team-member", args=[situation.pk, "zed"]))
    assert nobody.status_code == 400
    assert not situation.members.filter(user=liaison).exists()


def test_the_team_of_an_invisible_situation_is_404_and_of_an_unmanaged_one_403(
    api, analyst, outsider, special_adviser, theirs
):
    for person, code in ((analyst, 404), (outsider, 404)):
        api.force_authenticate(person)
        url = reverse("api-situation-team", args=[theirs.pk])
        assert api.post(url, {"username": "amina"}, format="json").status_code == code
    assert not theirs.members.filter(user=analyst).exists()
    api.force_authenticate(special_adviser)  # cleared STRICTLY, yet not on the team
    url = reverse("api-situation-team", args=[theirs.pk])
    assert api.post(url, {"username": "chen"}, format="json").status_code == 404


# --- Linking signals --------------------------------------------------------------------------


def test_an_analyst_links_a_signal_to_her_situation_and_it_is_triaged(
    as_analyst, situation, make_signal
):
    signal = make_signal()
    url = reverse("api-situation-signals", args=[situation.pk])
    response = as_analyst.post(url, {"signal": signal.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["situation"] == situation.reference
    assert response.json()["signal_status"] == "triaged"
    link = SignalSituationLink.objects.get()
    assert (link.signal, link.situation, link.linked_by.username) == (signal, situation, "amina")
    signal.refresh_from_db()
    assert signal.status == SignalStatus.TRIAGED
    again = as_analyst.post(url, {"signal": signal.pk}, format="json")
    assert again.status_code == 400
    shown = as_analyst.get(reverse("api-signal", args=[signal.pk])).json()
    assert [s["reference"] for s in shown["situations"]] == [situation.reference]


def test_linking_to_an_invisible_situation_or_an_invisible_signal_answers_404(
    as_analyst, situation, theirs, make_signal, senior_analyst, source
):
    from datetime import date

    signal = make_signal()
    hidden_signal = services.signal_create(
        actor=senior_analyst,
        data={
            "headline": "Named informant list",
            "occurred_on": date.today(),
            "country": "MMR",
            "category": "other",
            "source": source,
            "credibility": 2,
            "classification": Classification.STRICTLY_CONFIDENTIAL,
        },
    )
    assert (
        as_analyst.post(
            reverse("api-situation-signals", args=[theirs.pk]), {"signal": signal.pk}
        ).status_code
        == 404
    )
    assert (
        as_analyst.post(
            reverse("api-situation-signals", args=[situation.pk]), {"signal": hidden_signal.pk}
        ).status_code
        == 404
    )
    assert not SignalSituationLink.objects.exists()


def test_linking_is_refused_to_staff_who_cannot_triage_and_to_outsiders(
    api, special_adviser, outsider, senior_analyst, make_signal
):
    public = services.situation_create(
        created_by=senior_analyst, title="Great Lakes", countries=["COD"], classification=0
    )
    signal = make_signal()
    url = reverse("api-situation-signals", args=[public.pk])
    api.force_authenticate(special_adviser)
    assert api.post(url, {"signal": signal.pk}).status_code == 403
    api.force_authenticate(outsider)
    assert api.post(url, {"signal": signal.pk}).status_code == 404
    assert not SignalSituationLink.objects.exists()
