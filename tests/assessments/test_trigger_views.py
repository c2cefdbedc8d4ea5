"""The trigger calendar through HTTP: adding a trigger from a situation's page, editing and
deleting it, the calendar of the next days grouped by month, and who may do what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import TriggerEvent
from cases import services as cases_services
from r2p.models import AuditEvent, Classification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(db):
    """Ines: an analyst on no team of Amina's."""
    return UserFactory(
        username="ines",
        first_name="Ines",
        last_name="Moreau",
        role="analyst",
        clearance=Classification.CONFIDENTIAL,
    )


@pytest.fixture
def open_situation(analyst):
    """A PUBLIC situation led by Amina: every staff member sees it, only her team writes."""
    return cases_services.situation_create(
        created_by=analyst,
        title="Lake Chad basin",
        countries=["TCD", "NER"],
        classification=Classification.PUBLIC,
    )


@pytest.fixture
def election(situation, analyst):
    return services.trigger_create(
        situation=situation,
        actor=analyst,
        data={
            "kind": "election",
            "title": "Presidential election, first round",
            "occurs_on": timezone.localdate() + timedelta(days=20),
        },
    )


def in_days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def page_of(response) -> str:
    return response.content.decode()


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', page)
    return match.group(1) if match else ""


def marking(page: str) -> str:
    return re.search(r'<div class="marking marking--[a-z-]+"[^>]*>([A-Z ]+)</div>', page).group(1)


# --- Who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["outsider", "liaison"])
def test_oscar_and_elena_find_no_trigger_page(client, person, request, situation, election):
    client.force_login(request.getfixturevalue(person))
    for method, url in [
        ("get", reverse("assessments:trigger-list")),
        ("get", reverse("assessments:trigger-edit", args=[election.pk])),
        ("post", reverse("assessments:trigger-edit", args=[election.pk])),
        ("post", reverse("assessments:trigger-delete", args=[election.pk])),
        ("get", reverse("assessments:situation-trigger-add", args=[situation.pk])),
        ("post", reverse("assessments:situation-trigger-add", args=[situation.pk])),
    ]:
        response = getattr(client, method)(url, {"title": "x"} if method == "post" else None)
        assert response.status_code == 404, (method, url)
    assert TriggerEvent.objects.filter(pk=election.pk).exists()


def test_ines_off_the_team_cannot_reach_a_confidential_situations_triggers(
    client, colleague, situation, election
):
    client.force_login(colleague)
    assert client.get(reverse("assessments:trigger-edit", args=[election.pk])).status_code == 404
    response = client.post(
        reverse("assessments:situation-trigger-add", args=[situation.pk]),
        {"kind": "trial", "title": "Verdict", "occurs_on": in_days(5)},
    )
    assert response.status_code == 404
    assert "Presidential election" not in page_of(client.get(reverse("assessments:trigger-list")))


def test_ines_sees_a_public_situation_but_only_its_team_adds_triggers(
    client, colleague, open_situation
):
    client.force_login(colleague)
    response = client.post(
        reverse("assessments:situation-trigger-add", args=[open_situation.pk]),
        {"kind": "trial", "title": "Verdict in the Baga case", "occurs_on": in_days(5)},
    )
    assert response.status_code == 403
    assert "Only the situation&#x27;s lead analyst and team" in page_of(response)
    assert not TriggerEvent.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", actor=colleague).exists()


def test_chen_reads_the_calendar_but_his_role_cannot_add_to_it(
    client, special_adviser, open_situation, analyst
):
    trigger = services.trigger_create(
        situation=open_situation,
        actor=analyst,
        data={"kind": "census", "title": "National census", "occurs_on": in_days(40)},
    )
    client.force_login(special_adviser)
    page = page_of(client.get(reverse("assessments:trigger-list")))
    assert "National census" in page
    assert reverse("assessments:trigger-edit", args=[trigger.pk]) not in page
    response = client.post(
        reverse("assessments:situation-trigger-add", args=[open_situation.pk]),
        {"kind": "trial", "title": "Verdict", "occurs_on": in_days(5)},
    )
    assert response.status_code == 403
    assert "Your role cannot write assessments." in page_of(response)
    edit = client.get(reverse("assessments:trigger-edit", args=[trigger.pk]))
    assert edit.status_code == 403
    delete = client.post(reverse("assessments:trigger-delete", args=[trigger.pk]))
    assert delete.status_code == 403
    assert TriggerEvent.objects.filter(pk=trigger.pk).exists()


