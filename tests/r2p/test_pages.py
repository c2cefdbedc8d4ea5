"""The web shell: every role's home page, the markings, the headers, and the error pages."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from r2p import services
from r2p.tasks import audit_chain_verify_task

pytestmark = pytest.mark.django_db

INTAKE = {"Inbox", "Situations", "Sources", "New signal", "Imports"}
RISK = {"Portfolio", "Triggers", "Escalations", "Reports"}
PEOPLE = {
    "analyst": ("Analyst", INTAKE | RISK | {"API"}),
    "senior_analyst": ("Senior Analyst", INTAKE | RISK | {"API"}),
    "special_adviser": ("Special Adviser", {"Situations", "Sources", "API"} | RISK),
    "sg_office": ("SG Office", {"Situations", "Sources", "API", "Desk", "Briefings"} | RISK),
    "liaison": ("Member-State Liaison", {"API", "Briefings", "Reports"}),
    "partner": ("Partner System", {"API", "Reports"}),
    "auditor": ("Auditor", {"Audit trail", "API"}),
    "administrator": ("Administrator", {"Audit trail", "Administration", "API"}),
    "outsider": ("No role", {"API"}),
}


@pytest.mark.parametrize("person", PEOPLE)
def test_each_role_lands_on_its_own_home_page(client, person, request):
    user = request.getfixturevalue(person)
    role, sections = PEOPLE[person]
    client.force_login(user)
    services.audit_record(action="test.did_something", actor=user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<span class="whoami__role">{role}</span>' in page
    assert f"Cleared {user.clearance_label}" in page
    nav = {s.label for s in response.context["nav_sections"]} - {"Home"}
    assert nav == sections
    assert "Test: did something" in page  # the person's own recent activity, in words


def test_recent_activity_reads_in_words(client, analyst):
    services.audit_record(action="auth.password_change", actor=analyst, target=analyst)
    client.force_login(analyst)
    page = client.get(reverse("home")).content.decode()
    assert "Changed the password" in page
    assert f"user #{analyst.pk}" in page
    assert "auth.password_change" not in page


def test_a_home_page_shows_only_the_persons_own_activity(client, analyst, senior_analyst):
    services.audit_record(action="test.brunos_secret_move", actor=senior_analyst)
    client.force_login(analyst)
    assert "brunos secret move" not in client.get(reverse("home")).content.decode()


def test_every_page_carries_the_marking_at_the_top_and_the_bottom(client, auditor):
    client.force_login(auditor)
    for url, marking in [
        (reverse("home"), "PUBLIC"),
        (reverse("audit-list"), "CONFIDENTIAL"),
        (reverse("password-change"), "PUBLIC"),
        (reverse("api-docs"), "PUBLIC"),
    ]:
        page = client.get(url).content.decode()
        bands = re.findall(r'<div class="marking marking--[a-z-]+"[^>]*>([A-Z ]+)</div>', page)
        assert bands == [marking, marking], url


def test_the_login_page_is_marked_and_labelled(client):
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page and 'for="id_username"' in page and 'for="id_password"' in page
    assert page.count(">PUBLIC</div>") == 2


def test_pages_load_nothing_from_outside_and_forbid_inline_script(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', page)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert "<script>" not in page
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_missing_page_says_nothing_about_what_exists(client, analyst):
    client.force_login(analyst)
    response = client.get("/situations/secret-operation/")
    assert response.status_code == 404
    assert "secret-operation" not in response.content.decode()


def test_a_crash_shows_a_plain_page_without_details(analyst, settings, monkeypatch):
    settings.DEBUG = False
    crashing = Client(raise_request_exception=False)
    crashing.force_login(analyst)

    def explode(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("r2p.selectors.user_recent_activity", explode)
    response = crashing.get(reverse("home"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and "hunter2" not in page and "Traceback" not in page


def test_a_task_asked_for_in_a_transaction_is_sent_only_after_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(audit_chain_verify_task, "delay", lambda *a, **k: sent.append(a))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        audit_chain_verify_task.delay_on_commit()
        assert sent == []
    assert len(callbacks) == 1 and sent == [()]
