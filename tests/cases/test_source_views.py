"""The source pages: registering, the identity only for its handlers, regrading, sharing."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Source, SourceIdentity, SourceReliabilityChange
from r2p.models import AuditEvent, Classification, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAME = "Zebulon Quartermaine-Okonkwo"
ORGANISATION = "Vantablack Heron Monitoring Circle"


def page_of(response) -> str:
    return response.content.decode()


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', page)
    return match.group(1) if match else ""


def reveals_identity(page: str) -> bool:
    return any(secret in page for secret in (NAME, "Quartermaine", ORGANISATION, "Vantablack"))


@pytest.fixture
def colleague(db):
    return UserFactory(
        username="ines",
        first_name="Ines",
        last_name="Moreau",
        role="analyst",
        clearance=Classification.CONFIDENTIAL,
    )


@pytest.fixture
def protection_officer(senior_analyst):
    senior_analyst.user_permissions.add(Permission.objects.get(codename="protect_sources"))
    return User.objects.get(pk=senior_analyst.pk)  # a fresh permission cache


def register(client, **changes):
    form = {
        "source_type": "civil_society",
        "reliability": "C",
        "classification": "1",
        "name": NAME,
        "organisation": ORGANISATION,
        "contact": "Through the Gao office only",
        "handling_notes": "Never call; meet in person.",
    }
    form.update(changes)
    return client.post(reverse("cases:source-create"), form)


# --- Who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["liaison", "auditor", "outsider", "partner"])
def test_people_outside_the_joint_office_get_404_on_every_source_page(
    client, person, request, source
):
    client.force_login(request.getfixturevalue(person))
    for url in (
        reverse("cases:source-list"),
        reverse("cases:source-create"),
        reverse("cases:source-detail", args=[source.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert source.pseudonym not in page_of(response)
    response = client.post(
        reverse("cases:source-regrade", args=[source.pk]), {"reliability": "A", "reason": "x"}
    )
    assert response.status_code == 404
    source.refresh_from_db()
    assert source.reliability == "B"


def test_anonymous_visitors_are_sent_to_log_in_from_the_source_pages(client, source):
    for url in (reverse("cases:source-list"), reverse("cases:source-detail", args=[source.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_an_analyst_reaches_the_list_the_form_and_a_source(client, analyst, source):
    client.force_login(analyst)
    for url in (
        reverse("cases:source-list"),
        reverse("cases:source-create"),
        reverse("cases:source-detail", args=[source.pk]),
    ):
        assert client.get(url).status_code == 200, url


# --- Registering ------------------------------------------------------------------------------


def test_an_analyst_registers_a_source_and_its_page_shows_her_who_it_is(client, analyst):
    client.force_login(analyst)
    response = register(client)
    source = Source.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:source-detail", args=[source.pk])
    assert re.fullmatch(r"SRC-[0-9A-Z]{4,8}", source.pseudonym)
    assert (source.source_type, source.reliability) == ("civil_society", "C")
    assert SourceIdentity.objects.get(source=source).name == NAME
    page = page_of(client.get(response["Location"]))
    assert f"registered as {source.pseudonym}" in page
    assert NAME in page and ORGANISATION in page and "meet in person" in page
    read = AuditEvent.objects.get(action="source.identity_read", object_id=str(source.pk))
    assert read.actor == analyst
    assert not reveals_identity(str(read.summary))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": " "}, "name", "Say who the source is"),
        ({"reliability": "G"}, "reliability", "The reliability grade is a letter from A to F."),
        ({"source_type": ""}, "source_type", "Choose one of"),
        ({"classification": "2"}, "classification", "You are cleared up to CONFIDENTIAL"),
    ],
)
def test_a_bad_registration_is_named_beside_the_field_and_nothing_is_saved(
    client, analyst, change, field, message
):
    client.force_login(analyst)
    response = register(client, **change)
    assert response.status_code == 400
    page = page_of(response)
    assert message in field_error(page, field)
    assert page.count('class="field-error"') == 1
    assert not Source.objects.exists() and not SourceIdentity.objects.exists()


# --- The identity, and only where it is allowed -----------------------------------------------


def test_the_identity_shows_only_for_its_handler_and_the_protection_officer_and_never_elsewhere(
    client, analyst, colleague, protection_officer, situation, make_signal
):
    client.force_login(analyst)
    register(client)
    source = Source.objects.get(identity__name=NAME)
    signal = make_signal(source=source, headline="Checkpoint abductions near Ansongo")
    services.signal_link(signal=signal, situation=situation, actor=analyst)
    for person in (colleague, protection_officer):
        services.situation_member_add(situation=situation, user=person, actor=analyst)

    source_page = reverse("cases:source-detail", args=[source.pk])
    elsewhere = [
        reverse("cases:source-list"),
        reverse("cases:signal-detail", args=[signal.pk]),
        reverse("cases:situation-detail", args=[situation.pk]),
        reverse("cases:situation-list"),
        reverse("cases:signal-create"),
    ]
    for person, sees_identity in ((analyst, True), (protection_officer, True), (colleague, False)):
        client.force_login(person)
        page = page_of(client.get(source_page))
        assert source.pseudonym in page
        assert reveals_identity(page) is sees_identity, person
        for url in elsewhere:
            response = client.get(url)
            assert response.status_code == 200, (person, url)
            assert not reveals_identity(page_of(response)), (person, url)
    readers = set(
        AuditEvent.objects.filter(
            action="source.identity_read", object_id=str(source.pk)
        ).values_list("actor_username", flat=True)
    )
    assert readers == {"amina", "bruno"}
    client.force_login(colleague)
    assert "Protected. Only the source's handlers" in page_of(client.get(source_page))


def test_a_protection_officer_grants_identity_access_and_the_grant_is_audited(
    client, analyst, colleague, protection_officer
):
    client.force_login(analyst)
    register(client)
    source = Source.objects.get()
    grant = reverse("cases:source-identity-grant", args=[source.pk])
    # An analyst cannot share the identity, not even the one she registered.
    assert "Grant identity access" not in page_of(
        client.get(reverse("cases:source-detail", args=[source.pk]))
    )
    assert client.post(grant, {"user": colleague.pk}).status_code == 404

    client.force_login(protection_officer)
    page = page_of(client.get(reverse("cases:source-detail", args=[source.pk])))
    assert "Grant identity access" in page and "Ines Moreau (ines" in page
    response = client.post(grant, {"user": colleague.pk})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="source.identity_grant", object_id=str(source.pk))
    assert event.summary["granted_to"] == "ines" and not reveals_identity(str(event.summary))

    client.force_login(User.objects.get(pk=colleague.pk))
    assert NAME in page_of(client.get(reverse("cases:source-detail", args=[source.pk])))


def test_a_grant_to_someone_not_cleared_is_refused_beside_the_field(
    client, protection_officer, senior_analyst
):
    source = services.source_create(
        created_by=protection_officer,
        source_type="government",
        reliability="B",
        classification=Classification.STRICTLY_CONFIDENTIAL,
        name=NAME,
    )
    low = UserFactory(username="lou", role="analyst", clearance=Classification.CONFIDENTIAL)
    client.force_login(protection_officer)
    response = client.post(
        reverse("cases:source-identity-grant", args=[source.pk]), {"user": low.pk}
    )
    assert response.status_code == 400
    assert "Choose a colleague from the list." in field_error(page_of(response), "user")
    assert not AuditEvent.objects.filter(action="source.identity_grant").exists()


# --- Grades -----------------------------------------------------------------------------------


def test_regrading_keeps_the_whole_history_with_who_when_and_why(
    client, analyst, colleague, source
):
    url = reverse("cases:source-regrade", args=[source.pk])
    client.force_login(analyst)
    assert (
        client.post(url, {"reliability": "D", "reason": "Two reports retracted"}).status_code == 302
    )
    client.force_login(colleague)
    assert client.post(url, {"reliability": "C", "reason": "Confirmed by OHCHR"}).status_code == 302
    source.refresh_from_db()
    assert source.reliability == "C"
    history = list(
        SourceReliabilityChange.objects.filter(source=source).values_list(
            "previous", "new", "changed_by__username", "reason"
        )
    )
    assert history == [
        ("D", "C", "ines", "Confirmed by OHCHR"),
        ("B", "D", "amina", "Two reports retracted"),
        ("", "B", "amina", "Registered"),
    ]
    page = page_of(client.get(reverse("cases:source-detail", args=[source.pk])))
    assert page.index("Confirmed by OHCHR") < page.index("Two reports retracted")
    assert "Ines Moreau" in page and "Amina Diallo" in page
    assert '<span class="grade-letter grade-letter--big">C</span> Fairly reliable' in page


def test_a_regrade_without_a_reason_is_refused_beside_the_field(client, analyst, source):
    client.force_login(analyst)
    response = client.post(
        reverse("cases:source-regrade", args=[source.pk]), {"reliability": "A", "reason": ""}
    )
    assert response.status_code == 400
    assert "Say why the grade changes" in field_error(page_of(response), "reason")
    source.refresh_from_db()
    assert source.reliability == "B"
    assert SourceReliabilityChange.objects.filter(source=source).count() == 1


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_pseudonyms_and_grades_and_filters_them(
    client, analyst, source, other_source
):
    client.force_login(analyst)
    page = page_of(client.get(reverse("cases:source-list")))
    assert source.pseudonym in page and other_source.pseudonym in page
    assert "Usually reliable" in page and "2 sources, most recently registered first" in page
    assert "Field officer in Gao" not in page and "Wire service" not in page
    page = page_of(client.get(reverse("cases:source-list"), {"reliability": "C"}))
    assert other_source.pseudonym in page and source.pseudonym not in page
    assert "1 source matches these filters" in page


def test_the_list_query_count_does_not_grow_with_sources(
    client, analyst, source, django_assert_max_num_queries
):
    client.force_login(analyst)
    url = reverse("cases:source-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(15):
        services.source_create(
            created_by=analyst, source_type="media", reliability="C", name=f"Outlet {n}"
        )
    with django_assert_max_num_queries(len(few)):
        client.get(url)