# --- Adding -----------------------------------------------------------------------------------


def test_amina_adds_an_election_from_the_situation_page_and_it_is_on_both_calendars(
    client, analyst, situation
):
    client.force_login(analyst)
    detail = reverse("cases:situation-detail", args=[situation.pk])
    assert reverse("assessments:situation-trigger-add", args=[situation.pk]) in page_of(
        client.get(detail)
    )
    response = client.post(
        reverse("assessments:situation-trigger-add", args=[situation.pk]),
        {
            "kind": "election",
            "title": "Legislative elections",
            "occurs_on": in_days(30),
            "remind_days_before": "7",
            "description": "Past rounds saw attacks on polling stations.",
        },
    )
    assert response.status_code == 302 and response["Location"] == detail
    trigger = TriggerEvent.objects.get()
    assert (trigger.kind, trigger.remind_days_before, trigger.created_by) == (
        "election",
        7,
        analyst,
    )
    page = page_of(client.get(detail))
    assert "Legislative elections" in page and "reminder 7 days before" in page
    calendar = page_of(client.get(reverse("assessments:trigger-list")))
    assert "Legislative elections" in calendar and situation.reference in calendar
    assert AuditEvent.objects.filter(action="trigger.create", actor=analyst).exists()


def test_a_trigger_with_bad_fields_is_refused_with_a_message_beside_each(
    client, analyst, situation
):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:situation-trigger-add", args=[situation.pk]),
        {"kind": "coup", "title": "", "occurs_on": "31/12/2026", "remind_days_before": "400"},
    )
    assert response.status_code == 400
    page = page_of(response)
    assert field_error(page, "kind").startswith("Choose one of: election, census, trial")
    assert field_error(page, "title") == "This field is required."
    assert field_error(page, "occurs_on") == "Enter the date as YYYY-MM-DD."
    assert "from 0 to 365" in field_error(page, "remind_days_before")
    assert 'value="31/12/2026"' in page  # what she typed stays in the form
    assert not TriggerEvent.objects.exists()


def test_without_a_reminder_the_team_is_reminded_the_usual_days_ahead(
    client, analyst, situation, settings
):
    settings.TRIGGER_REMINDER_DAYS = 14
    client.force_login(analyst)
    client.post(
        reverse("assessments:situation-trigger-add", args=[situation.pk]),
        {
            "kind": "commemoration",
            "title": "Tenth anniversary of the massacre",
            "occurs_on": in_days(3),
        },
    )
    page = page_of(client.get(reverse("assessments:trigger-list")))
    assert "reminder 14 days before" in page and "(usual)" in page


# --- Editing and deleting ---------------------------------------------------------------------


def test_bruno_on_the_team_moves_an_election_and_its_reminder_is_due_again(
    client, senior_analyst, election
):
    election.reminded_at = timezone.now()
    election.save()
    client.force_login(senior_analyst)
    url = reverse("assessments:trigger-edit", args=[election.pk])
    form = page_of(client.get(url))
    assert 'value="Presidential election, first round"' in form
    assert f'value="{election.occurs_on.isoformat()}"' in form
    response = client.post(
        url,
        {
            "kind": "election",
            "title": "Presidential election, postponed",
            "occurs_on": in_days(60),
            "remind_days_before": "",
        },
    )
    assert response.status_code == 302
    election.refresh_from_db()
    assert election.title == "Presidential election, postponed"
    assert election.occurs_on.isoformat() == in_days(60)
    assert election.reminded_at is None


def test_an_edit_with_a_bad_date_is_refused_and_nothing_changes(client, analyst, election):
    client.force_login(analyst)
    response = client.post(
        reverse("assessments:trigger-edit", args=[election.pk]),
        {"kind": "election", "title": "Election", "occurs_on": "soon"},
    )
    assert response.status_code == 400
    assert field_error(page_of(response), "occurs_on") == "Enter the date as YYYY-MM-DD."
    election.refresh_from_db()
    assert election.title == "Presidential election, first round"


