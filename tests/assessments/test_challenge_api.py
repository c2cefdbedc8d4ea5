"""Challenges through the API: raising one against a signal or a factor judgment, what it
blocks, acknowledging it for a version, resolving it (never by its author), the lists, and
nothing for strangers.

Amina (analyst) drafts the Central Sahel assessment; Bruno (senior analyst, on the team)
challenges and reviews; Chen (Special Adviser) sees only what is public.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from assessments import services
from assessments.models import AssessmentStatus, Challenge, ChallengeAcknowledgement
from r2p.models import Classification
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


def fields(response) -> dict:
    return response.json()["error"]["fields"]


@pytest.fixture
def judged(draft, analyst, make_signal, wire):
    """Factor 7 of Amina's draft judged high on two independent sources: no flag."""
    judge(draft, analyst, 7, "high")
    judgment = draft.judgments.get(factor__number=7)
    for signal in (make_signal(), make_signal(wire)):
        services.evidence_add(judgment=judgment, actor=analyst, signal_id=signal.pk)
    return judgment


def test_bruno_challenges_a_judgment_and_it_blocks_approval_until_acknowledged(
    amina, bruno, draft, judged, make_signal, wire
):
    counter = make_signal(wire, headline="Local militia deny any role in the attack")
    raised = bruno.post(
        url("api-challenges"),
        {
            "judgment": judged.pk,
            "reasoning": "The attacks look like banditry, not a targeted campaign.",
            "counter_evidence": [counter.pk],
        },
    )
    assert raised.status_code == 201
    body = raised.json()
    assert (body["target"], body["judgment"], body["factor_number"]) == ("judgment", judged.pk, 7)
    assert body["situation"]["title"] == "Central Sahel"
    assert body["assessment"] == {"id": draft.pk, "version": 1, "status": "draft"}
    assert body["counter_evidence"] == [{"id": counter.pk, "headline": counter.headline}]
    assert (body["status"], body["author"], body["signal"]) == ("open", "bruno", None)
    challenge = body["id"]

    amina.post(url("api-assessment-submit", draft.pk))
    blocked = bruno.post(url("api-assessment-approve", draft.pk))
    assert blocked.status_code == 400
    assert fields(blocked)["blockers"] == [
        f"Challenge #{challenge} (factor 7) is open: acknowledge it with a note, or have it "
        "resolved."
    ]
    acknowledged = bruno.post(
        url("api-challenge-acknowledge", challenge),
        {"assessment": draft.pk, "note": "Weighed; the pattern across three regions holds."},
    )
    assert acknowledged.status_code == 201
    (ack,) = acknowledged.json()["acknowledgements"]
    assert (ack["assessment"], ack["version"], ack["by"]) == (draft.pk, 1, "bruno")
    detail = bruno.get(url("api-assessment", draft.pk)).json()
    assert detail["challenges"][0]["acknowledgement"]["by"] == "bruno"
    assert detail["blockers"] == []
    assert bruno.post(url("api-assessment-approve", draft.pk)).json()["status"] == "approved"


def test_chen_challenges_a_public_signal_and_bruno_dismisses_it_but_chen_cannot(
    special_adviser, bruno, make_signal
):
    signal = make_signal()
    chen = client_for(special_adviser)
    raised = chen.post(
        url("api-challenges"), {"signal": signal.pk, "reasoning": "The date is wrong."}
    )
    assert raised.status_code == 201
    body = raised.json()
    assert body["target"] == "signal"
    assert body["signal"] == {"id": signal.pk, "headline": signal.headline}
    assert body["situation"] is None and body["assessment"] is None
    own = chen.post(
        url("api-challenge-resolve", body["id"]), {"outcome": "upheld", "note": "I was right."}
    )
    assert own.status_code == 403
    resolved = bruno.post(
        url("api-challenge-resolve", body["id"]),
        {"outcome": "dismissed", "note": "Two other sources confirm the date."},
    )
    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["resolved_by"]) == ("dismissed", "bruno")
    again = bruno.post(
        url("api-challenge-resolve", body["id"]), {"outcome": "upheld", "note": "On reflection"}
    )
    assert again.status_code == 409
    assert Challenge.objects.get().status == "dismissed"


def test_an_open_challenge_of_a_signal_used_as_evidence_shows_on_the_assessment(
    amina, bruno, draft, judged
):
    signal = judged.evidence.first().signal
    raised = bruno.post(url("api-challenges"), {"signal": signal.pk, "reasoning": "Recycled"})
    detail = amina.get(url("api-assessment", draft.pk)).json()
    (shown,) = detail["challenges"]
    assert (shown["id"], shown["target"], shown["signal"]) == (
        raised.json()["id"],
        "signal",
        signal.pk,
    )
    assert shown["reasoning"] == "Recycled" and shown["acknowledgement"] is None
    factor = next(j for j in detail["judgments"] if j["factor"]["number"] == 7)
    assert factor["open_challenges"] == [shown["id"]]


