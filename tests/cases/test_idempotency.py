"""Idempotency-Key on the POST endpoints: replays, misuse, and twenty racers with one key."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from cases.apis import SignalCollectionApi
from cases.models import IdempotencyRecord, Signal
from r2p.models import Classification

LIST = reverse("api-signals")
BULK = reverse("api-signals-bulk")


@pytest.fixture
def api(analyst):
    client = APIClient()
    client.force_authenticate(analyst)
    return client


def body(source, **overrides) -> dict:
    data = {
        "headline": "Youth militia mobilised in Ituri",
        "occurred_on": (date.today() - timedelta(days=1)).isoformat(),
        "country": "COD",
        "category": "armed_mobilisation",
        "source": source.pseudonym,
        "credibility": 3,
        "classification": "PUBLIC",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_retry_with_the_same_key_and_body_replays_the_first_answer_and_creates_nothing(
    api, source
):
    first = api.post(LIST, body(source), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 201
    again = api.post(LIST, body(source), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Signal.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.endpoint, record.response_status) == ("key-1", LIST, 201)


@pytest.mark.django_db
def test_the_same_body_with_keys_in_another_order_is_the_same_request(api, source):
    data = body(source)
    api.post(LIST, data, format="json", HTTP_IDEMPOTENCY_KEY="k")
    reordered = dict(reversed(list(data.items())))
    assert api.post(LIST, reordered, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert Signal.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_a_different_body_gets_422_and_creates_nothing(api, source):
    api.post(LIST, body(source), format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    response = api.post(
        LIST, body(source, headline="Another event"), format="json", HTTP_IDEMPOTENCY_KEY="key-2"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert list(Signal.objects.values_list("headline", flat=True)) == [
        "Youth militia mobilised in Ituri"
    ]


@pytest.mark.django_db
def test_a_bulk_retry_replays_the_ids_and_files_nothing_more(api, source):
    rows = {"signals": [body(source, headline=f"Report {n}") for n in range(3)]}
    first = api.post(BULK, rows, format="json", HTTP_IDEMPOTENCY_KEY="batch-7")
    again = api.post(BULK, rows, format="json", HTTP_IDEMPOTENCY_KEY="batch-7")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.json()["count"] == 3
    assert Signal.objects.count() == 3


@pytest.mark.django_db
def test_a_key_is_scoped_to_its_endpoint_and_its_caller(api, source, senior_analyst):
    api.post(LIST, body(source), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    bulk = api.post(BULK, {"signals": [body(source)]}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert bulk.status_code == 201
    other = APIClient()
    other.force_authenticate(senior_analyst)
    theirs = other.post(LIST, body(source), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert Signal.objects.count() == 3


@pytest.mark.django_db
def test_a_refused_request_does_not_spend_its_key(api, source):
    bad = api.post(LIST, body(source, latitude=91), format="json", HTTP_IDEMPOTENCY_KEY="fix-me")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    fixed = api.post(LIST, body(source), format="json", HTTP_IDEMPOTENCY_KEY="fix-me")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed
    assert Signal.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
def test_an_unusable_key_is_a_field_error(api, source, key):
    response = api.post(LIST, body(source), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_without_a_key_each_post_files_a_signal(api, source):
    api.post(LIST, body(source), format="json")
    api.post(LIST, body(source), format="json")
    assert Signal.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_create_exactly_one_signal(analyst, monkeypatch):
    # Twenty requests in a second are not what is tested here; the rate limit is.
    monkeypatch.setattr(SignalCollectionApi, "throttle_classes", [])
    source = services.source_create(
        created_by=analyst,
        source_type="civil_society",
        reliability="C",
        classification=Classification.PUBLIC,
        name="Monitoring network in Bunia",
    )
    data = body(source)
    start = threading.Barrier(20)
    answers: list[tuple[int, dict]] = []
    failures: list[BaseException] = []

    def send() -> None:
        try:
            client = APIClient()
            client.force_authenticate(analyst)
            start.wait(timeout=30)
            response = client.post(LIST, data, format="json", HTTP_IDEMPOTENCY_KEY="race")
            answers.append((response.status_code, response.json()))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures
    assert len(answers) == 20
    assert {code for code, _ in answers} == {201}
    assert len({payload["id"] for _, payload in answers}) == 1
    assert Signal.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
