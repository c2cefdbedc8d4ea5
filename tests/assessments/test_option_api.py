"""Response options and the trigger calendar through the API: proposing, changing under
If-Match, the lifecycle with who and when, dated triggers in the coming days, field-level
errors, a fixed number of queries, and nothing for strangers.

Amina (analyst) leads the Central Sahel situation with Bruno (senior analyst) on its team;
Chen (Special Adviser) is staff but not on the team.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services
from assessments.models import OptionTransition, ResponseOption, TriggerEvent
from r2p.models import Classification

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def amina(analyst) -> APIClient:
    return client_for(analyst)


@pytest.fixture
def bruno(senior_analyst) -> APIClient:
    return client_for(senior_analyst)


def url(name: str, *args: object) -> str:
    return reverse(name, args=args)


def fields(response) -> dict:
    return response.json()["error"]["fields"]


def today():
    return timezone.localdate()


def envoy(**overrides) -> dict:
    body = {
        "instrument": "special-envoy",
        "rationale": "Talks between the parties stalled after the Tessit attack.",
        "factors": [8, 2],
        "lead_actor": "African Union Commission",
        "expected_effect": "A channel to the armed groups before the vote.",
        "risks": "Legitimises the armed groups.",
        "feasibility": "medium",
    }
    body.update(overrides)
    return body


@pytest.fixture
def option(situation, analyst):
    return services.option_propose(situation=situation, actor=analyst, data=envoy())


def option_tag(option: ResponseOption) -> str:
    option.refresh_from_db()
    return f'"response-option-{option.pk}-v{option.revision}"'


# --- Response options -----------------------------------------------------------------------------


def test_amina_proposes_an_option_and_reads_it_back_with_its_etag(amina, situation):
    response = amina.post(url("api-situation-options", situation.pk), envoy())
    assert response.status_code == 201
    body = response.json()
    assert body["instrument"] == {"key": "special-envoy", "name": "Special envoy", "pillar": "II"}
    assert body["factors"] == [2, 8]
    assert (body["status"], body["proposed_by"], body["revision"]) == ("proposed", "amina", 1)
    assert body["situation"]["title"] == "Central Sahel"
    (proposal,) = body["transitions"]
    assert (proposal["from_status"], proposal["to_status"], proposal["actor"]) == (
        None,
        "proposed",
        "amina",
    )
    assert response["ETag"] == f'"response-option-{body["id"]}-v1"'
    again = amina.get(url("api-response-option", body["id"]))
    assert again.json() == body and again["ETag"] == response["ETag"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"instrument": "airstrike"}, "instrument"),
        ({"factors": [15]}, "factors"),
        ({"factors": "eight"}, "factors"),
        ({"feasibility": "maybe"}, "feasibility"),
        ({"rationale": ""}, "rationale"),
        ({"lead_actor": None}, "lead_actor"),
        ({"lead_actor": "x" * 201}, "lead_actor"),
        ({"rational": "typo"}, "rational"),
    ],
)
def test_bad_input_proposing_an_option_names_the_field(amina, situation, change, field):
    response = amina.post(url("api-situation-options", situation.pk), envoy(**change))
    assert response.status_code == 400
    # A bad item of a list is named by its position: factors.0.
    assert {name.split(".")[0] for name in fields(response)} == {field}
    assert not ResponseOption.objects.exists()


def test_bad_input_leaves_no_option_and_names_every_missing_field(amina, situation):
    response = amina.post(url("api-situation-options", situation.pk), {})
    assert response.status_code == 400
    assert set(fields(response)) == {"instrument", "rationale", "lead_actor", "feasibility"}


def test_changing_an_option_needs_its_etag(amina, option):
    target = url("api-response-option", option.pk)
    stale = option_tag(option)
    missing = amina.patch(target, {"feasibility": "high"})
    assert missing.status_code == 428
    changed = amina.patch(target, {"feasibility": "high", "factors": [9]}, HTTP_IF_MATCH=stale)
    assert changed.status_code == 200
    assert (changed.json()["feasibility"], changed.json()["factors"]) == ("high", [9])
    assert changed.json()["rationale"] == envoy()["rationale"]  # untouched
    assert changed["ETag"] == option_tag(option) != stale
    refused = amina.patch(target, {"feasibility": "low"}, HTTP_IF_MATCH=stale)
    assert refused.status_code == 412
    empty = amina.patch(target, {}, HTTP_IF_MATCH=option_tag(option))
    assert empty.status_code == 400 and list(fields(empty)) == ["non_field_errors"]
    assert ResponseOption.objects.get().feasibility == "high"


def test_the_lifecycle_records_who_and_when_and_refuses_moves_it_does_not_allow(
    amina, bruno, option
):
    target = url("api-response-option-transition", option.pk)
    assert amina.post(target, {"to": "implemented"}).status_code == 409
    assert amina.post(target, {"to": "recommended", "note": "Best fit"}).status_code == 200
    future = (today() + timedelta(days=3)).isoformat()
    refused = bruno.post(target, {"to": "adopted", "adopted_on": future})
    assert refused.status_code == 400
    assert set(fields(refused)) == {"adopted_by", "adopted_on"}
    adopted = bruno.post(
        target,
        {
            "to": "adopted",
            "adopted_by": "AU Peace and Security Council",
            "adopted_on": "2025-03-01",
        },
    )
    assert adopted.status_code == 200
    body = adopted.json()
    assert (body["status"], body["adopted_by"], body["adopted_on"]) == (
        "adopted",
        "AU Peace and Security Council",
        "2025-03-01",
    )
    done = amina.post(target, {"to": "implemented"}, HTTP_IF_MATCH=adopted["ETag"])
    assert done.status_code == 200
    assert [(t["to_status"], t["actor"]) for t in done.json()["transitions"]] == [
        ("proposed", "amina"),
        ("recommended", "amina"),
        ("adopted", "bruno"),
        ("implemented", "amina"),
    ]
    closed = amina.post(target, {"to": "abandoned", "note": "Too late"})
    assert closed.status_code == 409
    edit = amina.patch(
        url("api-response-option", option.pk), {"risks": "x"}, HTTP_IF_MATCH=done["ETag"]
    )
    assert edit.status_code == 409
    assert OptionTransition.objects.filter(option=option).count() == 4


def test_abandoning_says_why_and_a_stale_revision_is_409(amina, option):
    target = url("api-response-option-transition", option.pk)
    silent = amina.post(target, {"to": "abandoned"})
    assert silent.status_code == 400 and list(fields(silent)) == ["note"]
    stale = amina.post(target, {"to": "abandoned", "note": "Overtaken", "revision": 7})
    assert stale.status_code == 409
    unknown = amina.post(target, {"to": "shelved", "note": "x"})
    assert unknown.status_code == 400 and list(fields(unknown)) == ["to"]
    abandoned = amina.post(target, {"to": "abandoned", "note": "Overtaken", "revision": 1})
    assert abandoned.status_code == 200
    assert abandoned.json()["abandoned_reason"] == "Overtaken"


def test_the_list_filters_by_situation_and_status(amina, option, situation, analyst):
    lake = services.option_propose(
        situation=situation, actor=analyst, data=envoy(instrument="public-statement")
    )
    services.option_transition(option=lake, actor=analyst, to="recommended")
    everything = amina.get(url("api-response-options")).json()["results"]
    assert [o["id"] for o in everything] == [lake.pk, option.pk]
    recommended = amina.get(url("api-response-options"), {"status": "recommended"}).json()
    assert [o["id"] for o in recommended["results"]] == [lake.pk]
    elsewhere = amina.get(url("api-response-options"), {"situation": situation.pk + 1})
    assert elsewhere.json()["results"] == []
    bad = amina.get(url("api-response-options"), {"status": "done"})
    assert bad.status_code == 400 and list(fields(bad)) == ["status"]


def test_the_list_costs_the_same_queries_for_one_or_five_options(amina, situation, analyst):
    def propose() -> None:
        made = services.option_propose(situation=situation, actor=analyst, data=envoy())
        services.option_transition(option=made, actor=analyst, to="recommended")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = amina.get(url("api-response-options"))
        assert response.status_code == 200
        return len(queries)

    propose()
    amina.get(url("api-response-options"))  # warm the permission cache
    one = count()
    for _ in range(4):
        propose()
    results = amina.get(url("api-response-options")).json()["results"]
    assert len(results) == 5 and all(len(o["transitions"]) == 2 for o in results)
    assert count() == one


def test_chen_may_read_a_public_situations_options_but_not_propose_or_move_them(
    special_adviser, situation, option
):
    situation.classification = Classification.PUBLIC
    situation.save(update_fields=["classification"])
    chen = client_for(special_adviser)
    assert chen.get(url("api-response-option", option.pk)).status_code == 200
    assert chen.post(url("api-situation-options", situation.pk), envoy()).status_code == 403
    moved = chen.post(url("api-response-option-transition", option.pk), {"to": "recommended"})
    assert moved.status_code == 403
    assert ResponseOption.objects.get().status == "proposed"


# --- The trigger calendar -----------------------------------------------------------------------


def election(**overrides) -> dict:
    body = {
        "kind": "election",
        "title": "Presidential election, first round",
        "occurs_on": (today() + timedelta(days=30)).isoformat(),
        "description": "Campaign rallies in Gao and Ménaka.",
        "remind_days_before": 14,
    }
    body.update(overrides)
    return body


def test_amina_puts_an_election_on_the_calendar_and_it_shows_in_the_next_90_days(amina, situation):
    created = amina.post(url("api-situation-triggers", situation.pk), election())
    assert created.status_code == 201
    body = created.json()
    assert (body["kind"], body["days_away"], body["remind_days_before"]) == ("election", 30, 14)
    assert body["situation"]["reference"] == situation.reference
    assert body["created_by"] == "amina"
    later = amina.post(
        url("api-situation-triggers", situation.pk),
        election(
            kind="anniversary",
            title="Ten years since Ogossagou",
            occurs_on=(today() + timedelta(days=200)).isoformat(),
        ),
    )
    assert later.status_code == 201
    soon = amina.get(url("api-triggers")).json()["results"]
    assert [t["id"] for t in soon] == [body["id"]]
    year = amina.get(url("api-triggers"), {"days": 366}).json()["results"]
    assert [t["id"] for t in year] == [body["id"], later.json()["id"]]
    mine = amina.get(url("api-triggers"), {"situation": situation.pk, "days": 366}).json()
    assert len(mine["results"]) == 2
    assert amina.get(url("api-triggers"), {"situation": situation.pk + 1}).json()["results"] == []
    assert amina.get(url("api-trigger", body["id"])).json() == body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "coup"}, "kind"),
        ({"title": ""}, "title"),
        ({"occurs_on": "next tuesday"}, "occurs_on"),
        ({"occurs_on": "2025-02-30"}, "occurs_on"),
        ({"remind_days_before": 400}, "remind_days_before"),
        ({"remind_days_before": -1}, "remind_days_before"),
        ({"when": "soon"}, "when"),
    ],
)
def test_bad_input_to_the_calendar_names_the_field(amina, situation, change, field):
    response = amina.post(url("api-situation-triggers", situation.pk), election(**change))
    assert response.status_code == 400
    assert field in fields(response)
    assert not TriggerEvent.objects.exists()


def test_bad_filters_on_the_calendar_name_the_field(amina):
    response = amina.get(url("api-triggers"), {"days": 0, "situation": "sahel"})
    assert response.status_code == 400
    assert set(fields(response)) == {"days", "situation"}


def test_moving_a_trigger_earns_a_new_reminder_and_deleting_takes_it_off(amina, situation, analyst):
    trigger = services.trigger_create(situation=situation, actor=analyst, data=election())
    TriggerEvent.objects.filter(pk=trigger.pk).update(reminded_at=timezone.now())
    moved_to = (today() + timedelta(days=45)).isoformat()
    moved = amina.patch(url("api-trigger", trigger.pk), {"occurs_on": moved_to})
    assert moved.status_code == 200
    assert (moved.json()["occurs_on"], moved.json()["reminded_at"]) == (moved_to, None)
    assert moved.json()["title"] == "Presidential election, first round"  # untouched
    bad = amina.patch(url("api-trigger", trigger.pk), {"kind": "coup"})
    assert bad.status_code == 400 and list(fields(bad)) == ["kind"]
    empty = amina.patch(url("api-trigger", trigger.pk), {})
    assert empty.status_code == 400
    assert amina.delete(url("api-trigger", trigger.pk)).status_code == 204
    assert not TriggerEvent.objects.exists()


def test_chen_reads_a_public_situations_calendar_but_does_not_keep_it(
    special_adviser, situation, analyst
):
    situation.classification = Classification.PUBLIC
    situation.save(update_fields=["classification"])
    trigger = services.trigger_create(situation=situation, actor=analyst, data=election())
    chen = client_for(special_adviser)
    assert [t["id"] for t in chen.get(url("api-triggers")).json()["results"]] == [trigger.pk]
    assert chen.post(url("api-situation-triggers", situation.pk), election()).status_code == 403
    assert chen.patch(url("api-trigger", trigger.pk), {"title": "x"}).status_code == 403
    assert chen.delete(url("api-trigger", trigger.pk)).status_code == 403
    assert TriggerEvent.objects.get().title == "Presidential election, first round"


# --- Nothing for strangers ---------------------------------------------------------------------


@pytest.fixture(params=["outsider", "liaison", "partner", "special_adviser"])
def stranger(request):
    """Oscar, Elena, the relay, and Chen (staff, but not on this confidential situation)."""
    return request.getfixturevalue(request.param)


def test_strangers_get_404_from_every_option_and_calendar_endpoint(
    stranger, situation, option, analyst
):
    trigger = services.trigger_create(situation=situation, actor=analyst, data=election())
    api = client_for(stranger)
    tag = option_tag(option)
    attempts = [
        api.post(url("api-situation-options", situation.pk), envoy()),
        api.get(url("api-response-option", option.pk)),
        api.patch(url("api-response-option", option.pk), {"risks": "x"}, HTTP_IF_MATCH=tag),
        api.post(url("api-response-option-transition", option.pk), {"to": "recommended"}),
        api.post(url("api-situation-triggers", situation.pk), election()),
        api.get(url("api-trigger", trigger.pk)),
        api.patch(url("api-trigger", trigger.pk), {"title": "x"}),
        api.delete(url("api-trigger", trigger.pk)),
    ]
    assert [a.status_code for a in attempts] == [404] * len(attempts)
    assert api.get(url("api-response-options")).json()["results"] == []
    assert api.get(url("api-triggers")).json()["results"] == []
    assert option_tag(option) == tag and ResponseOption.objects.count() == 1
    assert TriggerEvent.objects.get().title == "Presidential election, first round"
