import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from r2p.access import access_object, visible_queryset
from r2p.errors import NotFoundError
from r2p.models import AuditEvent, Classification
from tests.protected.models import Dossier

pytestmark = pytest.mark.django_db

PUBLIC, CONF, STRICT = (
    Classification.PUBLIC,
    Classification.CONFIDENTIAL,
    Classification.STRICTLY_CONFIDENTIAL,
)


@pytest.fixture
def dossiers(db):
    return {
        "public": Dossier.objects.create(title="Public statement", classification=PUBLIC),
        "confidential": Dossier.objects.create(title="Field note", classification=CONF),
        "strict": Dossier.objects.create(title="Witness list", classification=STRICT),
    }


def titles(user):
    return set(visible_queryset(Dossier.objects.all(), user).values_list("title", flat=True))


def test_everyone_logged_in_sees_public_records_and_nothing_else_without_a_grant(
    dossiers, liaison, analyst, senior_analyst
):
    for person in (liaison, analyst, senior_analyst):
        assert titles(person) == {"Public statement"}


def test_a_grant_opens_a_confidential_record_to_an_analyst_cleared_for_it(dossiers, analyst):
    assign_perm("protected.view_dossier", analyst, dossiers["confidential"])
    assert titles(analyst) == {"Public statement", "Field note"}


def test_a_grant_does_not_override_clearance(dossiers, analyst, liaison):
    # Amina is cleared CONFIDENTIAL, Elena PUBLIC: a grant above the clearance opens nothing.
    assign_perm("protected.view_dossier", analyst, dossiers["strict"])
    assign_perm("protected.view_dossier", liaison, dossiers["confidential"])
    assert titles(analyst) == {"Public statement"}
    assert titles(liaison) == {"Public statement"}


def test_a_grant_to_a_group_reaches_its_cleared_members(dossiers, senior_analyst, analyst):
    team = Group.objects.create(name="Team Sahel")
    senior_analyst.groups.add(team)
    analyst.groups.add(team)
    assign_perm("protected.view_dossier", team, dossiers["strict"])
    assert "Witness list" in titles(senior_analyst)
    assert "Witness list" not in titles(analyst)


def test_an_inactive_user_sees_nothing(dossiers, analyst):
    analyst.is_active = False
    analyst.save()
    assert titles(analyst) == set()


def test_access_object_returns_a_visible_record(dossiers, senior_analyst):
    assign_perm("protected.view_dossier", senior_analyst, dossiers["strict"])
    found = access_object(Dossier.objects.all(), senior_analyst, dossiers["strict"].pk)
    assert found == dossiers["strict"]


def test_missing_and_forbidden_records_get_the_same_answer(dossiers, analyst):
    with pytest.raises(NotFoundError) as forbidden:
        access_object(Dossier.objects.all(), analyst, dossiers["strict"].pk)
    with pytest.raises(NotFoundError) as missing:
        access_object(Dossier.objects.all(), analyst, 987654)
    with pytest.raises(NotFoundError) as garbage:
        access_object(Dossier.objects.all(), analyst, "not-a-number")
    assert str(forbidden.value) == str(missing.value) == str(garbage.value)


def test_a_refused_existing_record_leaves_an_audit_row_without_its_content(dossiers, analyst):
    with pytest.raises(NotFoundError):
        access_object(Dossier.objects.all(), analyst, dossiers["strict"].pk)
    event = AuditEvent.objects.get(action="access.denied")
    assert event.actor == analyst
    assert (event.object_type, event.object_id) == ("protected.dossier", str(dossiers["strict"].pk))
    assert "Witness" not in str(event.summary)


def test_a_missing_record_leaves_no_audit_row(analyst):
    with pytest.raises(NotFoundError):
        access_object(Dossier.objects.all(), analyst, 424242)
    assert not AuditEvent.objects.filter(action="access.denied").exists()


def test_visibility_costs_one_query_however_many_grants(
    dossiers, senior_analyst, django_assert_num_queries
):
    # The user's grants (direct and through groups) are a subquery of the records' query.
    for dossier in dossiers.values():
        assign_perm("protected.view_dossier", senior_analyst, dossier)
    with django_assert_num_queries(1):
        assert len(list(visible_queryset(Dossier.objects.all(), senior_analyst))) == 3
