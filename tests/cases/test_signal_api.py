"""The signals API: filing one or many, listing by cursor, reading, editing, triage."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from cases.models import Category, DuplicateDecision, Origin, Signal, SignalStatus
from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db

LIST = reverse("api-signals")
BULK = reverse("api-signals-bulk")


def detail(pk: int) -> str:
    return reverse("api-signal", args=[pk])


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_analyst(api, analyst):
    api.force_authenticate(analyst)
    return api


def row(source_, **overrides) -> dict:
    """One signal as a partner system would send it."""
    data = {
        "headline": "Militia burns houses in a village near Geneina",
        "description": "Witnesses describe houses set alight at dawn.",
        "occurred_on": (date.today() - timedelta(days=3)).isoformat(),
        "country": "SDN",
        "latitude": 13.45,
        "longitude": 22.44,
        "category": "violence_against_civilians",
        "fatalities_best": 4,
        "source": source_.pseudonym,
        "credibility": 2,
        "classification": "PUBLIC",
    }
    data.update(overrides)
    return data


# --- Filing one -------------------------------------------------------------------------------


def test_an_analyst_files_one_signal_and_gets_it_back_with_its_etag(as_analyst, analyst, source):
    response = as_analyst.post(LIST, row(source, source=source.pseudonym.lower()), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    signal = Signal.objects.get()
    assert body["id"] == signal.pk
    assert response["ETag"] == f'"signal-{signal.pk}-v1"'
    assert signal.origin == Origin.API and signal.created_by == analyst
    assert signal.source == source and signal.occurred_on == date.today() - timedelta(days=3)
    assert body["source"] == {"pseudonym": source.pseudonym, "reliability": "B"}
    assert body["grade"] == "B2" and body["classification"] == "PUBLIC"
    assert body["status"] == "new" and body["situations"] == [] and body["corroboration"] == 1
    assert body["origin"] == "api" and body["version"] == 1


def test_a_signal_naming_an_unknown_source_gets_a_field_error_and_nothing_is_saved(
    as_analyst, source
):
    response = as_analyst.post(LIST, row(source, source="SRC-ZZZZ"), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "source": ["No source you may use is known as 'SRC-ZZZZ'."]
    }
    assert not Signal.objects.exists()


def test_every_problem_of_a_signal_is_reported_at_once_by_field(as_analyst, source):
    response = as_analyst.post(
        LIST,
        row(source, latitude=91, lat=3, occurred_on="yesterday", headline=["not", "text"]),
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["latitude"] == ["Latitude 91 is outside -90 to 90."]
    assert fields["lat"] == ["Unknown field; the API schema lists a signal's fields."]
    assert fields["occurred_on"] == ["Give the date of the event (YYYY-MM-DD)."]
    assert fields["headline"] == ["Send text."]
    assert not Signal.objects.exists()


def test_a_signal_body_that_is_not_an_object_is_a_clear_error(as_analyst):
    response = as_analyst.post(LIST, [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "non_field_errors": ["Send a signal as a JSON object of its fields."]
    }


@pytest.mark.parametrize("person", ["liaison", "auditor", "outsider", "special_adviser"])
def test_people_who_cannot_file_signals_get_403_and_nothing_is_saved(api, person, request, source):
    api.force_authenticate(request.getfixturevalue(person))
    response = api.post(LIST, row(source), format="json")
    assert response.status_code == 403
    assert not Signal.objects.exists()


def test_without_credentials_the_api_answers_401(api, source):
    assert api.post(LIST, row(source), format="json").status_code == 401
    assert api.get(LIST).status_code == 401


# --- Filing many ------------------------------------------------------------------------------


def test_a_bulk_request_files_every_row(as_analyst, source, other_source):
    rows = [row(source, headline=f"Report {n}", external_id=f"ext-{n}") for n in range(5)]
    rows.append(row(other_source, headline="Report from the wire"))
    response = as_analyst.post(BULK, {"signals": rows}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["count"] == 6
    assert sorted(body["ids"]) == sorted(Signal.objects.values_list("pk", flat=True))
    assert set(Signal.objects.values_list("origin", flat=True)) == {Origin.API}
    assert Signal.objects.get(headline="Report from the wire").source == other_source


def test_a_bulk_request_with_bad_rows_saves_nothing_and_names_each_row_and_field(
    as_analyst, source
):
    future = (date.today() + timedelta(days=30)).isoformat()
    rows = [
        row(source),
        row(source, occurred_on=future),
        row(source, latitude=91),
        row(source, fatalities_best=-3),
        row(source, country="XYZ"),
        row(source, source="SRC-NOPE"),
        row(source),
    ]
    response = as_analyst.post(BULK, {"signals": rows}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "Nothing was saved: some rows are not valid."
    assert error["fields"] == {
        "signals[1].occurred_on": [
            f"{date.fromisoformat(future):%d %b %Y} is in the future.",
        ],
        "signals[2].latitude": ["Latitude 91 is outside -90 to 90."],
        "signals[3].fatalities_best": ["Must be 0 or more; a count cannot be negative."],
        "signals[4].country": ["XYZ is not a known ISO 3166-1 alpha-3 country code."],
        "signals[5].source": ["No source you may use is known as 'SRC-NOPE'."],
    }
    assert not Signal.objects.exists()


def test_bulk_errors_found_by_the_service_use_the_same_row_keys(as_analyst, source, make_signal):
    make_signal(origin=Origin.API, external_id="seen-before")
    rows = [
        row(source, external_id="a"),
        row(source, external_id="a"),
        row(source, external_id="seen-before"),
        row(source, longitude=200),
    ]
    response = as_analyst.post(BULK, {"signals": rows}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "signals[1].external_id": ["Repeats the external id of row 0."],
        "signals[2].external_id": ["A signal with external id 'seen-before' exists."],
        "signals[3].longitude": ["Longitude 200 is outside -180 to 180."],
    }
    assert Signal.objects.count() == 1


def test_a_bulk_row_that_is_not_an_object_is_named_by_its_index(as_analyst, source):
    response = as_analyst.post(BULK, {"signals": [row(source), "oops"]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "signals[1]": ["Send a signal as a JSON object of its fields."]
    }


def test_a_bulk_request_over_the_limit_is_refused_whole(as_analyst, source):
    rows = [row(source, headline=f"Report {n}") for n in range(1001)]
    response = as_analyst.post(BULK, {"signals": rows}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "At most 1,000 signals per request; this one has 1,001." in error["message"]
    assert list(error["fields"]) == ["signals"]
    assert not Signal.objects.exists()


@pytest.mark.parametrize("body", [{}, {"signals": []}, {"signals": "many"}, []])
def test_a_bulk_request_without_a_list_of_signals_says_what_to_send(as_analyst, body):
    response = as_analyst.post(BULK, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "signals": ['Send {"signals": [...]} with 1 to 1,000 signals.']
    }


def test_a_bulk_request_costs_the_same_queries_for_5_or_100_rows(
    as_analyst, source, other_source, django_assert_max_num_queries
):
    def rows(n):
        return [row(source if i % 2 else other_source, headline=f"R{i}") for i in range(n)]

    with django_assert_max_num_queries(30) as small:
        assert as_analyst.post(BULK, {"signals": rows(5)}, format="json").status_code == 201
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert as_analyst.post(BULK, {"signals": rows(100)}, format="json").status_code == 201
    assert Signal.objects.count() == 105


def test_a_liaison_cannot_bulk_file(api, liaison, source):
    api.force_authenticate(liaison)
    assert api.post(BULK, {"signals": [row(source)]}, format="json").status_code == 403
    assert not Signal.objects.exists()


# --- Listing ----------------------------------------------------------------------------------


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["results"]]


def test_the_signal_list_applies_each_filter(
    as_analyst, analyst, source, other_source, situation, make_signal
):
    today = date.today()
    sudan = make_signal(
        headline="Shelling of a displacement camp",
        country="SDN",
        category=Category.ARMED_CLASH,
        occurred_on=today - timedelta(days=20),
    )
    mali = make_signal(headline="Market attack near Tessit", credibility=3)
    wire = make_signal(
        headline="Radio station urges violence against herders",
        source=other_source,
        category=Category.INCITEMENT,
        classification=Classification.CONFIDENTIAL,
    )
    dismissed = make_signal(headline="Rumour of troop movements", country="NER")
    services.signal_dismiss(signal=dismissed, actor=analyst, reason="Not credible")
    services.signal_link(signal=mali, situation=situation, actor=analyst)

    def query(**params):
        return set(ids(as_analyst.get(LIST, params)))

    assert query() == {sudan.pk, mali.pk, wire.pk, dismissed.pk}
    assert query(country="SDN") == {sudan.pk}
    assert query(region="Western Africa") == {mali.pk, wire.pk, dismissed.pk}
    assert query(category="incitement") == {wire.pk}
    assert query(source_type="media") == {wire.pk}
    assert query(reliability="C") == {wire.pk}
    assert query(credibility=3) == {mali.pk}
    assert query(classification="CONFIDENTIAL") == {wire.pk}
    assert query(status="dismissed") == {dismissed.pk}
    assert query(date_to=(today - timedelta(days=10)).isoformat()) == {sudan.pk}
    assert query(date_from=(today - timedelta(days=10)).isoformat()) == {
        mali.pk,
        wire.pk,
        dismissed.pk,
    }
    assert query(situation=situation.pk) == {mali.pk}
    assert query(q="herders violence") == {wire.pk}
    assert query(q="camp", country="SDN", category="armed_clash") == {sudan.pk}

    linked = next(i for i in as_analyst.get(LIST).json()["results"] if i["id"] == mali.pk)
    assert linked["status"] == "triaged"
    assert linked["situations"] == [
        {
            "reference": situation.reference,
            "linked_by": "amina",
            "linked_at": linked["situations"][0]["linked_at"],
        }
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": "QQQ"}, "country"),
        ({"region": "Atlantis"}, "region"),
        ({"category": "weather"}, "category"),
        ({"credibility": 9}, "credibility"),
        ({"classification": "SECRET"}, "classification"),
        ({"date_from": "soon"}, "date_from"),
        ({"date_from": "2026-01-10", "date_to": "2026-01-01"}, "date_to"),
        ({"sort": "relevance"}, "sort"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_a_bad_filter_is_a_field_error(as_analyst, params, field):
    response = as_analyst.get(LIST, params)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_the_signal_list_pages_by_cursor_without_skipping_or_repeating(as_analyst, make_signal):
    made = [make_signal(headline=f"Report {n}").pk for n in range(7)]
    first = as_analyst.get(LIST, {"page_size": 3}).json()
    assert [r["id"] for r in first["results"]] == made[::-1][:3]
    assert first["previous"] is None
    second = as_analyst.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == made[::-1][3:6]
    third = as_analyst.get(second["next"]).json()
    assert [r["id"] for r in third["results"]] == made[::-1][6:]
    assert third["next"] is None
    back = as_analyst.get(third["previous"]).json()
    assert [r["id"] for r in back["results"]] == made[::-1][3:6]
    back_again = as_analyst.get(back["previous"]).json()
    assert [r["id"] for r in back_again["results"]] == made[::-1][:3]
    assert back_again["previous"] is None


def test_sorting_by_event_date_pages_exactly_through_ties(as_analyst, make_signal):
    today = date.today()
    days = [5, 3, 3, 3, 9, 3, 1, 5]
    made = [make_signal(occurred_on=today - timedelta(days=d)) for d in days]
    expected = [s.pk for s in sorted(made, key=lambda s: (s.occurred_on, s.pk), reverse=True)]
    seen, url, params = [], LIST, {"sort": "occurred", "page_size": 3}
    while url:
        page = as_analyst.get(url, params).json()
        seen += [r["id"] for r in page["results"]]
        url, params = page["next"], None
    assert seen == expected
    oldest = as_analyst.get(LIST, {"sort": "oldest", "page_size": 3}).json()
    assert [r["id"] for r in oldest["results"]] == sorted(s.pk for s in made)[:3]
    walked_back = as_analyst.get(as_analyst.get(oldest["next"]).json()["previous"]).json()
    assert [r["id"] for r in walked_back["results"]] == sorted(s.pk for s in made)[:3]


def test_a_cursor_of_one_sort_is_refused_for_another(as_analyst, make_signal):
    for _ in range(3):
        make_signal()
    page = as_analyst.get(LIST, {"page_size": 1, "sort": "occurred"}).json()
    cursor = page["next"].split("cursor=")[1].split("&")[0]
    response = as_analyst.get(LIST, {"cursor": cursor, "sort": "newest"})
    assert response.status_code == 400 and "cursor" in response.json()["error"]["fields"]


def test_the_signal_list_costs_the_same_queries_for_5_or_50_rows(
    as_analyst, analyst, situation, other_source, make_signal, django_assert_max_num_queries
):
    made = [make_signal(headline=f"Report {n}") for n in range(60)]
    for signal in made[::3]:
        services.signal_link(signal=signal, situation=situation, actor=analyst)
    for first, second in zip(made[1::4], made[2::4], strict=False):
        services.duplicate_decide(
            signal=first,
            candidate=make_signal(source=other_source, occurred_on=second.occurred_on),
            same_event=True,
            actor=analyst,
        )
    as_analyst.get(LIST, {"page_size": 1})  # warm the permission cache of this user object
    # Grants (one query), the page, the links and the corroboration of the page, whatever its size.
    with django_assert_max_num_queries(5) as small:
        assert len(ids(as_analyst.get(LIST, {"page_size": 5}))) == 5
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = as_analyst.get(LIST, {"page_size": 50}).json()["results"]
    assert len(page) == 50
    assert any(item["situations"] for item in page)
    assert any(item["corroboration"] == 2 for item in page)


@pytest.mark.parametrize("person", ["liaison", "auditor", "outsider"])
def test_people_with_no_intake_role_get_403_on_the_signal_list(api, person, request, make_signal):
    make_signal()
    api.force_authenticate(request.getfixturevalue(person))
    response = api.get(LIST)
    assert response.status_code == 403
    assert "results" not in response.json()
    assert AuditEvent.objects.filter(action="access.denied").exists()


# --- Reading one ------------------------------------------------------------------------------


def test_an_analyst_reads_a_signal_with_its_etag(as_analyst, make_signal):
    signal = make_signal(external_id="MLI-1", origin=Origin.API)
    response = as_analyst.get(detail(signal.pk))
    assert response.status_code == 200
    assert response["ETag"] == f'"signal-{signal.pk}-v1"'
    body = response.json()
    assert body["headline"] == signal.headline and body["external_id"] == "MLI-1"
    assert body["occurred_on"] == signal.occurred_on.isoformat()


@pytest.mark.parametrize("person", ["liaison", "outsider", "auditor"])
def test_people_with_no_intake_role_get_404_on_a_signal(api, person, request, make_signal):
    signal = make_signal()
    api.force_authenticate(request.getfixturevalue(person))
    response = api.get(detail(signal.pk))
    assert response.status_code == 404
    assert signal.headline not in response.content.decode()
    assert api.get(detail(signal.pk + 1000)).status_code == 404


def test_a_confidential_signal_of_another_team_is_hidden_from_an_analyst_once_triaged(
    api, analyst, senior_analyst, source
):
    confidential = services.signal_create(
        actor=senior_analyst,
        data={
            "headline": "Lists of names drawn up at checkpoints",
            "occurred_on": date.today() - timedelta(days=1),
            "country": "MMR",
            "category": Category.INCITEMENT,
            "source": source,
            "credibility": 3,
            "classification": Classification.CONFIDENTIAL,
        },
    )
    api.force_authenticate(analyst)
    assert api.get(detail(confidential.pk)).status_code == 200  # untriaged, in the shared inbox
    theirs = services.situation_create(
        created_by=senior_analyst, title="Rakhine", countries=["MMR"], classification=1
    )
    services.signal_link(signal=confidential, situation=theirs, actor=senior_analyst)
    response = api.get(detail(confidential.pk))
    assert response.status_code == 404
    assert "checkpoints" not in response.content.decode()
    assert confidential.pk not in ids(api.get(LIST))


# --- Changing one -----------------------------------------------------------------------------


def test_a_change_without_if_match_is_refused_with_428(as_analyst, make_signal):
    signal = make_signal()
    response = as_analyst.patch(detail(signal.pk), {"headline": "Changed"}, format="json")
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"
    signal.refresh_from_db()
    assert signal.headline != "Changed" and signal.version == 1


def test_a_change_with_a_stale_etag_is_refused_with_412(as_analyst, make_signal):
    signal = make_signal()
    etag = as_analyst.get(detail(signal.pk))["ETag"]
    first = as_analyst.patch(
        detail(signal.pk), {"fatalities_best": 7}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200
    second = as_analyst.patch(
        detail(signal.pk), {"headline": "Late edit"}, format="json", HTTP_IF_MATCH=etag
    )
    assert second.status_code == 412
    assert second.json()["error"]["code"] == "precondition_failed"
    signal.refresh_from_db()
    assert signal.headline != "Late edit" and signal.fatalities_best == 7 and signal.version == 2


def test_an_etag_of_another_signal_does_not_pass(as_analyst, make_signal):
    one, other = make_signal(), make_signal()
    etag = as_analyst.get(detail(other.pk))["ETag"]
    response = as_analyst.patch(
        detail(one.pk), {"headline": "x"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412


def test_a_change_with_the_current_etag_is_saved_and_gets_a_new_etag(
    as_analyst, make_signal, other_source
):
    signal = make_signal()
    etag = as_analyst.get(detail(signal.pk))["ETag"]
    response = as_analyst.patch(
        detail(signal.pk),
        {"headline": "Market attack: toll rises", "source": other_source.pseudonym},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] == f'"signal-{signal.pk}-v2"'
    assert response.json()["grade"] == "C2"
    signal.refresh_from_db()
    assert signal.headline == "Market attack: toll rises" and signal.source == other_source
    assert AuditEvent.objects.filter(action="signal.change", object_id=str(signal.pk)).exists()


def test_a_bad_change_gets_field_errors_and_changes_nothing(as_analyst, make_signal):
    signal = make_signal()
    etag = as_analyst.get(detail(signal.pk))["ETag"]
    response = as_analyst.patch(
        detail(signal.pk),
        {"latitude": 91, "longitude": 3, "source": "SRC-NONE", "status": "dismissed"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["latitude"] == ["Latitude 91 is outside -90 to 90."]
    assert fields["source"] == ["No source you may use is known as 'SRC-NONE'."]
    assert fields["status"] == ["Unknown field; the API schema lists a signal's fields."]
    signal.refresh_from_db()
    assert signal.latitude is None and signal.version == 1


def test_outsiders_cannot_change_a_signal_and_partners_may_not_edit(
    api, outsider, partner, make_signal
):
    signal = make_signal()
    api.force_authenticate(outsider)
    etag = f'"signal-{signal.pk}-v1"'
    assert (
        api.patch(detail(signal.pk), {"headline": "x"}, format="json", HTTP_IF_MATCH=etag)
    ).status_code == 404
    theirs = make_signal(actor=partner)
    api.force_authenticate(partner)
    response = api.patch(
        detail(theirs.pk),
        {"headline": "x"},
        format="json",
        HTTP_IF_MATCH=f'"signal-{theirs.pk}-v1"',
    )
    assert response.status_code == 403
    signal.refresh_from_db()
    assert signal.headline != "x"


# --- Partner systems --------------------------------------------------------------------------


def test_a_partner_files_with_its_granted_source_and_sees_only_its_own_signals(
    api, analyst, partner, source, other_source, make_signal
):
    services.source_use_grant(source=other_source, partner=partner, granted_by=analyst)
    staff_signal = make_signal(headline="Filed by the office")
    api.force_authenticate(partner)

    refused = api.post(LIST, row(source), format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["source"] == [
        f"No source you may use is known as {source.pseudonym!r}."
    ]
    response = api.post(LIST, row(other_source, headline="Relayed report"), format="json")
    assert response.status_code == 201, response.json()
    mine = Signal.objects.get(headline="Relayed report")
    assert mine.created_by == partner

    assert ids(api.get(LIST)) == [mine.pk]
    assert api.get(detail(mine.pk)).status_code == 200
    assert api.get(detail(staff_signal.pk)).status_code == 404
    bulk = api.post(BULK, {"signals": [row(other_source, headline="Second")]}, format="json")
    assert bulk.status_code == 201
    assert set(ids(api.get(LIST))) == {mine.pk, *bulk.json()["ids"]}


def test_a_partner_cannot_file_above_its_clearance(api, analyst, partner, other_source):
    services.source_use_grant(source=other_source, partner=partner, granted_by=analyst)
    api.force_authenticate(partner)
    response = api.post(LIST, row(other_source, classification="CONFIDENTIAL"), format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["classification"]


# --- Triage -----------------------------------------------------------------------------------


def test_an_analyst_dismisses_a_signal_and_a_second_dismissal_is_a_conflict(
    as_analyst, make_signal
):
    signal = make_signal()
    url = reverse("api-signal-dismiss", args=[signal.pk])
    assert as_analyst.post(url, {"reason": ""}, format="json").status_code == 400
    response = as_analyst.post(url, {"reason": "Same rumour as last week"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    assert response["ETag"] == f'"signal-{signal.pk}-v2"'
    again = as_analyst.post(url, {"reason": "Still a rumour"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "A dismissed signal cannot become dismissed."
    signal.refresh_from_db()
    assert signal.dismissed_reason == "Same rumour as last week"


def test_an_analyst_marks_a_duplicate_and_a_dismissed_signal_cannot_become_one(
    as_analyst, analyst, make_signal
):
    original, repeat, dismissed = make_signal(), make_signal(), make_signal()
    response = as_analyst.post(
        reverse("api-signal-duplicate", args=[repeat.pk]), {"original": original.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    assert response.json()["duplicate_of"] == original.pk
    services.signal_dismiss(signal=dismissed, actor=analyst, reason="Off topic")
    conflict = as_analyst.post(
        reverse("api-signal-duplicate", args=[dismissed.pk]),
        {"original": original.pk},
        format="json",
    )
    assert conflict.status_code == 409
    dismissed.refresh_from_db()
    assert dismissed.status == SignalStatus.DISMISSED


def test_a_duplicate_of_an_invisible_signal_answers_404(
    as_analyst, senior_analyst, source, make_signal
):
    mine = make_signal()
    hidden = services.signal_create(
        actor=senior_analyst,
        data={
            "headline": "Strictly held report",
            "occurred_on": date.today(),
            "country": "MLI",
            "category": Category.OTHER,
            "source": source,
            "credibility": 2,
            "classification": Classification.STRICTLY_CONFIDENTIAL,
        },
    )
    response = as_analyst.post(
        reverse("api-signal-duplicate", args=[mine.pk]), {"original": hidden.pk}, format="json"
    )
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.status == SignalStatus.NEW


def test_an_analyst_sees_duplicate_candidates_and_rules_on_one(
    as_analyst, make_signal, other_source
):
    signal = make_signal(headline="Gunmen attack weekly market near Tessit")
    candidate = make_signal(
        headline="Gunmen attack the weekly market near Tessit", source=other_source
    )
    make_signal(headline="Flooding closes the road to Gao")
    url = reverse("api-signal-duplicate-candidates", args=[signal.pk])
    found = as_analyst.get(url)
    assert found.status_code == 200
    assert [c["id"] for c in found.json()] == [candidate.pk]
    assert 0 < found.json()[0]["similarity"] <= 1

    decided = as_analyst.post(
        reverse("api-signal-duplicate-decisions", args=[signal.pk]),
        {"candidate": candidate.pk, "same_event": True},
        format="json",
    )
    assert decided.status_code == 201
    assert decided.json() == {
        "signal": signal.pk,
        "candidate": candidate.pk,
        "verdict": "confirmed",
    }
    assert DuplicateDecision.objects.get(signal=signal).verdict == "confirmed"
    assert as_analyst.get(detail(signal.pk)).json()["corroboration"] == 2
    assert as_analyst.get(url).json() == []


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("api-signal-dismiss", {"reason": "x"}),
        ("api-signal-duplicate", {"original": 1}),
        ("api-signal-duplicate-decisions", {"candidate": 1, "same_event": False}),
    ],
)
def test_triage_is_refused_to_outsiders_with_404_and_to_partners_with_403(
    api, outsider, partner, liaison, make_signal, name, body
):
    signal = make_signal()
    for person in (outsider, liaison):
        api.force_authenticate(person)
        assert api.post(reverse(name, args=[signal.pk]), body, format="json").status_code == 404
    theirs = make_signal(actor=partner)
    api.force_authenticate(partner)
    assert api.post(reverse(name, args=[theirs.pk]), body, format="json").status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == SignalStatus.NEW


def test_duplicate_candidates_are_not_shown_to_outsiders(api, outsider, make_signal):
    signal = make_signal()
    api.force_authenticate(outsider)
    url = reverse("api-signal-duplicate-candidates", args=[signal.pk])
    assert api.get(url).status_code == 404
