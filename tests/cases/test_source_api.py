"""The sources API: pseudonyms and grades for everyone, the identity only for its handlers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from cases.models import Source, SourceIdentity, SourceReliabilityChange
from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db

LIST = reverse("api-sources")

# Unmistakable, so that finding any of these anywhere is proof of a leak.
IDENTITY = {
    "name": "Zephyrine Quillfeather-Okonkwo",
    "organisation": "Quillfeather Lantern Trust",
    "contact": "+000 5550 1234 ask for Zephyrine",
    "handling_notes": "Meets only at the Xanadu-Eleven safe house",
}


def detail(pk: int) -> str:
    return reverse("api-source", args=[pk])


def assert_no_identity(response) -> None:
    text = response.content.decode()
    for value in IDENTITY.values():
        assert value not in text, f"{value!r} leaked into {response.request['PATH_INFO']}"
    assert "Zephyrine" not in text and "Quillfeather" not in text


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def protected(senior_analyst):
    """A source registered by Bruno: he may see who it is, nobody else may."""
    return services.source_create(
        created_by=senior_analyst,
        source_type="civil_society",
        reliability="B",
        classification=Classification.CONFIDENTIAL,
        **IDENTITY,
    )


def test_the_sources_list_shows_pseudonym_type_grade_and_signal_count(
    api, analyst, source, other_source, make_signal
):
    make_signal()
    make_signal()
    api.force_authenticate(analyst)
    response = api.get(LIST)
    assert response.status_code == 200
    rows = {row["pseudonym"]: row for row in response.json()["results"]}
    assert rows[source.pseudonym]["signal_count"] == 2
    assert rows[source.pseudonym]["reliability"] == "B"
    assert rows[source.pseudonym]["classification"] == "CONFIDENTIAL"
    assert rows[other_source.pseudonym]["source_type"] == "media"
    assert set(rows[source.pseudonym]) == {
        "id",
        "pseudonym",
        "source_type",
        "reliability",
        "classification",
        "signal_count",
        "created_at",
    }
    assert [r["pseudonym"] for r in api.get(LIST, {"reliability": "C"}).json()["results"]] == [
        other_source.pseudonym
    ]
    assert api.get(LIST, {"source_type": "gossip"}).status_code == 400


def test_a_partner_lists_only_the_sources_it_may_use(api, analyst, partner, source, other_source):
    services.source_use_grant(source=other_source, partner=partner, granted_by=analyst)
    api.force_authenticate(partner)
    response = api.get(LIST)
    assert [r["pseudonym"] for r in response.json()["results"]] == [other_source.pseudonym]
    assert api.get(detail(source.pk)).status_code == 404
    assert api.get(detail(other_source.pk)).json()["identity"] is None


@pytest.mark.parametrize("person", ["liaison", "auditor", "outsider"])
def test_people_with_no_intake_role_get_403_on_the_sources_list_and_404_on_a_source(
    api, person, request, source
):
    api.force_authenticate(request.getfixturevalue(person))
    listing = api.get(LIST)
    assert listing.status_code == 403 and source.pseudonym not in listing.content.decode()
    assert api.get(detail(source.pk)).status_code == 404


def test_the_sources_list_costs_the_same_queries_for_5_or_50_rows(
    api, analyst, django_assert_max_num_queries
):
    for n in range(50):
        services.source_create(
            created_by=analyst, source_type="media", reliability="C", name=f"Outlet {n}"
        )
    api.force_authenticate(analyst)
    api.get(LIST, {"page_size": 1})
    with django_assert_max_num_queries(3) as small:
        assert len(api.get(LIST, {"page_size": 5}).json()["results"]) == 5
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get(LIST, {"page_size": 50}).json()["results"]) == 50


def test_an_analyst_registers_a_source_and_the_answer_never_echoes_its_identity(api, analyst):
    api.force_authenticate(analyst)
    response = api.post(
        LIST, {"source_type": "media", "reliability": "c", **IDENTITY}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert_no_identity(response)
    source = Source.objects.get()
    assert response.json()["pseudonym"] == source.pseudonym
    assert response.json()["classification"] == "CONFIDENTIAL"
    assert source.reliability == "C" and source.created_by == analyst
    assert SourceIdentity.objects.get(source=source).name == IDENTITY["name"]
    event = AuditEvent.objects.get(action="source.create")
    assert "Zephyrine" not in str(event.summary)


def test_a_source_with_bad_fields_gets_field_errors_and_nothing_is_saved(api, analyst):
    api.force_authenticate(analyst)
    response = api.post(
        LIST,
        {"source_type": "rumour", "reliability": "Z", "name": "", "classification": "SECRET"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "source_type",
        "reliability",
        "name",
        "classification",
    }
    above = api.post(
        LIST,
        {"source_type": "media", "reliability": "C", "name": "x", "classification": 2},
        format="json",
    )
    assert above.status_code == 400
    assert list(above.json()["error"]["fields"]) == ["classification"]
    assert not Source.objects.exists()


@pytest.mark.parametrize("person", ["special_adviser", "partner", "liaison", "outsider"])
def test_people_without_the_permission_cannot_register_sources(api, person, request):
    api.force_authenticate(request.getfixturevalue(person))
    response = api.post(
        LIST, {"source_type": "media", "reliability": "C", **IDENTITY}, format="json"
    )
    assert response.status_code == 403
    assert_no_identity(response)
    assert not Source.objects.exists()


def test_the_creator_sees_the_identity_in_the_detail_and_the_read_is_audited(
    api, senior_analyst, protected
):
    api.force_authenticate(senior_analyst)
    response = api.get(detail(protected.pk))
    assert response.status_code == 200
    assert response.json()["identity"] == IDENTITY
    assert response.json()["grade_history"][0]["reason"] == "Registered"
    read = AuditEvent.objects.get(action="source.identity_read")
    assert read.actor == senior_analyst and read.object_id == str(protected.pk)
    for event in AuditEvent.objects.all():
        assert "Zephyrine" not in str(event.summary)


def test_the_identity_appears_in_no_api_answer_to_someone_without_the_permission(
    api, analyst, partner, senior_analyst, protected, situation
):
    """A crawl of every intake endpoint as Amina, who may use the source but not know it."""
    services.source_use_grant(source=protected, partner=partner, granted_by=senior_analyst)
    row = {
        "headline": "Armed group recruits children near Bunia",
        "occurred_on": (date.today() - timedelta(days=2)).isoformat(),
        "country": "COD",
        "category": "armed_mobilisation",
        "source": protected.pseudonym,
        "credibility": 3,
        "classification": "PUBLIC",
    }
    answers = []
    api.force_authenticate(analyst)
    created = api.post(reverse("api-signals"), row, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    etag = created["ETag"]
    answers += [
        created,
        api.post(reverse("api-signals-bulk"), {"signals": [row, row]}, format="json"),
        api.post(
            reverse("api-signals-bulk"), {"signals": [{**row, "latitude": 99}]}, format="json"
        ),
        api.get(reverse("api-signals")),
        api.get(reverse("api-signals"), {"q": "Zephyrine"}),
        api.get(reverse("api-signal", args=[pk])),
        api.patch(reverse("api-signal", args=[pk]), {"fatalities_best": 2}, HTTP_IF_MATCH=etag),
        api.get(reverse("api-signal-duplicate-candidates", args=[pk])),
        api.post(reverse("api-situation-signals", args=[situation.pk]), {"signal": pk}),
        api.get(reverse("api-situation", args=[situation.pk])),
        api.get(reverse("api-situations")),
        api.get(LIST),
        api.get(detail(protected.pk)),
        api.post(reverse("api-source-regrade", args=[protected.pk]), {"reliability": "C"}),
        api.post(
            reverse("api-source-regrade", args=[protected.pk]),
            {"reliability": "C", "reason": "Two reports did not hold up"},
        ),
        api.post(reverse("api-signal-dismiss", args=[pk]), {"reason": "Test"}),
    ]
    api.force_authenticate(partner)
    answers += [
        api.get(LIST),
        api.get(detail(protected.pk)),
        api.post(reverse("api-signals"), row, format="json"),
        api.get(reverse("api-signals")),
    ]
    assert all(a.status_code < 500 for a in answers)
    assert {a.status_code for a in answers} >= {200, 201, 400}
    for answer in answers:
        assert_no_identity(answer)
    assert api.get(detail(protected.pk)).json()["identity"] is None
    assert not AuditEvent.objects.filter(action="source.identity_read").exists()


def test_an_analyst_regrades_a_source_and_the_history_keeps_who_and_why(api, analyst, source):
    api.force_authenticate(analyst)
    url = reverse("api-source-regrade", args=[source.pk])
    response = api.post(url, {"reliability": "D", "reason": "Two reports proved false"})
    assert response.status_code == 200
    body = response.json()
    assert body["reliability"] == "D"
    assert body["grade_history"][0] == {
        "previous": "B",
        "new": "D",
        "reason": "Two reports proved false",
        "changed_by": "amina",
        "changed_at": body["grade_history"][0]["changed_at"],
    }
    source.refresh_from_db()
    assert source.reliability == "D"
    assert SourceReliabilityChange.objects.filter(source=source).count() == 2


def test_a_regrade_without_a_reason_or_to_the_same_grade_is_a_field_error(api, analyst, source):
    api.force_authenticate(analyst)
    url = reverse("api-source-regrade", args=[source.pk])
    no_reason = api.post(url, {"reliability": "D", "reason": ""})
    assert no_reason.status_code == 400 and list(no_reason.json()["error"]["fields"]) == ["reason"]
    same = api.post(url, {"reliability": "B", "reason": "Still good"})
    assert same.status_code == 400 and list(same.json()["error"]["fields"]) == ["reliability"]
    source.refresh_from_db()
    assert source.reliability == "B"


def test_a_special_adviser_cannot_regrade_and_an_outsider_does_not_find_the_source(
    api, special_adviser, outsider, source
):
    url = reverse("api-source-regrade", args=[source.pk])
    api.force_authenticate(special_adviser)
    assert api.post(url, {"reliability": "E", "reason": "x"}).status_code == 403
    api.force_authenticate(outsider)
    assert api.post(url, {"reliability": "E", "reason": "x"}).status_code == 404
    source.refresh_from_db()
    assert source.reliability == "B"