def test_editing_from_the_calendar_goes_back_to_the_calendar(client, analyst, election):
    client.force_login(analyst)
    calendar = reverse("assessments:trigger-list") + "?days=180"
    edit = reverse("assessments:trigger-edit", args=[election.pk])
    assert f"{edit}?next=" in page_of(client.get(calendar))
    response = client.post(
        edit,
        {"kind": "election", "title": "Election", "occurs_on": in_days(9), "next": calendar},
    )
    assert response["Location"] == calendar
    elsewhere = client.post(
        edit,
        {
            "kind": "election",
            "title": "E",
            "occurs_on": in_days(9),
            "next": "https://evil.example/",
        },
    )
    assert elsewhere["Location"] == reverse("cases:situation-detail", args=[election.situation_id])


def test_amina_deletes_a_trigger_with_a_post_only(client, analyst, election, situation):
    client.force_login(analyst)
    url = reverse("assessments:trigger-delete", args=[election.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:situation-detail", args=[situation.pk])
    assert not TriggerEvent.objects.exists()
    assert AuditEvent.objects.filter(action="trigger.delete", actor=analyst).exists()


# --- The calendar -----------------------------------------------------------------------------


def test_the_calendar_groups_the_next_days_by_month_and_says_when_the_team_is_reminded(
    client, analyst, situation
):
    today = timezone.localdate()
    for days, title in [(80, "Census day"), (10, "Trial of militia leaders"), (200, "Far off")]:
        services.trigger_create(
            situation=situation,
            actor=analyst,
            data={
                "kind": "trial" if "Trial" in title else "census",
                "title": title,
                "occurs_on": today + timedelta(days=days),
                "remind_days_before": 21,
            },
        )
    client.force_login(analyst)
    response = client.get(reverse("assessments:trigger-list"), {"days": 90})
    page = page_of(response)
    assert response.status_code == 200
    assert page.index("Trial of militia leaders") < page.index("Census day")
    assert "Far off" not in page
    for day in (today + timedelta(days=10), today + timedelta(days=80)):
        assert f">{day:%B %Y} <" in page
    assert "reminder 21 days before" in page
    assert f'<span class="mono">{situation.reference}</span> Central Sahel' in page
    assert "2 events in the next 90 days" in page
    assert marking(page) == "CONFIDENTIAL"
    later = page_of(client.get(reverse("assessments:trigger-list"), {"days": 365}))
    assert "Far off" in later


def test_a_bad_number_of_days_is_refused_with_its_message(client, analyst, election):
    client.force_login(analyst)
    response = client.get(reverse("assessments:trigger-list"), {"days": "1000"})
    assert response.status_code == 400
    assert "Choose one of 30, 60, 90, 180, 365 days." in field_error(page_of(response), "days")
    assert "Presidential election" in page_of(response)  # the usual 90 days, still shown


def test_my_situations_only_leaves_out_the_others(
    client, analyst, colleague, open_situation, election
):
    services.trigger_create(
        situation=open_situation,
        actor=analyst,
        data={"kind": "other", "title": "Herders' migration season", "occurs_on": in_days(15)},
    )
    client.force_login(colleague)
    everything = page_of(client.get(reverse("assessments:trigger-list")))
    assert "Herders" in everything and "Presidential election" not in everything
    mine = page_of(client.get(reverse("assessments:trigger-list"), {"mine": "on"}))
    assert "Herders" not in mine
    assert '<option value="90" selected>the next 90 days</option>' in mine
    assert "No event in the next 90 days on your situations." in mine
    assert marking(mine) == "PUBLIC"


def test_the_calendar_query_count_does_not_grow_with_its_triggers(
    client, analyst, situation, open_situation, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("assessments:trigger-list")
    services.trigger_create(
        situation=situation,
        actor=analyst,
        data={"kind": "trial", "title": "First", "occurs_on": in_days(3)},
    )
    client.force_login(analyst)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(12):
        services.trigger_create(
            situation=open_situation if n % 2 else situation,
            actor=analyst,
            data={"kind": "other", "title": f"Event {n}", "occurs_on": in_days(5 + 6 * n)},
        )
    with django_assert_num_queries(len(few)):
        page = page_of(client.get(url))
    assert "Event 11" in page
