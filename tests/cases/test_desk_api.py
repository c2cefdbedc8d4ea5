"""The desk API: the SG Office's queue, the decision (route with referrals, field errors by
routing index, who may, when), the decisions over time, the referral follow-up (moves, closed
referrals, stale versions), the briefing as JSON (its hash the stored one, unchanged after the
records change) and as PDF (marked on every page), releasable versions read by a member-state
liaison (only those shared with her state, every read audited, nothing above the level), the
schema, and nothing for outsiders.

Amina (analyst, CONFIDENTIAL) drafts the Central Sahel escalation; Bruno reviews it; Chen
(Special Adviser) endorses and transmits it; Dara (SG Office) decides at the desk. Elena
(liaison for Senegal) reads what is released to Senegal; Oscar (outsider) sees nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services as assessment_services
from cases import briefings, escalations, services
from cases.models import (
    Briefing,
    BriefingStatus,
    Category,
    Decision,
    EscalationStatus,
    Referral,
    ReferralStatus,
    ReleasableBriefing,
    Signal,
)
from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db

S = EscalationStatus
R = ReferralStatus
PUBLIC_MARK = "DESKPUB4R7T"
CONFIDENTIAL_MARK = "DESKCONF8M2Q"
STRICT_MARK = "DESKSTRICT6J9W"
SECURITY_COUNCIL = {"body": "sc", "rationale": "A threat to international peace and security."}
ECOWAS = {
    "body": "regional",
    "regional_arrangement": "ecowas",
    "rationale": "The subregion's mediation can start within days.",
    "transmittal_reference": "EOSG/2026/114",
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name: str, *args: object) -> str:
    return reverse(name, args=args)


def fields(response) -> dict:
    return response.json()["error"]["fields"]


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) reads the PDF back"
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


# --- The records behind an escalation at the desk ---------------------------------------------


@pytest.fixture
def situation(analyst, senior_analyst, special_adviser):
    situation = services.situation_create(
        created_by=analyst,
        title="Central Sahel",
        countries=["MLI"],
        classification=Classification.CONFIDENTIAL,
    )
    for person in (senior_analyst, special_adviser):
        services.situation_member_add(situation=situation, user=person, actor=analyst)
    return situation


@pytest.fixture
def signals(situation, senior_analyst):
    field, media = (
        services.source_create(
            created_by=senior_analyst,
            source_type=kind,
            reliability="B",
            classification=Classification.PUBLIC,
            name=name,
        )
        for kind, name in (("un_field_presence", "Field team Gao"), ("media", "Wire desk"))
    )
    filed = {}
    for level, source, headline in (
        (Classification.PUBLIC, media, f"Market attacked near Tessit {PUBLIC_MARK}"),
        (Classification.CONFIDENTIAL, field, f"Militia convoy moving south {CONFIDENTIAL_MARK}"),
        (Classification.STRICTLY_CONFIDENTIAL, field, f"Lists of names drawn up {STRICT_MARK}"),
    ):
        signal = services.signal_create(
            actor=senior_analyst,
            data={
                "headline": headline,
                "description": "Reported by the field presence.",
                "occurred_on": date.today() - timedelta(days=3),
                "country": "MLI",
                "category": Category.VIOLENCE_AGAINST_CIVILIANS,
                "source": source,
                "credibility": 2,
                "classification": level,
            },
        )
        services.signal_link(signal=signal, situation=situation, actor=senior_analyst)
        filed[level] = signal
    return filed


@pytest.fixture
def escalation(situation, analyst, senior_analyst, signals):
    draft = assessment_services.assessment_start(situation=situation, actor=analyst)
    judgment = draft.judgments.get(factor__number=9)
    assessment_services.judgment_update(
        judgment=judgment,
        actor=senior_analyst,
        data={"level": "high", "confidence": "medium", "narrative": "Lists and a convoy."},
    )
    for signal in signals.values():
        assessment_services.evidence_add(
            judgment=judgment, actor=senior_analyst, signal_id=signal.pk
        )
    assessment_services.assessment_submit(assessment=draft, actor=analyst)
    assessment_services.assessment_approve(assessment=draft, actor=senior_analyst)
    return escalations.escalation_create(
        situation=situation,
        actor=analyst,
        summary="Lists of names and a convoy: killings are likely within weeks.",
    )


def move(escalation, actor, action, comment=""):
    return escalations.escalation_transition(
        escalation=escalation, actor=actor, action=action, comment=comment
    )


@pytest.fixture
def at_desk(escalation, analyst, senior_analyst, special_adviser):
    """Submitted by Amina, reviewed by Bruno, endorsed (the briefing frozen) and transmitted
    by Chen."""
    escalation = move(escalation, analyst, "submit")
    escalation = move(escalation, senior_analyst, "review")
    escalation = move(escalation, special_adviser, "endorse")
    return move(escalation, special_adviser, "transmit")


@pytest.fixture
def elena(liaison):
    liaison.member_state = "SEN"
    liaison.save()
    return liaison


def decide(user, escalation, **body):
    body.setdefault("outcome", "route")
    body.setdefault("rationale", "Grave and imminent.")
    body.setdefault("routings", [SECURITY_COUNCIL, ECOWAS])
    return client_for(user).post(url("api-escalation-decide", escalation.pk), body)


@pytest.fixture
def routed(at_desk, sg_office):
    response = decide(sg_office, at_desk)
    assert response.status_code == 201, response.content
    return response.json()


# --- The desk and the decision ------------------------------------------------------------------


def test_dara_sees_the_desk_and_everyone_else_gets_404(
    at_desk, sg_office, analyst, special_adviser, liaison, outsider
):
    client = client_for(sg_office)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("api-desk"))
    assert response.status_code == 200
    [entry] = response.json()
    assert entry["escalation"]["reference"] == at_desk.reference
    assert entry["escalation"]["status"] == S.AT_DESK
    assert entry["overdue"] is False
    assert len(queries) <= 8, [q["sql"] for q in queries]
    for person in (analyst, special_adviser, liaison, outsider):
        assert client_for(person).get(url("api-desk")).status_code == 404


def test_dara_routes_to_the_security_council_and_ecowas(routed, at_desk, sg_office):
    at_desk.refresh_from_db()
    assert at_desk.status == S.DECIDED
    assert routed["outcome"] == "route" and routed["decided_by"] == "dara"
    council, ecowas = routed["referrals"]
    assert council["body"] == "sc"
    assert council["legal_basis"] == "Article 99 of the Charter of the United Nations"
    assert council["sent_on"] == timezone.localdate().isoformat()
    assert council["status"] == "sent" and council["moves"]
    assert ecowas["regional_arrangement"] == "ECOWAS"
    assert ecowas["body_label"].startswith("ECOWAS")
    assert ecowas["transmittal_reference"] == "EOSG/2026/114"
    assert Referral.objects.filter(decision_id=routed["id"]).count() == 2
    assert AuditEvent.objects.filter(action="referral.create").count() == 2

    listed = client_for(sg_office).get(url("api-escalation-decisions", at_desk.pk))
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()] == [routed["id"]]
    assert len(listed.json()[0]["referrals"]) == 2


def test_bad_routings_come_back_keyed_by_their_index_and_nothing_is_recorded(at_desk, sg_office):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = decide(
        sg_office,
        at_desk,
        routings=[
            {"body": "sc", "rationale": ""},
            {"body": "other", "rationale": "Ask them.", "legal_basis": "x" * 301},
            {"body": "regional", "regional_arrangement": "NOPE", "rationale": "Mediation."},
            {"body": "ga", "rationale": "Debate.", "sent_on": tomorrow},
        ],
    )
    assert response.status_code == 400
    problems = fields(response)
    assert set(problems) == {
        "routings.0.rationale",
        "routings.1.other_body",
        "routings.1.legal_basis",
        "routings.2.regional_arrangement",
        "routings.3.sent_on",
    }
    assert "NOPE" in problems["routings.2.regional_arrangement"][0]

    response = decide(sg_office, at_desk, outcome="maybe", rationale="", colour="red")
    assert response.status_code == 400
    assert {"outcome", "colour"} <= set(fields(response))
    response = decide(sg_office, at_desk, outcome="hold", rationale="")
    assert fields(response) == {
        "rationale": ["This field is required."],
        "routings": [
            "Only a decision to route names bodies; clear the routings or choose to route."
        ],
    }
    assert not Decision.objects.exists()
    at_desk.refresh_from_db()
    assert at_desk.status == S.AT_DESK


def test_only_the_sg_office_decides_and_only_what_is_at_the_desk(
    at_desk, sg_office, special_adviser, senior_analyst
):
    for person in (special_adviser, senior_analyst):
        assert decide(person, at_desk).status_code == 403
    at_desk.refresh_from_db()
    stale = decide(sg_office, at_desk, version=at_desk.version - 1)
    assert stale.status_code == 409
    precondition = client_for(sg_office).post(
        url("api-escalation-decide", at_desk.pk),
        {"outcome": "hold", "rationale": "Keep monitoring."},
        HTTP_IF_MATCH=f'"escalation-{at_desk.pk}-v{at_desk.version - 1}"',
    )
    assert precondition.status_code == 412
    assert decide(sg_office, at_desk, outcome="hold", routings=[]).status_code == 201
    again = decide(sg_office, at_desk)
    assert again.status_code == 409
    assert "not at the desk" in again.json()["error"]["message"]
    assert Decision.objects.count() == 1


def test_sending_back_returns_it_to_the_joint_office(at_desk, sg_office, analyst):
    response = decide(
        sg_office, at_desk, outcome="send_back", rationale="Which militia?", routings=[]
    )
    assert response.status_code == 201
    assert response.json()["referrals"] == []
    at_desk.refresh_from_db()
    assert at_desk.status == S.DRAFT
    # Amina sees the decision that sent her escalation back.
    listed = client_for(analyst).get(url("api-escalation-decisions", at_desk.pk))
    assert [d["outcome"] for d in listed.json()] == ["send_back"]


# --- Referrals ----------------------------------------------------------------------------------


def test_a_referral_is_followed_up_until_it_closes(routed, sg_office, analyst):
    council = routed["referrals"][0]
    client = client_for(sg_office)
    update_url = url("api-referral-update", council["id"])
    next_month = (timezone.localdate() + timedelta(days=30)).isoformat()

    missing = client.post(update_url, {"status": "acknowledged"})
    assert missing.status_code == 400
    assert set(fields(missing)) == {"follow_up_on"}

    done = client.post(
        update_url,
        {"status": "acknowledged", "note": "Receipt confirmed.", "follow_up_on": next_month},
    )
    assert done.status_code == 200
    assert done.json()["status"] == "acknowledged" and done.json()["version"] == 2
    assert done["ETag"] == f'"referral-{council["id"]}-v2"'
    stale = client.post(
        update_url, {"status": "on_agenda", "follow_up_on": next_month, "version": 1}
    )
    assert stale.status_code == 409
    backwards = client.post(update_url, {"status": "sent", "follow_up_on": next_month})
    assert backwards.status_code == 409

    # Amina, on the situation's team, records the Council's action.
    closed = client_for(analyst).post(
        update_url,
        {"status": "action_taken", "action_taken": "Closed consultations held.", "version": 2},
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["moves"] == []
    assert [u["status"] for u in closed.json()["updates"]] == ["acknowledged", "action_taken"]
    final = client.post(update_url, {"status": "no_action"})
    assert final.status_code == 409
    assert "closed" in final.json()["error"]["message"]

    detail = client.get(url("api-referral", council["id"]))
    assert detail.json()["action_taken"] == "Closed consultations held."


def test_the_referral_list_filters_overdue_and_by_status(routed, sg_office):
    council, ecowas = routed["referrals"]
    Referral.objects.filter(pk=ecowas["id"]).update(
        follow_up_on=timezone.localdate() - timedelta(days=2)
    )
    client = client_for(sg_office)
    with CaptureQueriesContext(connection) as queries:
        everything = client.get(url("api-referrals"))
    assert [r["id"] for r in everything.json()["results"]] == [ecowas["id"], council["id"]]
    assert len(queries) <= 4, [q["sql"] for q in queries]
    overdue = client.get(url("api-referrals"), {"overdue": "true"}).json()["results"]
    assert [(r["id"], r["overdue"]) for r in overdue] == [(ecowas["id"], True)]
    sent = client.get(url("api-referrals"), {"status": "acknowledged"}).json()
    assert sent["results"] == []
    bad = client.get(url("api-referrals"), {"status": "lost"})
    assert bad.status_code == 400 and "status" in fields(bad)


# --- The briefing -------------------------------------------------------------------------------


def test_the_briefing_is_the_frozen_snapshot_with_its_stored_hash(
    at_desk, sg_office, situation, signals
):
    frozen = Briefing.objects.get(escalation=at_desk, status=BriefingStatus.FROZEN)
    client = client_for(sg_office)
    first = client.get(url("api-escalation-briefing", at_desk.pk)).json()
    assert first["status"] == "frozen" and first["complete"] is True
    assert first["content_hash"] == frozen.content_hash
    assert briefings.content_hash(first["content"]) == frozen.content_hash
    assert first["classification"] == "STRICTLY_CONFIDENTIAL"
    assert STRICT_MARK in json.dumps(first["content"])

    # The records change; the briefing the desk reads does not.
    Signal.objects.filter(pk=signals[Classification.PUBLIC].pk).update(headline="Rewritten")
    type(situation).objects.filter(pk=situation.pk).update(title="Renamed later")
    second = client.get(url("api-escalation-briefing", at_desk.pk)).json()
    assert second["content"] == first["content"]
    assert second["content_hash"] == frozen.content_hash
    # Strictly confidential: both reads are in the audit trail.
    reads = AuditEvent.objects.filter(action="briefing.read", actor_username="dara")
    assert reads.count() == 2


def test_in_the_joint_office_the_briefing_is_compiled_now(escalation, analyst, senior_analyst):
    response = client_for(senior_analyst).get(url("api-escalation-briefing", escalation.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "working"
    stored = Briefing.objects.get(escalation=escalation, status=BriefingStatus.WORKING)
    assert body["content_hash"] == stored.content_hash
    assert body["content"]["reference"] == escalation.reference


def test_amina_cleared_confidential_reads_the_briefing_without_strict_items(at_desk, analyst):
    body = client_for(analyst).get(url("api-escalation-briefing", at_desk.pk)).json()
    assert body["complete"] is False
    assert body["level"] == "CONFIDENTIAL" and body["withheld"] >= 1
    text = json.dumps(body["content"])
    assert STRICT_MARK not in text and CONFIDENTIAL_MARK in text
    assert "withheld above CONFIDENTIAL" in text


def test_the_briefing_pdf_is_marked_on_every_page(at_desk, sg_office, tmp_path):
    client = client_for(sg_office)
    for response in (
        client.get(url("api-escalation-briefing", at_desk.pk), {"format": "pdf"}),
        client.get(url("api-escalation-briefing-pdf", at_desk.pk)),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert (
            response["Content-Disposition"]
            == f'attachment; filename="briefing-{at_desk.reference}.pdf"'
        )
        assert response.content.startswith(b"%PDF")
        pages = pdf_pages(response.content, tmp_path)
        assert pages
        for number, page in enumerate(pages, start=1):
            assert page.count("STRICTLY CONFIDENTIAL") >= 2, f"page {number} lacks the marking"
        assert STRICT_MARK in "\n".join(pages)
    bad = client.get(url("api-escalation-briefing", at_desk.pk), {"format": "docx"})
    assert bad.status_code == 400 and "format" in fields(bad)


# --- Releasable versions and the liaison ----------------------------------------------------------


def release(user, escalation, level, shared_with):
    return client_for(user).post(
        url("api-escalation-briefing-releases", escalation.pk),
        {"level": level, "shared_with": shared_with},
    )


def test_dara_releases_versions_and_elena_reads_only_senegals(at_desk, sg_office, elena, tmp_path):
    elena.clearance = Classification.CONFIDENTIAL
    elena.save()
    public = release(sg_office, at_desk, "PUBLIC", ["sen", "NER"])
    assert public.status_code == 201, public.content
    assert public.json()["shared_with"] == ["SEN", "NER"]
    confidential = release(sg_office, at_desk, "CONFIDENTIAL", ["NER"])
    assert confidential.status_code == 201
    assert release(sg_office, at_desk, "PUBLIC", ["SEN"]).status_code == 409

    client = client_for(elena)
    listed = client.get(url("api-briefing-releases")).json()["results"]
    assert [r["id"] for r in listed] == [public.json()["id"]]
    assert {
        r["id"] for r in client_for(sg_office).get(url("api-briefing-releases")).json()["results"]
    } == {public.json()["id"], confidential.json()["id"]}

    detail = client.get(url("api-briefing-release", public.json()["id"]))
    assert detail.status_code == 200
    text = json.dumps(detail.json())
    assert PUBLIC_MARK in text
    for planted in (CONFIDENTIAL_MARK, STRICT_MARK):
        assert planted not in text
    pdf = client.get(url("api-briefing-release-pdf", public.json()["id"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment;")
    pages = pdf_pages(pdf.content, tmp_path)
    for page in pages:
        assert "PUBLIC" in page
        assert CONFIDENTIAL_MARK not in page and STRICT_MARK not in page
    reads = AuditEvent.objects.filter(action="briefing.release_read", actor_username="elena")
    assert reads.count() == 2

    # Not shared with Senegal: as if it did not exist.
    hidden = confidential.json()["id"]
    assert client.get(url("api-briefing-release", hidden)).status_code == 404
    assert client.get(url("api-briefing-release-pdf", hidden)).status_code == 404
    assert reads.count() == 2


def test_a_liaison_cleared_public_never_reads_a_confidential_release(at_desk, sg_office, elena):
    shared = release(sg_office, at_desk, "CONFIDENTIAL", ["SEN"]).json()
    client = client_for(elena)
    assert client.get(url("api-briefing-releases")).json()["results"] == []
    assert client.get(url("api-briefing-release", shared["id"])).status_code == 404


def test_releasing_is_for_the_sg_office_with_valid_levels_and_member_states(
    at_desk, sg_office, special_adviser
):
    assert release(special_adviser, at_desk, "PUBLIC", ["SEN"]).status_code == 403
    bad = release(sg_office, at_desk, "SECRET", ["XXX"])
    assert bad.status_code == 400 and {"level", "shared_with"} <= set(fields(bad))
    assert not ReleasableBriefing.objects.exists()
    assert release(sg_office, at_desk, "STRICTLY_CONFIDENTIAL", []).status_code == 201


def test_a_briefing_not_frozen_is_not_released(escalation, special_adviser, sg_office):
    urgent = move(escalation, special_adviser, "urgent", "Killings expected before Friday")
    # Test setup only: no path of the workflow leaves an escalation at the desk unfrozen.
    Briefing.objects.filter(escalation=urgent).update(status=BriefingStatus.WORKING)
    response = release(sg_office, urgent, "PUBLIC", ["SEN"])
    assert response.status_code == 409
    assert not ReleasableBriefing.objects.exists()


# --- Outsiders ----------------------------------------------------------------------------------


def test_elena_and_oscar_get_nothing_anywhere(routed, at_desk, sg_office, elena, outsider):
    shared = release(sg_office, at_desk, "PUBLIC", ["NOR"]).json()
    referral = routed["referrals"][0]["id"]
    for person in (elena, outsider):
        client = client_for(person)
        for path in (
            url("api-desk"),
            url("api-escalation-decisions", at_desk.pk),
            url("api-referral", referral),
            url("api-escalation-briefing", at_desk.pk),
            url("api-escalation-briefing-pdf", at_desk.pk),
            url("api-briefing-release", shared["id"]),
            url("api-briefing-release-pdf", shared["id"]),
        ):
            assert client.get(path).status_code == 404, (person.username, path)
        for path, body in (
            (url("api-escalation-decide", at_desk.pk), {"outcome": "hold"}),
            (url("api-referral-update", referral), {"status": "no_action"}),
            (url("api-escalation-briefing-releases", at_desk.pk), {"level": "PUBLIC"}),
        ):
            assert client.post(path, body).status_code == 404, (person.username, path)
        assert client.get(url("api-referrals")).json()["results"] == []
        assert client.get(url("api-briefing-releases")).json()["results"] == []
    assert not AuditEvent.objects.filter(action="briefing.release_read").exists()
    assert Referral.objects.get(pk=referral).status == R.SENT


# --- The schema -----------------------------------------------------------------------------------


def test_the_schema_documents_the_desk_without_a_warning(tmp_path: Path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/v1/desk/",
        "/api/v1/escalations/{id}/decide/",
        "/api/v1/escalations/{id}/decisions/",
        "/api/v1/referrals/",
        "/api/v1/referrals/{id}/",
        "/api/v1/referrals/{id}/update/",
        "/api/v1/escalations/{id}/briefing/",
        "/api/v1/escalations/{id}/briefing.pdf",
        "/api/v1/escalations/{id}/briefing/releases/",
        "/api/v1/briefing-releases/",
        "/api/v1/briefing-releases/{id}/",
        "/api/v1/briefing-releases/{id}/pdf/",
    ):
        assert f"  {path}:" in text, path
    assert "application/pdf:" in text and "format: binary" in text