def test_a_challenge_of_a_signal_amina_may_not_see_shows_without_its_reasoning(
    amina, draft, analyst, senior_analyst, make_signal, wire
):
    secret = make_signal(
        wire,
        actor=senior_analyst,
        link=False,
        classification=Classification.STRICTLY_CONFIDENTIAL,
        headline="Named commander orders reprisals",
    )
    judge(draft, analyst, 7, "low")
    services.evidence_add(
        judgment=draft.judgments.get(factor__number=7), actor=senior_analyst, signal_id=secret.pk
    )
    services.challenge_raise(
        actor=senior_analyst, reasoning="The commander was abroad that week", signal_id=secret.pk
    )
    response = amina.get(url("api-assessment", draft.pk))
    (shown,) = response.json()["challenges"]
    assert shown["reasoning"] is None
    assert "abroad" not in response.content.decode()
    assert "Named commander" not in response.content.decode()
    assert amina.get(url("api-challenges")).json()["results"] == []


def test_counter_evidence_the_reader_may_not_see_is_left_out(
    amina, bruno, judged, senior_analyst, make_signal, wire
):
    public = make_signal(wire, headline="Market reopened the next day")
    secret = make_signal(
        wire,
        actor=senior_analyst,
        link=False,
        classification=Classification.STRICTLY_CONFIDENTIAL,
        headline="Informant names the attackers",
    )
    raised = bruno.post(
        url("api-challenges"),
        {
            "judgment": judged.pk,
            "reasoning": "Overstated",
            "counter_evidence": [public.pk, secret.pk],
        },
    )
    assert len(raised.json()["counter_evidence"]) == 2
    mine = amina.get(url("api-challenge", raised.json()["id"]))
    assert mine.json()["counter_evidence"] == [{"id": public.pk, "headline": public.headline}]
    assert "Informant" not in mine.content.decode()


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("no target", "non_field_errors"),
        ("both targets", "non_field_errors"),
        ("no reasoning", "reasoning"),
        ("unseen judgment", "judgment"),
        ("unseen signal", "signal"),
        ("unseen counter-evidence", "counter_evidence"),
        ("counter-evidence not a list", "counter_evidence"),
        ("unknown field", "reason"),
    ],
)
def test_bad_input_raising_a_challenge_names_the_field(
    bruno, judged, make_signal, senior_analyst, analyst, case, field
):
    signal = make_signal()
    body = {
        "no target": {"reasoning": "x"},
        "both targets": {"signal": signal.pk, "judgment": judged.pk, "reasoning": "x"},
        "no reasoning": {"signal": signal.pk, "reasoning": "  "},
        "unseen judgment": {"judgment": judged.pk + 10_000, "reasoning": "x"},
        "unseen signal": {"signal": signal.pk + 10_000, "reasoning": "x"},
        "unseen counter-evidence": {
            "signal": signal.pk,
            "reasoning": "x",
            "counter_evidence": [signal.pk + 10_000],
        },
        "counter-evidence not a list": {
            "signal": signal.pk,
            "reasoning": "x",
            "counter_evidence": "all of them",
        },
        "unknown field": {"signal": signal.pk, "reason": "x", "reasoning": "x"},
    }[case]
    response = bruno.post(url("api-challenges"), body)
    assert response.status_code == 400
    assert field in fields(response)
    assert not Challenge.objects.exists()


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("bad outcome", "outcome"),
        ("no note", "note"),
        ("no outcome", "outcome"),
    ],
)
def test_bad_input_resolving_a_challenge_names_the_field(bruno, analyst, make_signal, case, field):
    challenge = services.challenge_raise(
        actor=analyst, reasoning="Doubtful", signal_id=make_signal().pk
    )
    body = {
        "bad outcome": {"outcome": "maybe", "note": "x"},
        "no note": {"outcome": "upheld", "note": ""},
        "no outcome": {"note": "x"},
    }[case]
    response = bruno.post(url("api-challenge-resolve", challenge.pk), body)
    assert response.status_code == 400 and field in fields(response)
    assert Challenge.objects.get().status == "open"


def test_acknowledging_answers_with_field_errors_and_conflicts(
    bruno, draft, judged, analyst, senior_analyst, make_signal
):
    challenge = services.challenge_raise(actor=senior_analyst, reasoning="No", judgment=judged)
    elsewhere = services.challenge_raise(
        actor=senior_analyst, reasoning="Stale report", signal_id=make_signal().pk
    )
    target = url("api-challenge-acknowledge", challenge.pk)
    no_note = bruno.post(target, {"assessment": draft.pk, "note": ""})
    assert no_note.status_code == 400 and list(fields(no_note)) == ["note"]
    unseen = bruno.post(target, {"assessment": draft.pk + 1000, "note": "x"})
    assert unseen.status_code == 400 and list(fields(unseen)) == ["assessment"]
    unrelated = bruno.post(
        url("api-challenge-acknowledge", elsewhere.pk), {"assessment": draft.pk, "note": "x"}
    )
    assert unrelated.status_code == 400 and list(fields(unrelated)) == ["challenge"]
    assert bruno.post(target, {"assessment": draft.pk, "note": "Weighed"}).status_code == 201
    twice = bruno.post(target, {"assessment": draft.pk, "note": "Again"})
    assert twice.status_code == 409
    services.challenge_resolve(challenge=challenge, actor=analyst, outcome="upheld", note="Fair")
    closed = bruno.post(target, {"assessment": draft.pk, "note": "Late"})
    assert closed.status_code == 409
    assert ChallengeAcknowledgement.objects.count() == 1


