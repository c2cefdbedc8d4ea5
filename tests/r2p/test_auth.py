import time

import pytest
from django.test import override_settings
from django.urls import reverse

from r2p.middleware import SESSION_LOGIN_AT
from r2p.models import AuditEvent

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_login_lands_on_the_home_page_and_is_audited(client, analyst, password):
    response = login(client, "amina", password)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == analyst and event.ip_address == "127.0.0.1" and event.request_id


def test_a_wrong_password_is_refused_with_a_message_and_audited(client, analyst):
    response = login(client, "amina", "not the password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert AuditEvent.objects.get(action="auth.login_failed").actor_username == "amina"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(client, analyst, password):
    for _ in range(3):
        login(client, "amina", "wrong guess")
    response = login(client, "amina", password)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.lockout", actor_username="amina").exists()
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_a_logout_ends_the_session_and_is_audited(client, analyst, password):
    login(client, "amina", password)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=analyst).exists()
    assert client.get(reverse("home")).status_code == 302


def test_a_session_lapses_after_the_idle_timeout(client, analyst, password, settings):
    login(client, "amina", password)
    assert client.session.get_expiry_age() == settings.SESSION_IDLE_TIMEOUT == 1800
    session = client.session
    session.set_expiry(-1)  # as if the idle time had passed
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_a_session_ends_at_its_absolute_lifetime_however_active(client, analyst, password):
    login(client, "amina", password)
    session = client.session
    session[SESSION_LOGIN_AT] = time.time() - 12 * 3600 - 5
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "expired=1" in response["Location"]
    event = AuditEvent.objects.get(action="auth.logout")
    assert event.summary == {"reason": "session lifetime"}
    assert "maximum lifetime" in client.get(response["Location"]).content.decode()


def test_a_password_change_is_audited_and_keeps_the_user_logged_in(client, analyst, password):
    login(client, "amina", password)
    response = client.post(
        reverse("password-change"),
        {
            "old_password": password,
            "new_password1": "a much longer new passphrase",
            "new_password2": "a much longer new passphrase",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_change", actor=analyst).exists()
    assert client.get(reverse("home")).status_code == 200


def test_a_weak_new_password_is_refused_beside_the_field(client, analyst, password):
    login(client, "amina", password)
    response = client.post(
        reverse("password-change"),
        {"old_password": password, "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not AuditEvent.objects.filter(action="auth.password_change").exists()
