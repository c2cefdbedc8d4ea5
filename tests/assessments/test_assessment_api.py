"""The assessments API: versions, judgments and evidence under If-Match, the workflow with four
eyes, immutability, the diff, the framework and the portfolio reads, field-level errors for
bad input, a fixed number of queries, the schema, and nothing at all for outsiders.

Amina (analyst) drafts the Central Sahel assessment; Bruno (senior analyst, on the team)
reviews it; Chen (Special Adviser, not on the team) and Oscar (outsider), Elena (liaison) and
the relay (partner system) see none of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services
from assessments.models import (
    Assessment,
    AssessmentStatus,
    AssessmentTransition,
    Evidence,
    RiskLevel,
)
from cases import services as cases_services
from r2p import services as r2p_services
from r2p.models import AuditEvent, Classification
from tests.assessments.conftest import judge

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


def tag(assessment: Assessment) -> str:
    assessment.refresh_from_db()
    return f'"assessment-{assessment.pk}-v{assessment.revision}"'


def factor(body: dict, number: int) -> dict:
    return next(j for j in body["judgments"] if j["factor"]["number"] == number)


def fields(response) -> dict:
    return response.json()["error"]["fields"]


def approve(assessment, author, reviewer) -> Assessment:
    services.assessment_submit(assessment=assessment, actor=author)
    return services.assessment_approve(assessment=assessment, actor=reviewer)


# --- Versions and the detail ----------------------------------------------------------------------


def test_amina_starts_version_1_and_reads_it_back_with_its_etag(amina, situation):
    started = amina.post(url("api-situation-assessments", situation.pk))
    assert started.status_code == 201
    body = started.json()
    assert (body["version"], body["status"], body["author"]) == (1, "draft", "amina")
    assert body["situation"]["reference"] == situation.reference
    assert body["classification"] == "CONFIDENTIAL"
    assert [j["factor"]["number"] for j in body["judgments"]] == list(range(1, 15))
    assert {j["level"] for j in body["judgments"]} == {"insufficient"}
    assert body["overall"] == {"level": 1, "word": "Low"}
    assert body["risk"]["not_judged"] == list(range(1, 15))
    assessment = Assessment.objects.get(pk=body["id"])
    assert started["ETag"] == tag(assessment)
    again = amina.get(url("api-assessment", assessment.pk))
    assert again.status_code == 200 and again["ETag"] == started["ETag"]


def test_a_second_version_cannot_start_while_one_is_open(amina, draft, situation):
    response = amina.post(url("api-situation-assessments", situation.pk))
    assert response.status_code == 409
    assert "still draft" in response.json()["error"]["message"]
    assert Assessment.objects.count() == 1


def test_special_adviser_chen_may_see_but_cannot_start_a_version_he_is_not_on_the_team_of(
    situation, special_adviser
):
    situation.classification = Classification.PUBLIC
    situation.save(update_fields=["classification"])
    response = client_for(special_adviser).post(url("api-situation-assessments", situation.pk))
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_judging_a_factor_recomputes_the_risk_and_explains_it(amina, draft):
    response = amina.patch(
        url("api-assessment-factor", draft.pk, 11),
        {
            "level": "high",
            "confidence": "medium",
            "narrative": "Systematic attacks on villages around Ménaka.",
            "indicators": ["11.1", "11.2"],
        },
        HTTP_IF_MATCH=tag(draft),
    )
    assert response.status_code == 200
    body = response.json()
    judged = factor(body, 11)
    assert (judged["level"], judged["level_label"], judged["confidence"]) == (
        "high",
        "High",
        "medium",
    )
    assert judged["indicators"] == ["11.1", "11.2"]
    crimes = {c["crime"]: c for c in body["risk"]["crimes"]}
    assert crimes["crimes_against_humanity"]["level"] == {"level": 3, "word": "High"}
    assert crimes["crimes_against_humanity"]["reason"].startswith("High because factor 11 is high")
    assert body["overall"] == body["computed"] == {"level": 3, "word": "High"}
    assert body["crimes_against_humanity"] == {"level": 3, "word": "High"}
    assert response["ETag"] == tag(draft) and draft.revision == 2
    assert draft.overall_level == RiskLevel.HIGH


def test_a_change_without_if_match_is_428_and_with_a_stale_etag_412(amina, draft):
    stale = tag(draft)
    missing = amina.patch(url("api-assessment-factor", draft.pk, 3), {"level": "low"})
    assert missing.status_code == 428
    assert missing.json()["error"]["code"] == "precondition_required"
    judge(draft, draft.author, 1, "moderate")  # someone else's change in between
    refused = amina.patch(
        url("api-assessment-factor", draft.pk, 3), {"level": "low"}, HTTP_IF_MATCH=stale
    )
    assert refused.status_code == 412
    refused = amina.patch(
        url("api-assessment", draft.pk), {"overall_narrative": "x"}, HTTP_IF_MATCH=stale
    )
    assert refused.status_code == 412
    assert draft.judgments.get(factor__number=3).level == "insufficient"
    assert Assessment.objects.get(pk=draft.pk).overall_narrative == ""


def test_an_etag_of_another_assessment_is_412(amina, draft):
    response = amina.patch(
        url("api-assessment", draft.pk), {"overall_narrative": "x"}, HTTP_IF_MATCH='"signal-1-v1"'
    )
    assert response.status_code == 412


def test_an_override_needs_a_justification_and_shows_beside_the_computed_level(amina, draft):
    refused = amina.patch(
        url("api-assessment", draft.pk), {"override_level": 4}, HTTP_IF_MATCH=tag(draft)
    )
    assert refused.status_code == 400
    assert list(fields(refused)) == ["override_justification"]
    response = amina.patch(
        url("api-assessment", draft.pk),
        {
            "override_level": 4,
            "override_justification": "Hate speech is peaking before the vote.",
            "overall_narrative": "Deteriorating.",
        },
        HTTP_IF_MATCH=tag(draft),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["overall"] == {"level": 4, "word": "Very high"}
    assert body["computed"] == {"level": 1, "word": "Low"}
    assert body["risk"]["override"] == {"level": 4, "word": "Very high"}
    assert body["risk"]["override_justification"] == "Hate speech is peaking before the vote."
    assert body["overall_narrative"] == "Deteriorating."
    cleared = amina.patch(
        url("api-assessment", draft.pk), {"override_level": None}, HTTP_IF_MATCH=response["ETag"]
    )
    assert cleared.json()["overall"] == {"level": 1, "word": "Low"}
    assert cleared.json()["override"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"override_level": 7, "override_justification": "x"}, "override_level"),
        ({"override_level": "very high"}, "override_level"),
        ({"classification": "SECRET"}, "classification"),
        ({"classification": "STRICTLY_CONFIDENTIAL"}, "classification"),  # above her clearance
        ({"classification": "PUBLIC"}, "classification"),  # below the situation
        ({"overall_narrative": ["not", "text"]}, "overall_narrative"),
        ({"overal_narrative": "typo"}, "overal_narrative"),
        ({}, "non_field_errors"),
    ],
)
def test_bad_input_to_an_assessment_names_the_field(amina, draft, body, field):
    response = amina.patch(url("api-assessment", draft.pk), body, HTTP_IF_MATCH=tag(draft))
    assert response.status_code == 400
    assert field in fields(response)
    assert tag(draft) == f'"assessment-{draft.pk}-v1"'


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": "severe"}, "level"),
        ({"confidence": "total"}, "confidence"),
        ({"indicators": ["11.99"]}, "indicators"),
        ({"indicators": "11.1"}, "indicators"),
        ({"narrative": "x" * 20_001}, "narrative"),
        ({"levle": "high"}, "levle"),
        ({}, "non_field_errors"),
    ],
)
def test_bad_input_to_a_judgment_names_the_field(amina, draft, body, field):
    response = amina.patch(
        url("api-assessment-factor", draft.pk, 11), body, HTTP_IF_MATCH=tag(draft)
    )
    assert response.status_code == 400
    assert field in fields(response)
    assert draft.judgments.get(factor__number=11).level == "insufficient"


def test_there_is_no_factor_15(amina, draft):
    response = amina.patch(
        url("api-assessment-factor", draft.pk, 15), {"level": "high"}, HTTP_IF_MATCH=tag(draft)
    )
    assert response.status_code == 404


def test_a_partner_token_and_a_staff_token_read_what_their_holder_may(draft, analyst, partner):
    _, key = r2p_services.token_create(user=analyst, expires_days=30)
    api = APIClient()
    assert (
        api.get(url("api-assessment", draft.pk), HTTP_AUTHORIZATION=f"Token {key}").status_code
        == 200
    )
    _, key = r2p_services.token_create(user=partner, expires_days=30)
    assert (
        api.get(url("api-assessment", draft.pk), HTTP_AUTHORIZATION=f"Token {key}").status_code
        == 404
    )
    assert APIClient().get(url("api-assessment", draft.pk)).status_code == 401


# --- Evidence and its flags -----------------------------------------------------------------------


def test_evidence_shows_the_signal_and_its_grade_never_the_source_identity(
    amina, draft, make_signal, field_office
):
    signal = make_signal()
    response = amina.post(
        url("api-assessment-factor-evidence", draft.pk, 7),
        {"signal": signal.pk, "note": "Market attack shows intent."},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["signal"] == signal.pk and body["factor"] == 7
    assert body["headline"] == "Armed men attack a weekly market near Tessit"
    assert body["grade"] == "B2"
    assert body["source"] == {"pseudonym": field_office.pseudonym, "reliability": "B"}
    assert response["ETag"] == tag(draft)
    detail = amina.get(url("api-assessment", draft.pk))
    assert factor(detail.json(), 7)["evidence"][0]["id"] == body["id"]
    assert "Field officer in Gao" not in detail.content.decode()


@pytest.mark.parametrize("problem", ["missing", "unknown", "repeated", "not-a-number"])
def test_bad_evidence_is_a_field_error_on_signal(amina, draft, make_signal, problem):
    signal = make_signal()
    services.evidence_add(
        judgment=draft.judgments.get(factor__number=7), actor=draft.author, signal_id=signal.pk
    )
    body = {
        "missing": {"note": "x"},
        "unknown": {"signal": signal.pk + 1000},
        "repeated": {"signal": signal.pk},
        "not-a-number": {"signal": "latest"},
    }[problem]
    response = amina.post(url("api-assessment-factor-evidence", draft.pk, 7), body)
    assert response.status_code == 400
    assert list(fields(response)) == ["signal"]
    assert Evidence.objects.count() == 1


def test_a_signal_amina_may_not_see_is_withheld_from_her_but_counted(
    amina, draft, make_signal, senior_analyst, wire
):
    secret = make_signal(
        wire,
        actor=senior_analyst,
        link=False,
        headline="Named commander orders the burning of Tessit",
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    judgment = draft.judgments.get(factor__number=7)
    services.evidence_add(judgment=judgment, actor=senior_analyst, signal_id=secret.pk)
    mine = amina.get(url("api-assessment", draft.pk))
    judged = factor(mine.json(), 7)
    assert judged["evidence"] == [] and judged["evidence_withheld"] == 1
    assert "Named commander" not in mine.content.decode()
    theirs = client_for(senior_analyst).get(url("api-assessment", draft.pk)).json()
    assert factor(theirs, 7)["evidence"][0]["headline"].startswith("Named commander")
    evidence = Evidence.objects.get()
    assert amina.delete(url("api-evidence", evidence.pk)).status_code == 404
    assert Evidence.objects.exists()


def test_removing_evidence_answers_204_with_the_new_etag(amina, draft, make_signal):
    services.evidence_add(
        judgment=draft.judgments.get(factor__number=7),
        actor=draft.author,
        signal_id=make_signal().pk,
    )
    evidence = Evidence.objects.get()
    stale = amina.delete(
        url("api-evidence", evidence.pk), HTTP_IF_MATCH=f'"assessment-{draft.pk}-v1"'
    )
    assert stale.status_code == 412
    response = amina.delete(url("api-evidence", evidence.pk), HTTP_IF_MATCH=tag(draft))
    assert response.status_code == 204
    assert response["ETag"] == tag(draft)
    assert not Evidence.objects.exists()


def test_flags_show_per_factor_and_an_acknowledgement_with_a_note_resolves_them(
    amina, draft, make_signal
):
    judge(draft, draft.author, 7, "high")
    body = amina.get(url("api-assessment", draft.pk)).json()
    assert factor(body, 7)["flags"] == ["no_evidence"]
    assert factor(body, 7)["unresolved_flags"] == ["no_evidence"]
    assert any(b.startswith("Factor 7 (high): no evidence") for b in body["blockers"])
    amina.post(url("api-assessment-factor-evidence", draft.pk, 7), {"signal": make_signal().pk})
    body = amina.get(url("api-assessment", draft.pk)).json()
    assert factor(body, 7)["flags"] == ["single_source"]
    no_note = amina.post(url("api-assessment-factor-flags", draft.pk, 7), {"note": ""})
    assert no_note.status_code == 400 and list(fields(no_note)) == ["note"]
    nothing = amina.post(url("api-assessment-factor-flags", draft.pk, 3), {"note": "Fine"})
    assert nothing.status_code == 400 and list(fields(nothing)) == ["note"]
    response = amina.post(
        url("api-assessment-factor-flags", draft.pk, 7),
        {"note": "The field office saw it first hand."},
    )
    assert response.status_code == 200
    judged = factor(response.json(), 7)
    assert judged["unresolved_flags"] == []
    assert judged["acknowledgement"]["flags"] == ["single_source"]
    assert judged["acknowledgement"]["by"] == "amina"
    assert response.json()["blockers"] == []


# --- The workflow: four eyes, blockers, immutability ----------------------------------------------


def test_amina_submits_and_bruno_approves(amina, bruno, draft):
    submitted = amina.post(url("api-assessment-submit", draft.pk), {"revision": 1})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    approved = bruno.post(
        url("api-assessment-approve", draft.pk),
        {"comment": "Sound."},
        HTTP_IF_MATCH=submitted["ETag"],
    )
    assert approved.status_code == 200
    body = approved.json()
    assert (body["status"], body["approved_by"]) == ("approved", "bruno")
    assert [(t["from_status"], t["to_status"], t["actor"]) for t in body["transitions"]] == [
        ("draft", "submitted", "amina"),
        ("submitted", "approved", "bruno"),
    ]
    assert body["transitions"][1]["comment"] == "Sound."
    assert (
        AuditEvent.objects.filter(action="assessment.status", summary__to="approved").count() == 1
    )


def test_four_eyes_amina_cannot_approve_her_own_version(amina, draft):
    amina.post(url("api-assessment-submit", draft.pk))
    refused = amina.post(url("api-assessment-approve", draft.pk), {"comment": "Fine by me"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.SUBMITTED


def test_four_eyes_bruno_may_review_but_not_approve_or_return_what_he_wrote(bruno, situation):
    started = bruno.post(url("api-situation-assessments", situation.pk)).json()
    assert bruno.post(url("api-assessment-submit", started["id"])).status_code == 200
    for action, body in (
        ("api-assessment-approve", {}),
        ("api-assessment-return", {"comment": "x"}),
    ):
        refused = bruno.post(url(action, started["id"]), body)
        assert refused.status_code == 403
        assert "Four eyes" in refused.json()["error"]["message"]
    assessment = Assessment.objects.get(pk=started["id"])
    assert assessment.status == AssessmentStatus.SUBMITTED and assessment.approved_by is None
    assert not AuditEvent.objects.filter(action="assessment.status", summary__to="approved")


def test_approval_blocked_by_flags_and_challenges_lists_the_blockers(
    amina, bruno, draft, senior_analyst
):
    judge(draft, draft.author, 7, "high")
    challenge = services.challenge_raise(
        actor=senior_analyst,
        reasoning="The killings were banditry.",
        judgment=draft.judgments.get(factor__number=7),
    )
    amina.post(url("api-assessment-submit", draft.pk))
    refused = bruno.post(url("api-assessment-approve", draft.pk))
    assert refused.status_code == 400
    blockers = fields(refused)["blockers"]
    assert blockers[0].startswith("Factor 7 (high): no evidence")
    assert blockers[1].startswith(f"Challenge #{challenge.pk} (factor 7) is open")
    detail = bruno.get(url("api-assessment", draft.pk)).json()
    assert detail["blockers"] == blockers
    assert detail["challenges"][0]["id"] == challenge.pk
    assert factor(detail, 7)["open_challenges"] == [challenge.pk]
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.SUBMITTED


def test_a_move_the_workflow_does_not_allow_is_409(amina, bruno, draft):
    assert bruno.post(url("api-assessment-approve", draft.pk)).status_code == 409  # a draft
    amina.post(url("api-assessment-submit", draft.pk))
    assert amina.post(url("api-assessment-submit", draft.pk)).status_code == 409


def test_a_stale_revision_in_the_body_is_409_and_a_stale_if_match_412(amina, draft):
    judge(draft, draft.author, 2, "low")
    assert amina.post(url("api-assessment-submit", draft.pk), {"revision": 1}).status_code == 409
    stale = amina.post(
        url("api-assessment-submit", draft.pk), HTTP_IF_MATCH=f'"assessment-{draft.pk}-v1"'
    )
    assert stale.status_code == 412
    both = amina.post(
        url("api-assessment-submit", draft.pk), {"revision": 1}, HTTP_IF_MATCH=tag(draft)
    )
    assert both.status_code == 400 and list(fields(both)) == ["revision"]
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT


def test_returning_needs_a_comment_and_the_team_resubmits(amina, bruno, draft):
    amina.post(url("api-assessment-submit", draft.pk))
    refused = bruno.post(url("api-assessment-return", draft.pk), {})
    assert refused.status_code == 400 and list(fields(refused)) == ["comment"]
    returned = bruno.post(url("api-assessment-return", draft.pk), {"comment": "Judge factor 8."})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    again = amina.patch(
        url("api-assessment-factor", draft.pk, 8), {"level": "moderate"}, HTTP_IF_MATCH=tag(draft)
    )
    assert again.status_code == 200
    assert amina.post(url("api-assessment-submit", draft.pk)).json()["status"] == "submitted"


def test_an_approved_version_never_changes_through_the_api(
    amina, draft, analyst, senior_analyst, make_signal
):
    signal = make_signal()
    services.evidence_add(
        judgment=draft.judgments.get(factor__number=1), actor=analyst, signal_id=signal.pk
    )
    approve(draft, analyst, senior_analyst)
    current = tag(draft)
    attempts = [
        amina.patch(
            url("api-assessment", draft.pk), {"overall_narrative": "x"}, HTTP_IF_MATCH=current
        ),
        amina.patch(
            url("api-assessment-factor", draft.pk, 1), {"level": "high"}, HTTP_IF_MATCH=current
        ),
        amina.post(url("api-assessment-factor-evidence", draft.pk, 2), {"signal": signal.pk}),
        amina.delete(url("api-evidence", Evidence.objects.get().pk)),
        amina.post(url("api-assessment-submit", draft.pk)),
    ]
    assert [a.status_code for a in attempts] == [409] * 5
    assert "can no longer be edited" in attempts[0].json()["error"]["message"]
    assert tag(draft) == current
    assert AssessmentTransition.objects.filter(assessment=draft).count() == 2


def test_the_next_version_starts_as_a_copy_and_the_diff_shows_what_changed(
    amina, draft, analyst, senior_analyst, situation, make_signal, wire
):
    judge(draft, analyst, 10, "low", indicators=["10.1"])
    approve(draft, analyst, senior_analyst)
    started = amina.post(url("api-situation-assessments", situation.pk)).json()
    assert (started["version"], started["based_on"]) == (2, draft.pk)
    assert factor(started, 10)["indicators"] == ["10.1"]
    second = Assessment.objects.get(pk=started["id"])
    judge(second, analyst, 10, "moderate", indicators=["10.2"], narrative="Rallies")
    signal = make_signal(wire)
    amina.post(url("api-assessment-factor-evidence", second.pk, 10), {"signal": signal.pk})
    response = amina.get(url("api-assessment-diff", second.pk), {"from": draft.pk})
    assert response.status_code == 200
    body = response.json()
    assert (body["older"]["version"], body["newer"]["version"]) == (1, 2)
    assert body["levels"] == [
        {
            "name": "overall",
            "before": {"level": 1, "word": "Low"},
            "after": {"level": 2, "word": "Moderate"},
        },
        {
            "name": "genocide",
            "before": {"level": 1, "word": "Low"},
            "after": {"level": 2, "word": "Moderate"},
        },
    ]
    (change,) = body["factors"]
    assert change["number"] == 10
    assert change["level"] == {"before": "low", "after": "moderate"}
    assert (change["indicators_added"], change["indicators_removed"]) == (["10.2"], ["10.1"])
    assert change["evidence_added"] == [signal.pk] and change["narrative_changed"]
    assert amina.get(url("api-assessment-diff", second.pk)).json() == body  # from: based_on
    assert amina.get(url("api-assessment-diff", draft.pk), {"from": second.pk}).json() == body


@pytest.mark.parametrize("other", ["first-version", "not-a-number", "elsewhere", "missing"])
def test_a_diff_against_something_unsuitable_is_a_field_error_on_from(amina, draft, analyst, other):
    elsewhere = cases_services.situation_create(
        created_by=analyst, title="Lake Chad", countries=["TCD"], classification=1
    )
    foreign = services.assessment_start(situation=elsewhere, actor=analyst)
    params = {
        "first-version": {},
        "not-a-number": {"from": "v1"},
        "elsewhere": {"from": foreign.pk},
        "missing": {"from": foreign.pk + 100},
    }[other]
    response = amina.get(url("api-assessment-diff", draft.pk), params)
    assert response.status_code == 400
    assert list(fields(response)) == ["from"]


# --- Lists and the number of queries ------------------------------------------------------------


def test_the_list_filters_by_situation_and_status_and_shows_levels_as_words_and_numbers(
    amina, draft, analyst, senior_analyst
):
    judge(draft, analyst, 13, "high")
    other = cases_services.situation_create(
        created_by=analyst, title="Lake Chad", countries=["TCD"], classification=1
    )
    approve(services.assessment_start(situation=other, actor=analyst), analyst, senior_analyst)
    everything = amina.get(url("api-assessments")).json()["results"]
    assert {a["situation"]["title"] for a in everything} == {"Central Sahel", "Lake Chad"}
    sahel = amina.get(url("api-assessments"), {"situation": draft.situation_id}).json()["results"]
    assert [a["id"] for a in sahel] == [draft.pk]
    assert sahel[0]["war_crimes"] == {"level": 3, "word": "High"}
    assert sahel[0]["overall"] == {"level": 3, "word": "High"}
    approved = amina.get(url("api-assessments"), {"status": "approved"}).json()["results"]
    assert [a["situation"]["title"] for a in approved] == ["Lake Chad"]
    bad = amina.get(url("api-assessments"), {"status": "final", "situation": "sahel"})
    assert bad.status_code == 400 and set(fields(bad)) == {"status", "situation"}


def test_the_list_costs_the_same_queries_for_one_or_five_assessments(amina, analyst):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = amina.get(url("api-assessments"))
        assert response.status_code == 200
        return len(queries)

    def another(n: int) -> None:
        situation = cases_services.situation_create(
            created_by=analyst, title=f"Situation {n}", countries=["MLI"], classification=1
        )
        services.assessment_start(situation=situation, actor=analyst)

    another(0)
    amina.get(url("api-assessments"))  # warm the permission cache
    one = count()
    for n in range(1, 5):
        another(n)
    assert len(amina.get(url("api-assessments")).json()["results"]) == 5
    assert count() == one


def test_the_detail_costs_the_same_queries_however_many_factors_indicators_and_evidence(
    amina, draft, analyst, senior_analyst, make_signal, wire, rumour_mill
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = amina.get(url("api-assessment", draft.pk))
        assert response.status_code == 200
        return len(queries)

    judge(draft, analyst, 1, "moderate", indicators=["1.1"])
    services.evidence_add(
        judgment=draft.judgments.get(factor__number=1), actor=analyst, signal_id=make_signal().pk
    )
    amina.get(url("api-assessment", draft.pk))  # warm the permission cache
    small = count()
    assert small <= 10
    for number in range(1, 15):
        codes = [f"{number}.{i}" for i in range(1, 4)]
        judge(draft, analyst, number, "high", indicators=codes)
        judgment = draft.judgments.get(factor__number=number)
        for source in (wire, rumour_mill):
            signal = make_signal(source, headline=f"Report on factor {number}")
            services.evidence_add(judgment=judgment, actor=analyst, signal_id=signal.pk)
        services.challenge_raise(actor=senior_analyst, reasoning="Doubtful", judgment=judgment)
    body = amina.get(url("api-assessment", draft.pk)).json()
    assert sum(len(j["evidence"]) for j in body["judgments"]) == 29
    assert sum(len(j["indicators"]) for j in body["judgments"]) == 42
    assert len(body["challenges"]) == 14
    assert count() == small


# --- The framework, the instruments, the portfolio ----------------------------------------------


def test_the_framework_lists_the_fourteen_factors_with_their_indicators(amina):
    response = amina.get(url("api-framework"))
    assert response.status_code == 200
    body = response.json()
    assert [f["number"] for f in body["factors"]] == list(range(1, 15))
    first = body["factors"][0]
    assert first["scope"] == "common" and first["indicators"][0]["code"] == "1.1"
    assert {f["scope"] for f in body["factors"][8:10]} == {"genocide"}
    assert sum(len(f["indicators"]) for f in body["factors"]) > 100
    assert amina.get(url("api-framework-version", body["version"])).json() == body
    assert amina.get(url("api-framework-version", 99)).status_code == 404


def test_the_instruments_catalogue_is_listed_in_order(amina):
    instruments = amina.get(url("api-instruments")).json()
    keys = [i["key"] for i in instruments]
    assert keys[:2] == ["good-offices", "special-envoy"]
    assert {i["pillar"] for i in instruments} <= {"I", "II", "III"}


def test_the_trend_the_heatmap_and_the_map_follow_approved_versions(
    amina, draft, analyst, senior_analyst, situation
):
    approve(draft, analyst, senior_analyst)
    second = services.assessment_start(situation=situation, actor=analyst)
    judge(second, analyst, 9, "high")
    services.flags_acknowledge(
        judgment=second.judgments.get(factor__number=9), actor=analyst, note="Sources protected"
    )
    approve(second, analyst, senior_analyst)
    trend = amina.get(url("api-situation-risk-trend", situation.pk)).json()
    assert [p["overall"]["word"] for p in trend["points"]] == ["Low", "High"]
    assert trend["trend"] == "rising" and trend["current"] == {"level": 3, "word": "High"}
    heatmap = amina.get(url("api-portfolio-heatmap"), {"months": 3}).json()
    assert len(heatmap["months"]) == 3
    (row,) = heatmap["rows"]
    assert row["situation"]["id"] == situation.pk
    assert row["cells"][-1] == {"level": 3, "word": "High"}
    assert amina.get(url("api-portfolio-heatmap"), {"months": 0}).status_code == 400
    countries = {c["iso3"]: c for c in amina.get(url("api-portfolio-countries")).json()}
    assert countries["MLI"]["level"] == {"level": 3, "word": "High"}
    assert countries["MLI"]["name"] == "Mali"
    assert countries["BFA"]["situations"][0]["reference"] == situation.reference


# --- Nothing for anyone outside ----------------------------------------------------------------


@pytest.fixture(params=["outsider", "liaison", "partner", "special_adviser"])
def stranger(request):
    """Oscar, Elena, the relay, and Chen (staff, but not on this confidential situation)."""
    return request.getfixturevalue(request.param)


def test_strangers_get_404_from_every_assessment_endpoint(stranger, draft, analyst, make_signal):
    signal = make_signal()
    services.evidence_add(
        judgment=draft.judgments.get(factor__number=1), actor=analyst, signal_id=signal.pk
    )
    evidence = Evidence.objects.get()
    api = client_for(stranger)
    etag = tag(draft)
    situation = draft.situation_id
    attempts = [
        api.post(url("api-situation-assessments", situation)),
        api.get(url("api-assessment", draft.pk)),
        api.patch(url("api-assessment", draft.pk), {"overall_narrative": "x"}, HTTP_IF_MATCH=etag),
        api.patch(url("api-assessment-factor", draft.pk, 1), {"level": "high"}, HTTP_IF_MATCH=etag),
        api.post(url("api-assessment-factor-evidence", draft.pk, 2), {"signal": signal.pk}),
        api.post(url("api-assessment-factor-flags", draft.pk, 1), {"note": "x"}),
        api.delete(url("api-evidence", evidence.pk)),
        api.post(url("api-assessment-submit", draft.pk)),
        api.post(url("api-assessment-approve", draft.pk)),
        api.post(url("api-assessment-return", draft.pk), {"comment": "x"}),
        api.get(url("api-assessment-diff", draft.pk), {"from": draft.pk}),
        api.get(url("api-situation-risk-trend", situation)),
    ]
    assert [a.status_code for a in attempts] == [404] * len(attempts)
    assert tag(draft) == etag and Evidence.objects.count() == 1
    assert api.get(url("api-assessments")).json()["results"] == []
    assert api.get(url("api-assessments"), {"situation": situation}).json()["results"] == []
    assert api.get(url("api-portfolio-heatmap")).json()["rows"] == []
    assert api.get(url("api-portfolio-countries")).json() == []


@pytest.mark.parametrize("person", ["outsider", "liaison", "partner"])
def test_people_outside_the_joint_office_do_not_get_the_framework_either(request, person):
    api = client_for(request.getfixturevalue(person))
    assert api.get(url("api-framework")).status_code == 404
    assert api.get(url("api-framework-version", 1)).status_code == 404
    assert api.get(url("api-instruments")).json() == []


# --- The schema ---------------------------------------------------------------------------------


def test_the_schema_documents_every_assessment_endpoint_without_a_warning(tmp_path: Path):
    target = tmp_path / "schema.yaml"
    # --fail-on-warn turns any drf-spectacular warning (an unnamed enum, an unresolvable
    # serializer, a clashing component) into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/v1/framework/",
        "/api/v1/instruments/",
        "/api/v1/assessments/{id}/factors/{number}/evidence/",
        "/api/v1/assessments/{id}/approve/",
        "/api/v1/assessments/{id}/diff/",
        "/api/v1/evidence/{id}/",
        "/api/v1/challenges/{id}/acknowledge/",
        "/api/v1/situations/{id}/triggers/",
        "/api/v1/response-options/{id}/transition/",
        "/api/v1/situations/{id}/risk-trend/",
        "/api/v1/portfolio/heatmap/",
        "/api/v1/portfolio/countries/",
    ):
        assert f"  {path}:" in text, path
