"""The escalations API: drafting with a recommended routing checked entry by entry, editing under
If-Match, one endpoint per move through the one transition function (the transition table over
HTTP: who may, who may not, and from where), four eyes, the urgent path, stale versions, the
transition record, the regional arrangements list, the schema, and nothing for outsiders.

Amina (analyst) drafts the Central Sahel escalation; Bruno (senior analyst, on the team) reviews
it; Chen (Special Adviser, on the team) endorses and transmits it; Dara (SG Office, not on the
team) sees it once it reaches the desk. Elena (liaison) and Oscar (outsider) see none of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services as assessment_services
from assessments.models import Instrument, ResponseOption
from cases import escalations, services
from cases.models import (
    Escalation,
    EscalationStatus,
    EscalationTransition,
    RegionalArrangement,
)
from r2p.models import AuditEvent, Classification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S = EscalationStatus
MOVES = ("submit", "review", "return", "endorse", "transmit", "urgent", "withdraw")
SECURITY_COUNCIL = {
    "body": "sc",
    "legal_basis": "Article 99 of the Charter",
    "rationale": "Mass atrocity crimes are imminent in the tri-border area.",
}
AFRICAN_UNION = {
    "body": "regional",
    "regional_arrangement": "au",
    "legal_basis": "Chapter VIII of the Charter",
    "rationale": "The AU Peace and Security Council can deploy observers within weeks.",
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name: str, *args: object) -> str:
    return reverse(name, args=args)


def tag(escalation: Escalation) -> str:
    escalation.refresh_from_db()
    return f'"escalation-{escalation.pk}-v{escalation.version}"'


def fields(response) -> dict:
    return response.json()["error"]["fields"]


def approved_situation(title: str, analyst, senior_analyst, special_adviser):
    situation = services.situation_create(
        created_by=analyst,
        title=title,
        countries=["MLI"],
        classification=Classification.CONFIDENTIAL,
    )
    for person in (senior_analyst, special_adviser):
        services.situation_member_add(situation=situation, user=person, actor=analyst)
    assessment = assessment_services.assessment_start(situation=situation, actor=analyst)
    assessment_services.assessment_submit(assessment=assessment, actor=analyst)
    assessment_services.assessment_approve(assessment=assessment, actor=senior_analyst)
    return situation


@pytest.fixture
def situation(analyst, senior_analyst, special_adviser):
    return approved_situation("Central Sahel", analyst, senior_analyst, special_adviser)


@pytest.fixture
def option(situation, analyst):
    return ResponseOption.objects.create(
        situation=situation,
        instrument=Instrument.objects.order_by("position").first(),
        rationale="Preventive diplomacy with community leaders.",
        lead_actor="Special Adviser",
        feasibility="high",
        proposed_by=analyst,
    )


@pytest.fixture
def escalation(situation, analyst):
    return escalations.escalation_create(
        situation=situation, actor=analyst, summary="Attacks on villages around Ménaka."
    )


@pytest.fixture
def people(analyst, senior_analyst, special_adviser, sg_office, liaison, outsider):
    return {
        "amina": analyst,
        "bruno": senior_analyst,
        "chen": special_adviser,
        "dara": sg_office,
        "elena": liaison,
        "oscar": outsider,
    }


def put(escalation: Escalation, status: str) -> Escalation:
    """Test setup only: place the escalation in `status` without walking the workflow."""
    Escalation.objects.filter(pk=escalation.pk).update(status=status)
    escalation.refresh_from_db()
    return escalation


# --- Drafting -------------------------------------------------------------------------------------


def test_amina_drafts_an_escalation_with_options_and_a_routing_and_reads_it_back(
    situation, analyst, option
):
    response = client_for(analyst).post(
        url("api-situation-escalations", situation.pk),
        {
            "summary": "Attacks on villages around Ménaka.",
            "response_options": [option.pk],
            "recommended_routing": [SECURITY_COUNCIL, AFRICAN_UNION],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    escalation = Escalation.objects.get(pk=body["id"])
    assert response["ETag"] == tag(escalation) == f'"escalation-{escalation.pk}-v1"'
    assert (body["status"], body["drafted_by"], body["reviewed_by"]) == ("draft", "amina", None)
    assert body["situation"]["reference"] == situation.reference
    assert body["assessment"]["version"] == 1 and body["assessment"]["overall"]["word"]
    assert [o["id"] for o in body["response_options"]] == [option.pk]
    assert body["recommended_routing"] == [
        {"regional_arrangement": "", "other_body": "", **SECURITY_COUNCIL},
        {**AFRICAN_UNION, "regional_arrangement": "AU", "other_body": ""},
    ]
    assert escalation.recommended_routing == body["recommended_routing"]
    assert body["moves"] == ["submit", "urgent", "withdraw"]
    again = client_for(analyst).get(url("api-escalation", escalation.pk))
    assert again.status_code == 200 and again["ETag"] == response["ETag"]


def test_a_routing_is_checked_entry_by_entry_with_errors_by_index(situation, analyst):
    RegionalArrangement.objects.filter(acronym="SAARC").update(active=False)
    response = client_for(analyst).post(
        url("api-situation-escalations", situation.pk),
        {
            "summary": "Attacks on villages around Ménaka.",
            "recommended_routing": [
                SECURITY_COUNCIL,
                {"body": "regional", "regional_arrangement": "XYZ", "rationale": "Near."},
                {"body": "other", "legal_basis": "Its statute", "rationale": "Mandate."},
                {"body": "moon", "legal_basis": "None", "rationale": "None"},
                {**AFRICAN_UNION, "regional_arrangement": "SAARC"},
                {**SECURITY_COUNCIL, "regional_arrangement": "AU"},
                SECURITY_COUNCIL,
                "the Security Council",
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    errors = fields(response)
    assert set(errors) == {
        "recommended_routing[1].regional_arrangement",
        "recommended_routing[2].other_body",
        "recommended_routing[3].body",
        "recommended_routing[4].regional_arrangement",
        "recommended_routing[5].regional_arrangement",
        "recommended_routing[6].body",
        "recommended_routing[7]",
    }
    assert "not an active arrangement" in errors["recommended_routing[1].regional_arrangement"][0]
    assert "not an active arrangement" in errors["recommended_routing[4].regional_arrangement"][0]
    assert errors["recommended_routing[2].other_body"] == ["Name the other body in full."]
    assert "already in the routing" in errors["recommended_routing[6].body"][0]
    assert not Escalation.objects.exists()


def test_drafting_needs_a_summary_and_names_unknown_fields(situation, analyst):
    amina = client_for(analyst)
    endpoint = url("api-situation-escalations", situation.pk)
    blank = amina.post(endpoint, {"summary": "  "}, format="json")
    assert blank.status_code == 400
    assert fields(blank) == {"summary": ["This field is required."]}
    unknown = amina.post(endpoint, {"summary": "Now.", "urgnet": True}, format="json")
    assert unknown.status_code == 400
    assert set(fields(unknown)) == {"urgnet"}
    assert not Escalation.objects.exists()


def test_a_second_open_escalation_of_the_same_situation_is_409(escalation, situation, analyst):
    response = client_for(analyst).post(
        url("api-situation-escalations", situation.pk), {"summary": "Again."}, format="json"
    )
    assert response.status_code == 409
    assert Escalation.objects.count() == 1


def test_chen_is_on_the_team_but_his_role_does_not_draft_escalations(situation, special_adviser):
    response = client_for(special_adviser).post(
        url("api-situation-escalations", situation.pk), {"summary": "Now."}, format="json"
    )
    assert response.status_code == 403
    assert not Escalation.objects.exists()


@pytest.mark.parametrize("person", ["elena", "oscar"])
def test_outsiders_and_liaisons_cannot_draft(situation, people, person):
    response = client_for(people[person]).post(
        url("api-situation-escalations", situation.pk), {"summary": "Now."}, format="json"
    )
    assert response.status_code == 404
    assert not Escalation.objects.exists()


# --- Editing --------------------------------------------------------------------------------------


def test_amina_edits_her_draft_with_if_match_and_the_version_moves_on(escalation, analyst):
    amina = client_for(analyst)
    before = tag(escalation)
    response = amina.patch(
        url("api-escalation", escalation.pk),
        {"summary": "Now also around Gao.", "recommended_routing": [SECURITY_COUNCIL]},
        format="json",
        HTTP_IF_MATCH=before,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["summary"] == "Now also around Gao."
    assert response.json()["recommended_routing"][0]["body"] == "sc"
    assert response["ETag"] == tag(escalation) != before
    assert AuditEvent.objects.filter(action="escalation.update").count() == 1

    stale = amina.patch(
        url("api-escalation", escalation.pk),
        {"summary": "Overwriting."},
        format="json",
        HTTP_IF_MATCH=before,
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    missing = amina.patch(url("api-escalation", escalation.pk), {"summary": "x"}, format="json")
    assert missing.status_code == 428
    escalation.refresh_from_db()
    assert escalation.summary == "Now also around Gao."


def test_an_edit_with_a_bad_routing_changes_nothing(escalation, analyst):
    response = client_for(analyst).patch(
        url("api-escalation", escalation.pk),
        {
            "recommended_routing": [
                {"body": "regional", "legal_basis": "Ch. VIII", "rationale": "x"}
            ]
        },
        format="json",
        HTTP_IF_MATCH=tag(escalation),
    )
    assert response.status_code == 400
    assert set(fields(response)) == {"recommended_routing[0].regional_arrangement"}
    escalation.refresh_from_db()
    assert (escalation.recommended_routing, escalation.version) == ([], 1)


def test_only_a_draft_is_edited(escalation, analyst):
    put(escalation, S.IN_REVIEW)
    response = client_for(analyst).patch(
        url("api-escalation", escalation.pk),
        {"summary": "Too late."},
        format="json",
        HTTP_IF_MATCH=tag(escalation),
    )
    assert response.status_code == 409


def test_bruno_may_see_but_dara_is_not_on_the_team_and_cannot_edit(escalation, people):
    put(escalation, S.AT_DESK)
    response = client_for(people["dara"]).patch(
        url("api-escalation", escalation.pk),
        {"summary": "From the desk."},
        format="json",
        HTTP_IF_MATCH=tag(escalation),
    )
    assert response.status_code == 403


# --- Lists and visibility -------------------------------------------------------------------------


def test_amina_lists_escalations_filtered_by_situation_and_status_in_fixed_queries(
    situation, analyst, senior_analyst, special_adviser, option
):
    amina = client_for(analyst)
    first = escalations.escalation_create(
        situation=situation, actor=analyst, summary="Ménaka.", option_ids=[option.pk]
    )
    with CaptureQueriesContext(connection) as one:
        response = amina.get(url("api-escalations"))
    assert [e["id"] for e in response.json()["results"]] == [first.pk]

    others = [
        escalations.escalation_create(
            situation=approved_situation(title, analyst, senior_analyst, special_adviser),
            actor=analyst,
            summary=title,
        )
        for title in ("Liptako-Gourma", "Lake Chad")
    ]
    escalations.escalation_transition(escalation=others[0], actor=analyst, action="submit")
    with CaptureQueriesContext(connection) as three:
        response = amina.get(url("api-escalations"))
    assert [e["id"] for e in response.json()["results"]] == [others[1].pk, others[0].pk, first.pk]
    assert len(three.captured_queries) == len(one.captured_queries)

    by_status = amina.get(url("api-escalations"), {"status": "in_review"}).json()["results"]
    assert [e["id"] for e in by_status] == [others[0].pk]
    by_situation = amina.get(url("api-escalations"), {"situation": situation.pk}).json()
    assert [e["id"] for e in by_situation["results"]] == [first.pk]
    bad = amina.get(url("api-escalations"), {"status": "pending"})
    assert bad.status_code == 400 and "status" in fields(bad)


def test_dara_at_the_desk_sees_only_what_reached_it(escalation, sg_office):
    dara = client_for(sg_office)
    assert dara.get(url("api-escalations")).json()["results"] == []
    assert dara.get(url("api-escalation", escalation.pk)).status_code == 404
    put(escalation, S.AT_DESK)
    assert [e["id"] for e in dara.get(url("api-escalations")).json()["results"]] == [escalation.pk]
    assert dara.get(url("api-escalation", escalation.pk)).status_code == 200


@pytest.mark.parametrize("person", ["elena", "oscar"])
@pytest.mark.parametrize("status", [S.DRAFT, S.AT_DESK])
def test_liaisons_and_outsiders_get_nothing_from_any_endpoint(escalation, people, person, status):
    put(escalation, status)
    client = client_for(people[person])
    assert client.get(url("api-escalations")).json()["results"] == []
    assert client.get(url("api-regional-arrangements")).json() == []
    assert client.get(url("api-escalation", escalation.pk)).status_code == 404
    assert client.get(url("api-escalation-transitions", escalation.pk)).status_code == 404
    patched = client.patch(
        url("api-escalation", escalation.pk),
        {"summary": "x"},
        format="json",
        HTTP_IF_MATCH=tag(escalation),
    )
    assert patched.status_code == 404
    for action in MOVES:
        moved = client.post(
            url(f"api-escalation-{action}", escalation.pk), {"comment": "Because"}, format="json"
        )
        assert moved.status_code == 404, action
    assert Escalation.objects.get(pk=escalation.pk).status == status
    assert not EscalationTransition.objects.exists()


def test_a_missing_escalation_is_404(analyst):
    assert client_for(analyst).get(url("api-escalation", 999999)).status_code == 404


# --- The transition table over HTTP -------------------------------------------------------------

# (action, from status): one person allowed, one person who sees it but is refused, the target.
TABLE = [
    ("submit", S.DRAFT, "amina", "chen", S.IN_REVIEW),
    ("review", S.IN_REVIEW, "bruno", "amina", S.REVIEWED),
    ("return", S.IN_REVIEW, "bruno", "chen", S.DRAFT),
    ("endorse", S.REVIEWED, "chen", "bruno", S.ENDORSED),
    ("return", S.REVIEWED, "chen", "bruno", S.DRAFT),
    ("transmit", S.ENDORSED, "chen", "amina", S.AT_DESK),
    ("return", S.ENDORSED, "chen", "amina", S.DRAFT),
    ("return", S.AT_DESK, "dara", "amina", S.DRAFT),
    ("urgent", S.DRAFT, "chen", "amina", S.AT_DESK),
    ("withdraw", S.DRAFT, "amina", "chen", S.WITHDRAWN),
    ("withdraw", S.IN_REVIEW, "bruno", "chen", S.WITHDRAWN),
    ("withdraw", S.REVIEWED, "amina", "chen", S.WITHDRAWN),
    ("withdraw", S.ENDORSED, "amina", "chen", S.WITHDRAWN),
]


@pytest.mark.parametrize(("action", "status", "allowed", "refused", "target"), TABLE)
def test_each_move_is_allowed_to_the_right_person_and_refused_to_another(
    escalation, people, action, status, allowed, refused, target
):
    put(escalation, status)
    endpoint = url(f"api-escalation-{action}", escalation.pk)

    no = client_for(people[refused]).post(endpoint, {"comment": "Because"}, format="json")
    assert no.status_code == 403, no.json()
    assert no.json()["error"]["code"] == "forbidden"
    assert Escalation.objects.get(pk=escalation.pk).status == status

    yes = client_for(people[allowed]).post(endpoint, {"comment": "Because"}, format="json")
    assert yes.status_code == 200, yes.json()
    assert yes.json()["status"] == target
    assert yes["ETag"] == tag(escalation)
    row = EscalationTransition.objects.get(escalation=escalation)
    assert (row.action, row.from_status, row.to_status, row.actor.username, row.comment) == (
        action,
        status,
        target,
        allowed,
        "Because",
    )
    assert AuditEvent.objects.filter(
        action="escalation.status", object_id=str(escalation.pk), summary__action=action
    ).exists()


# (action, a status it is not allowed from, someone who sees it there)
WRONG_STATE = [
    ("submit", S.IN_REVIEW, "amina"),
    ("review", S.DRAFT, "bruno"),
    ("return", S.DRAFT, "bruno"),
    ("endorse", S.IN_REVIEW, "chen"),
    ("transmit", S.REVIEWED, "chen"),
    ("urgent", S.IN_REVIEW, "chen"),
    ("withdraw", S.AT_DESK, "amina"),
    ("withdraw", S.WITHDRAWN, "amina"),
    ("endorse", S.DECIDED, "chen"),
]


@pytest.mark.parametrize(("action", "status", "person"), WRONG_STATE)
def test_a_move_not_allowed_from_the_current_status_is_409(
    escalation, people, action, status, person
):
    put(escalation, status)
    response = client_for(people[person]).post(
        url(f"api-escalation-{action}", escalation.pk), {"comment": "Because"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert Escalation.objects.get(pk=escalation.pk).status == status
    assert not EscalationTransition.objects.exists()


def test_the_whole_path_through_the_api_and_its_transition_record(escalation, people):
    for action, person in (
        ("submit", "amina"),
        ("review", "bruno"),
        ("endorse", "chen"),
        ("transmit", "chen"),
    ):
        response = client_for(people[person]).post(
            url(f"api-escalation-{action}", escalation.pk),
            {"comment": f"{action} by {person}"},
            format="json",
        )
        assert response.status_code == 200, (action, response.json())
    body = response.json()
    assert (body["status"], body["reviewed_by"], body["endorsed_by"]) == (
        "at_desk",
        "bruno",
        "chen",
    )
    assert body["moves"] == ["decide", "return"]
    transitions = client_for(people["dara"]).get(url("api-escalation-transitions", escalation.pk))
    assert transitions.status_code == 200
    assert [
        (t["action"], t["from_status"], t["to_status"], t["actor"]) for t in transitions.json()
    ] == [
        ("submit", "draft", "in_review", "amina"),
        ("review", "in_review", "reviewed", "bruno"),
        ("endorse", "reviewed", "endorsed", "chen"),
        ("transmit", "endorsed", "at_desk", "chen"),
    ]
    assert transitions.json()[0]["comment"] == "submit by amina"


# --- Four eyes, reasons, the urgent path ----------------------------------------------------------


def test_four_eyes_bruno_drafted_it_so_another_senior_analyst_must_review_it(
    situation, analyst, senior_analyst
):
    drafted = escalations.escalation_create(
        situation=situation, actor=senior_analyst, summary="Drafted by Bruno."
    )
    bruno = client_for(senior_analyst)
    assert bruno.post(url("api-escalation-submit", drafted.pk)).status_code == 200
    own = bruno.post(url("api-escalation-review", drafted.pk), {}, format="json")
    assert own.status_code == 403
    assert "Four eyes" in own.json()["error"]["message"]
    assert Escalation.objects.get(pk=drafted.pk).status == S.IN_REVIEW
    own_return = bruno.post(
        url("api-escalation-return", drafted.pk), {"comment": "My own"}, format="json"
    )
    assert own_return.status_code == 403

    sofia = UserFactory(
        username="sofia", role="senior-analyst", clearance=Classification.STRICTLY_CONFIDENTIAL
    )
    services.situation_member_add(situation=situation, user=sofia, actor=analyst)
    other = client_for(sofia).post(url("api-escalation-review", drafted.pk), {}, format="json")
    assert other.status_code == 200
    assert (other.json()["status"], other.json()["reviewed_by"]) == ("reviewed", "sofia")


@pytest.mark.parametrize("comment", [None, "", "   "])
def test_the_urgent_path_needs_a_written_justification(escalation, special_adviser, comment):
    body = {} if comment is None else {"comment": comment}
    response = client_for(special_adviser).post(
        url("api-escalation-urgent", escalation.pk), body, format="json"
    )
    assert response.status_code == 400
    assert fields(response) == {"comment": ["Justify sending it straight to the desk."]}
    escalation.refresh_from_db()
    assert (escalation.status, escalation.urgent) == (S.DRAFT, False)
    assert not EscalationTransition.objects.exists()


def test_chen_sends_a_draft_straight_to_the_desk_and_dara_sees_it(escalation, people):
    response = client_for(people["chen"]).post(
        url("api-escalation-urgent", escalation.pk),
        {"comment": "Killings began overnight; the review cycle would take days."},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["urgent"], body["endorsed_by"]) == ("at_desk", True, "chen")
    assert body["urgent_justification"].startswith("Killings began overnight")
    row = EscalationTransition.objects.get(escalation=escalation)
    assert (row.action, row.from_status, row.to_status) == ("urgent", "draft", "at_desk")
    dara = client_for(people["dara"])
    assert [e["id"] for e in dara.get(url("api-escalations")).json()["results"]] == [escalation.pk]


@pytest.mark.parametrize("action", ["return", "withdraw"])
def test_returning_or_withdrawing_needs_reasons(escalation, people, action):
    put(escalation, S.IN_REVIEW)
    response = client_for(people["bruno"]).post(
        url(f"api-escalation-{action}", escalation.pk), {"comment": ""}, format="json"
    )
    assert response.status_code == 400
    assert fields(response) == {"comment": ["Give the reasons."]}
    assert Escalation.objects.get(pk=escalation.pk).status == S.IN_REVIEW


def test_dara_sends_it_back_from_the_desk_and_it_leaves_her_sight(escalation, sg_office):
    put(escalation, S.AT_DESK)
    dara = client_for(sg_office)
    response = dara.post(
        url("api-escalation-return", escalation.pk),
        {"comment": "Which communities are targeted?"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["moves"]) == (
        "draft",
        ["submit", "urgent", "withdraw"],
    )
    assert dara.get(url("api-escalation", escalation.pk)).status_code == 404
    assert dara.get(url("api-escalations")).json()["results"] == []


def test_a_move_names_unknown_fields(escalation, analyst):
    response = client_for(analyst).post(
        url("api-escalation-submit", escalation.pk), {"coment": "typo"}, format="json"
    )
    assert response.status_code == 400
    assert set(fields(response)) == {"coment"}


# --- Stale versions -------------------------------------------------------------------------------


def test_a_move_on_a_stale_if_match_is_412_and_on_a_stale_body_version_409(escalation, analyst):
    amina = client_for(analyst)
    before = tag(escalation)
    escalations.escalation_update(escalation=escalation, actor=analyst, data={"summary": "New."})
    stale = amina.post(url("api-escalation-submit", escalation.pk), HTTP_IF_MATCH=before)
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    stale_body = amina.post(
        url("api-escalation-submit", escalation.pk), {"version": 1}, format="json"
    )
    assert stale_body.status_code == 409
    other_record = amina.post(
        url("api-escalation-submit", escalation.pk), HTTP_IF_MATCH='"escalation-999999-v2"'
    )
    assert other_record.status_code == 412
    clash = amina.post(
        url("api-escalation-submit", escalation.pk),
        {"version": 1},
        format="json",
        HTTP_IF_MATCH=tag(escalation),
    )
    assert clash.status_code == 400 and "version" in fields(clash)
    assert Escalation.objects.get(pk=escalation.pk).status == S.DRAFT

    current = amina.post(url("api-escalation-submit", escalation.pk), HTTP_IF_MATCH=tag(escalation))
    assert current.status_code == 200
    assert current.json()["status"] == "in_review"


def test_a_current_if_match_on_a_move_not_allowed_is_still_409(escalation, senior_analyst):
    response = client_for(senior_analyst).post(
        url("api-escalation-review", escalation.pk), HTTP_IF_MATCH=tag(escalation)
    )
    assert response.status_code == 409


# --- The regional arrangements list ---------------------------------------------------------------


def test_the_maintained_list_of_regional_arrangements_leaves_out_retired_ones(analyst, sg_office):
    RegionalArrangement.objects.filter(acronym="SAARC").update(active=False)
    for person in (analyst, sg_office):
        response = client_for(person).get(url("api-regional-arrangements"))
        assert response.status_code == 200
        acronyms = [row["acronym"] for row in response.json()]
        assert {"AU", "ECOWAS", "IGAD", "ASEAN", "OSCE", "LAS", "PIF"} <= set(acronyms)
        assert "SAARC" not in acronyms
        assert acronyms == sorted(acronyms)
    au = next(r for r in response.json() if r["acronym"] == "AU")
    assert au["name"] == "African Union"


# --- The schema -----------------------------------------------------------------------------------


def test_the_schema_documents_every_escalation_endpoint_without_a_warning(tmp_path: Path):
    target = tmp_path / "schema.yaml"
    # --fail-on-warn turns any drf-spectacular warning into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/v1/escalations/",
        "/api/v1/situations/{id}/escalations/",
        "/api/v1/escalations/{id}/",
        "/api/v1/escalations/{id}/transitions/",
        *(f"/api/v1/escalations/{{id}}/{action}/" for action in MOVES),
        "/api/v1/regional-arrangements/",
    ):
        assert f"  {path}:" in text, path
    for operation in ("escalations_endorse", "escalations_urgent", "regional_arrangements_list"):
        assert f"operationId: {operation}" in text
