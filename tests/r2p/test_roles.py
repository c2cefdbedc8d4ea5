import pytest
from django.contrib.auth.models import Group

from r2p.roles import ROLES, role_lookup

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_with_exactly_its_declared_permissions():
    for role in ROLES:
        group = Group.objects.get(name=role.name)
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert granted == set(role.permissions), role.name


def test_the_eight_roles_of_the_joint_office_are_all_there():
    assert {r.name for r in ROLES} == {
        "Analyst",
        "Senior Analyst",
        "Special Adviser",
        "SG Office",
        "Member-State Liaison",
        "Partner System",
        "Auditor",
        "Administrator",
    }


def test_auditors_may_read_the_audit_trail_and_analysts_may_not(auditor, analyst):
    assert auditor.has_perm("r2p.view_auditevent")
    assert not analyst.has_perm("r2p.view_auditevent")


def test_administrators_manage_accounts_and_schedules_but_cannot_edit_the_audit_trail(
    administrator,
):
    assert administrator.has_perm("r2p.add_user")
    assert administrator.has_perm("django_celery_beat.change_periodictask")
    assert not administrator.has_perm("r2p.change_auditevent")
    assert not administrator.has_perm("r2p.delete_auditevent")


def test_a_role_is_found_by_slug_or_name_and_a_typo_names_the_valid_ones():
    assert role_lookup("Senior Analyst").slug == "senior-analyst"
    assert role_lookup("sg_office").name == "SG Office"
    with pytest.raises(ValueError, match="analyst, senior-analyst"):
        role_lookup("analist")
