from datetime import timedelta

import pytest
import yaml
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from r2p import services
from r2p.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def token_for(user, days=30):
    _, key = services.token_create(user=user, expires_days=days)
    return key


def test_a_partner_system_reads_who_it_is_with_its_token(api, partner):
    key = token_for(partner)
    response = api.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "relay"
    assert body["roles"] == ["Partner System"]
    assert body["clearance"] == "PUBLIC"
    assert body["organisation"] == "Regional Early Warning Centre"
    assert body["authenticated_by"] == "token"


def test_the_browser_session_works_for_the_api_too(client, analyst):
    client.force_login(analyst)
    body = client.get(reverse("api-me")).json()
    assert body["clearance"] == "CONFIDENTIAL" and body["authenticated_by"] == "session"


def test_tokens_are_stored_only_as_hashes(partner):
    key = token_for(partner)
    stored = AuthToken.objects.get(user=partner)
    assert key not in (stored.digest, stored.token_key)
    assert key.startswith("r2p_") and key.startswith(stored.token_key)


def test_an_expired_token_gets_401(api, partner):
    key = token_for(partner)
    AuthToken.objects.filter(user=partner).update(expiry=timezone.now() - timedelta(seconds=1))
    response = api.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_revoked_token_gets_401_and_the_revocation_is_audited(api, partner):
    key = token_for(partner)
    token_key = AuthToken.objects.get(user=partner).token_key
    services.token_revoke(token_key=token_key)
    assert api.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.object_id == token_key and event.summary == {"for_user": "relay"}


def test_a_partner_revokes_its_own_token_through_the_api(api, partner):
    key = token_for(partner)
    response = api.post(reverse("api-token-revoke"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 204
    assert api.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_a_made_up_token_gets_401_in_the_one_error_format(api):
    response = api.get(reverse("api-me"), HTTP_AUTHORIZATION="Token r2p_madeupmadeupmadeup")
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_an_outsider_without_credentials_gets_nothing(api):
    response = api.get(reverse("api-me"))
    assert response.status_code == 401
    assert "username" not in response.content.decode()


def test_token_creation_is_audited_without_the_key(partner, administrator):
    _, key = services.token_create(user=partner, expires_days=10, created_by=administrator)
    event = AuditEvent.objects.get(action="token.create")
    assert event.actor == administrator and key not in str(event.summary)


def test_each_token_has_its_own_request_budget(api, partner, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"per_token": "3/minute"})
    first, second = token_for(partner), token_for(partner)
    statuses = [
        api.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {first}").status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert api.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {second}").status_code == 200


def test_the_schema_is_a_valid_openapi_3_document(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("api-schema"))
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/me/" in document["paths"]


def test_the_api_docs_load_only_local_assets(client, analyst):
    client.force_login(analyst)
    page = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in page
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page


def test_the_schema_is_not_public(api):
    assert api.get(reverse("api-schema")).status_code == 401


def test_an_auditor_pages_through_the_audit_trail_by_cursor(api, auditor, analyst):
    for n in range(7):
        services.audit_record(action="test.thing", actor=analyst, summary={"n": n})
    key = token_for(auditor)
    url = reverse("api-audit-events")
    first = api.get(
        url, {"action": "test.thing", "page_size": 5}, HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert first.status_code == 200
    body = first.json()
    assert [row["summary"]["n"] for row in body["results"]] == [6, 5, 4, 3, 2]
    second = api.get(body["next"], HTTP_AUTHORIZATION=f"Token {key}").json()
    assert [row["summary"]["n"] for row in second["results"]] == [1, 0]
    assert second["next"] is None and second["previous"]


def test_the_audit_list_costs_the_same_queries_for_5_or_50_rows(
    api, auditor, analyst, django_assert_max_num_queries
):
    api.force_authenticate(auditor)
    for _ in range(50):
        services.audit_record(action="test.thing", actor=analyst)
    with django_assert_max_num_queries(4) as small:
        api.get(reverse("api-audit-events"), {"page_size": 5})
    with django_assert_max_num_queries(len(small.captured_queries)):
        api.get(reverse("api-audit-events"), {"page_size": 50})


def test_a_bad_audit_filter_is_a_field_error(api, auditor):
    api.force_authenticate(auditor)
    response = api.get(
        reverse("api-audit-events"), {"date_from": "2026-11-20", "date_to": "2026-11-01"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "date_to": ["The end date is before the start date."]
    }
    bad = api.get(reverse("api-audit-events"), {"date_from": "soon"})
    assert bad.json()["error"]["fields"]["date_from"] == ["Enter a valid date."]


@pytest.mark.parametrize("person", ["analyst", "liaison", "partner", "outsider"])
def test_nobody_but_auditors_and_administrators_reads_the_audit_trail(api, person, request):
    api.force_authenticate(request.getfixturevalue(person))
    response = api.get(reverse("api-audit-events"))
    assert response.status_code == 403
    assert "results" not in response.json()
    denial = AuditEvent.objects.get(action="access.denied")
    assert denial.summary == {"path": "/api/v1/audit/events/"}


def test_an_oversized_json_body_is_refused_with_413_before_it_is_read(api, analyst, settings):
    settings.API_MAX_BODY_BYTES = 2048
    api.force_authenticate(analyst)
    response = api.post("/api/v1/signals/", {"headline": "x" * 5000}, format="json")
    assert response.status_code == 413
    assert "the limit is 2,048 bytes" in response.json()["error"]["message"]
