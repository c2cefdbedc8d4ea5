import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db


def change_form(user, **overrides):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "groups": [g.pk for g in user.groups.all()],
        "clearance": user.clearance,
        "member_state": user.member_state,
        "organisation": user.organisation,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_an_administrator_raises_a_clearance_and_the_change_is_audited(
    client, administrator, analyst
):
    client.force_login(administrator)
    url = reverse("admin:r2p_user_change", args=[analyst.pk])
    response = client.post(
        url, change_form(analyst, clearance=Classification.STRICTLY_CONFIDENTIAL)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    analyst.refresh_from_db()
    assert analyst.clearance == Classification.STRICTLY_CONFIDENTIAL
    event = AuditEvent.objects.get(action="user.change")
    assert event.actor == administrator
    assert event.summary == {"changed": ["clearance"], "roles": ["Analyst"]}


def test_making_someone_a_liaison_without_a_member_state_is_refused(client, administrator, analyst):
    client.force_login(administrator)
    liaison_group = Group.objects.get(name="Member-State Liaison")
    response = client.post(
        reverse("admin:r2p_user_change", args=[analyst.pk]),
        change_form(analyst, groups=[liaison_group.pk]),
    )
    assert response.status_code == 200
    assert "A member-state liaison needs the State they represent." in response.content.decode()
    assert list(analyst.groups.values_list("name", flat=True)) == ["Analyst"]


def test_two_roles_at_once_are_refused(client, administrator, analyst):
    client.force_login(administrator)
    groups = list(
        Group.objects.filter(name__in=["Analyst", "Auditor"]).values_list("pk", flat=True)
    )
    response = client.post(
        reverse("admin:r2p_user_change", args=[analyst.pk]), change_form(analyst, groups=groups)
    )
    assert "Choose exactly one role." in response.content.decode()


def test_the_admin_site_is_closed_to_everyone_but_administrators(client, auditor, analyst):
    for person in (auditor, analyst):
        client.force_login(person)
        response = client.get(reverse("admin:r2p_user_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_nobody_can_edit_an_audit_row_in_the_admin(client, administrator):
    from r2p import services

    event = services.audit_record(action="test.thing")
    client.force_login(administrator)
    page = client.get(reverse("admin:r2p_auditevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_an_administrator_revokes_a_token_in_the_admin_and_it_is_audited(
    client, administrator, partner
):
    from knox.models import AuthToken

    from r2p import services

    token, _ = services.token_create(user=partner, expires_days=5)
    client.force_login(administrator)
    response = client.post(reverse("admin:knox_authtoken_delete", args=[token.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not AuthToken.objects.exists()
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.actor == administrator and event.object_id == token.token_key