def test_the_list_filters_by_status_and_situation(
    amina, judged, analyst, senior_analyst, make_signal
):
    on_judgment = services.challenge_raise(actor=senior_analyst, reasoning="a", judgment=judged)
    on_signal = services.challenge_raise(
        actor=senior_analyst, reasoning="b", signal_id=make_signal().pk
    )
    loose = services.challenge_raise(
        actor=senior_analyst, reasoning="c", signal_id=make_signal(link=False).pk
    )
    services.challenge_resolve(challenge=loose, actor=analyst, outcome="dismissed", note="No")

    def ids(**params) -> list[int]:
        response = amina.get(url("api-challenges"), params)
        assert response.status_code == 200
        return [c["id"] for c in response.json()["results"]]

    assert ids() == [loose.pk, on_signal.pk, on_judgment.pk]
    assert ids(status="open") == [on_signal.pk, on_judgment.pk]
    assert ids(status="dismissed") == [loose.pk]
    assert ids(situation=judged.assessment.situation_id) == [on_signal.pk, on_judgment.pk]
    assert ids(situation=judged.assessment.situation_id + 100) == []
    bad = amina.get(url("api-challenges"), {"status": "pending"})
    assert bad.status_code == 400 and list(fields(bad)) == ["status"]


def test_the_list_costs_the_same_queries_for_one_or_six_challenges(
    amina, draft, judged, senior_analyst, make_signal, wire
):
    def raise_one() -> None:
        challenge = services.challenge_raise(
            actor=senior_analyst,
            reasoning="Doubtful",
            judgment=judged,
            counter_evidence=[make_signal(wire).pk, make_signal().pk],
        )
        services.challenge_acknowledge(
            challenge=challenge, assessment=draft, actor=senior_analyst, note="Weighed"
        )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = amina.get(url("api-challenges"))
        assert response.status_code == 200
        return len(queries)

    raise_one()
    amina.get(url("api-challenges"))  # warm the permission cache
    one = count()
    for _ in range(5):
        raise_one()
    results = amina.get(url("api-challenges")).json()["results"]
    assert len(results) == 6 and all(len(c["counter_evidence"]) == 2 for c in results)
    assert all(len(c["acknowledgements"]) == 1 for c in results)
    assert count() == one


@pytest.fixture(params=["outsider", "liaison", "partner", "special_adviser"])
def stranger(request):
    """Oscar, Elena, the relay, and Chen (staff, but not on this confidential situation)."""
    return request.getfixturevalue(request.param)


def test_strangers_get_404_from_every_challenge_endpoint(
    stranger, draft, judged, senior_analyst, analyst
):
    challenge = services.challenge_raise(actor=senior_analyst, reasoning="No", judgment=judged)
    api = client_for(stranger)
    attempts = [
        api.get(url("api-challenge", challenge.pk)),
        api.post(url("api-challenge-resolve", challenge.pk), {"outcome": "upheld", "note": "x"}),
        api.post(
            url("api-challenge-acknowledge", challenge.pk), {"assessment": draft.pk, "note": "x"}
        ),
    ]
    assert [a.status_code for a in attempts] == [404, 404, 404]
    assert api.get(url("api-challenges")).json()["results"] == []
    raised = api.post(url("api-challenges"), {"judgment": judged.pk, "reasoning": "x"})
    assert raised.status_code in (400, 404)
    if raised.status_code == 400:  # staff without need-to-know: the judgment is not theirs
        assert list(fields(raised)) == ["judgment"]
    assert Challenge.objects.count() == 1
    assert Challenge.objects.get().status == "open"
    assert not ChallengeAcknowledgement.objects.exists()


@pytest.mark.parametrize("person", ["outsider", "liaison", "partner"])
def test_people_outside_the_joint_office_cannot_raise_a_challenge_even_of_a_public_signal(
    request, person, make_signal
):
    api = client_for(request.getfixturevalue(person))
    response = api.post(url("api-challenges"), {"signal": make_signal().pk, "reasoning": "x"})
    assert response.status_code == 404
    assert not Challenge.objects.exists()


def test_a_resolved_challenge_no_longer_blocks_a_later_version(
    amina, bruno, draft, judged, analyst, senior_analyst
):
    challenge = services.challenge_raise(actor=senior_analyst, reasoning="No", judgment=judged)
    resolved = amina.post(
        url("api-challenge-resolve", challenge.pk), {"outcome": "upheld", "note": "Fair point"}
    )
    assert resolved.status_code == 200
    amina.post(url("api-assessment-submit", draft.pk))
    approved = bruno.post(url("api-assessment-approve", draft.pk))
    assert approved.json()["status"] == AssessmentStatus.APPROVED
