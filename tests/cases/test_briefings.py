"""Briefings: compiled from the records with a content hash, recompiled while the escalation is
in the joint office, frozen at endorsement and unchanged afterwards, dissents that travel with
them, releasable versions that leak nothing above their level (JSON, HTML and PDF text), and a
PDF whose every page carries the marking and its page number. Sources appear by pseudonym only.

Planted unique strings (one per classification level, one in a dissent, one in each source's
identity) prove what survives where.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from datetime import date, timedelta

import pytest

from assessments import services as assessment_services
from assessments.models import Assessment
from cases import briefings, escalations, services
from cases.models import (
    Briefing,
    BriefingStatus,
    Category,
    Dissent,
    Escalation,
    EscalationStatus,
    ReleasableBriefing,
    Signal,
)
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError
from r2p.models import AuditEvent, Classification

pytestmark = pytest.mark.django_db

S = EscalationStatus
PUBLIC_MARK = "PLANTPUB7Q4X"
CONFIDENTIAL_MARK = "PLANTCONF3K8W"
STRICT_MARK = "PLANTSTRICT9Z2M"
DISSENT_MARK = "PLANTDISSENT5V1R"
IDENTITIES = ("Moussa PLANTIDENTITY1A", "Wire PLANTIDENTITY2B")
ABOVE_PUBLIC = (CONFIDENTIAL_MARK, STRICT_MARK, DISSENT_MARK)


# --- Reading PDFs back ---------------------------------------------------------------------------


def pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    """The text of each page (pdftotext, pages split on form feed). In CI a missing pdftotext
    fails the test; on a workstation without poppler-utils it skips."""
    if shutil.which("pdftotext") is None:
        message = "pdftotext (poppler-utils) is needed to read the briefing PDF back"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


# --- The records behind an escalation ------------------------------------------------------------


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
def sources(senior_analyst):
    return [
        services.source_create(
            created_by=senior_analyst,
            source_type=kind,
            reliability="B",
            classification=Classification.PUBLIC,
            name=name,
        )
        for kind, name in zip(("un_field_presence", "media"), IDENTITIES, strict=True)
    ]


def file_signal(situation, actor, source, headline, classification, days_ago=3):
    signal = services.signal_create(
        actor=actor,
        data={
            "headline": headline,
            "description": "Reported by the field presence.",
            "occurred_on": date.today() - timedelta(days=days_ago),
            "country": "MLI",
            "category": Category.VIOLENCE_AGAINST_CIVILIANS,
            "source": source,
            "credibility": 2,
            "classification": classification,
        },
    )
    services.signal_link(signal=signal, situation=situation, actor=actor)
    return signal


@pytest.fixture
def signals(situation, senior_analyst, sources):
    return {
        Classification.PUBLIC: file_signal(
            situation,
            senior_analyst,
            sources[1],
            f"Market attacked near Tessit {PUBLIC_MARK}",
            Classification.PUBLIC,
        ),
        Classification.CONFIDENTIAL: file_signal(
            situation,
            senior_analyst,
            sources[0],
            f"Militia convoy seen moving south {CONFIDENTIAL_MARK}",
            Classification.CONFIDENTIAL,
        ),
        Classification.STRICTLY_CONFIDENTIAL: file_signal(
            situation,
            senior_analyst,
            sources[0],
            f"Lists of names drawn up in Gao {STRICT_MARK}",
            Classification.STRICTLY_CONFIDENTIAL,
        ),
    }


def judge(assessment, actor, number, level, signal_ids=()):
    judgment = assessment.judgments.get(factor__number=number)
    assessment_services.judgment_update(
        judgment=judgment,
        actor=actor,
        data={"level": level, "confidence": "medium", "narrative": f"Factor {number} as seen."},
    )
    for signal_id in signal_ids:
        assessment_services.evidence_add(judgment=judgment, actor=actor, signal_id=signal_id)


@pytest.fixture
def assessment(situation, analyst, senior_analyst, signals):
    """Version 1, drafted by Amina with Bruno's evidence, approved by Bruno: genocide high."""
    draft = assessment_services.assessment_start(situation=situation, actor=analyst)
    judge(draft, senior_analyst, 9, "high", [s.pk for s in signals.values()])
    for number in (1, 2, 3):
        judge(draft, analyst, number, "low")
    assessment_services.assessment_submit(assessment=draft, actor=analyst)
    return assessment_services.assessment_approve(assessment=draft, actor=senior_analyst)


@pytest.fixture
def escalation(situation, analyst, assessment):
    option = assessment_services.option_propose(
        situation=situation,
        actor=analyst,
        data={
            "instrument": "good-offices",
            "rationale": "Talks with the governor before the market day.",
            "lead_actor": "UNOWAS",
            "feasibility": "high",
        },
    )
    escalation = escalations.escalation_create(
        situation=situation,
        actor=analyst,
        summary="Lists of names and a convoy: killings are likely within weeks.",
        option_ids=[option.pk],
    )
    # Test setup only: the recommended routing (its form belongs to another screen).
    Escalation.objects.filter(pk=escalation.pk).update(
        recommended_routing=[
            {"body": "sc", "rationale": "Article 99 letter to the Council."},
            {"body": "regional", "regional_arrangement": "ECOWAS", "rationale": "Mediation."},
            {"body": "hrc", "legal_basis": "Resolution 5/1", "rationale": "Special session."},
        ]
    )
    escalation.refresh_from_db()
    return escalation


def move(escalation, actor, action, comment=""):
    # escalation_transition keeps the briefing in step (cases.briefings.briefing_on_transition).
    return escalations.escalation_transition(
        escalation=escalation, actor=actor, action=action, comment=comment
    )


@pytest.fixture
def endorsed(escalation, analyst, senior_analyst, special_adviser):
    """Submitted by Amina, a dissent by Bruno, reviewed by Bruno, endorsed by Chen."""
    escalation = move(escalation, analyst, "submit")
    briefings.dissent_add(
        escalation=escalation,
        actor=senior_analyst,
        text=f"The convoy may be a routine rotation. {DISSENT_MARK}",
    )
    escalation = move(escalation, senior_analyst, "review")
    return move(escalation, special_adviser, "endorse")


@pytest.fixture
def frozen(endorsed):
    return Briefing.objects.get(escalation=endorsed, status=BriefingStatus.FROZEN)


@pytest.fixture
def at_desk(endorsed, special_adviser):
    return move(endorsed, special_adviser, "transmit")


def text_of(content) -> str:
    return json.dumps(content, ensure_ascii=False)


# --- Compiling ------------------------------------------------------------------------------------


def test_submitting_compiles_a_working_briefing_of_the_records_with_its_hash(
    escalation, analyst, signals, sources
):
    escalation = move(escalation, analyst, "submit")
    briefing = Briefing.objects.get(escalation=escalation)
    assert briefing.status == BriefingStatus.WORKING
    content = briefing.content
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert briefing.content_hash == hashlib.sha256(canonical.encode()).hexdigest()
    sections = {s["key"]: s for s in content["sections"]}
    assert [s["key"] for s in content["sections"]] == [key for key, _ in briefings.SECTIONS]
    assert content["reference"] == escalation.reference
    assert sections["situation"]["items"][0]["title"] == "Central Sahel"
    risk = sections["risk"]["items"][0]
    assert (risk["version"], risk["overall"]) == (1, 3)
    assert risk["overall_reason"] == "High because the risk of genocide is high."
    factor9 = next(f for f in sections["factors"]["items"] if f["number"] == 9)
    assert (factor9["level"], factor9["confidence"], factor9["evidence"]) == ("high", "Medium", 3)
    assert len(sections["factors"]["items"]) == 14
    assert [p["version"] for p in sections["trend"]["items"]] == [1]
    signal_rows = sections["signals"]["items"]
    assert {row["classification"] for row in signal_rows} == {0, 1, 2}
    assert {row["source"] for row in signal_rows} == {s.pseudonym for s in sources}
    assert {row["grade"] for row in signal_rows} == {"B2"}
    assert sections["options"]["items"][0]["lead_actor"] == "UNOWAS"
    assert [r["legal_basis"] for r in sections["routing"]["items"]] == [
        "Article 99 of the Charter of the United Nations",
        "Chapter VIII of the Charter",
        "Resolution 5/1",
    ]
    assert "ECOWAS" in sections["routing"]["items"][1]["body_label"]
    assert briefing.classification == Classification.STRICTLY_CONFIDENTIAL
    every_item = [item for s in content["sections"] for item in s["items"]]
    assert all(isinstance(item["classification"], int) for item in every_item)


def test_key_signals_come_most_corroborated_first(escalation, analyst, signals, senior_analyst):
    from cases.models import EventCluster

    cluster = EventCluster.objects.create()
    public = signals[Classification.PUBLIC]
    strict = signals[Classification.STRICTLY_CONFIDENTIAL]
    # Two independent sources report the strictly confidential signal's event.
    Signal.objects.filter(pk__in=[public.pk, strict.pk]).update(cluster=cluster)
    content = briefings.briefing_compile(escalation=move(escalation, analyst, "submit")).content
    rows = next(s for s in content["sections"] if s["key"] == "signals")["items"]
    assert [row["corroboration"] for row in rows] == [2, 2, 1]
    assert rows[2]["id"] == signals[Classification.CONFIDENTIAL].pk


def test_recompiling_in_the_joint_office_follows_the_records_in_place(escalation, analyst, signals):
    escalation = move(escalation, analyst, "submit")
    before = Briefing.objects.get(escalation=escalation)
    Signal.objects.filter(pk=signals[Classification.PUBLIC].pk).update(
        headline="Market attack confirmed by two witnesses"
    )
    after = briefings.briefing_compile(escalation=escalation)
    assert after.pk == before.pk
    assert after.content_hash != before.content_hash
    assert "Market attack confirmed by two witnesses" in text_of(after.content)
    assert PUBLIC_MARK not in text_of(after.content)
    assert Briefing.objects.filter(escalation=escalation).count() == 1
    # Nothing changed: the same hash.
    assert briefings.briefing_compile(escalation=escalation).content_hash == after.content_hash


def test_the_briefing_frozen_at_endorsement_is_unchanged_whatever_happens_later(
    endorsed, frozen, situation, analyst, senior_analyst, signals
):
    assert endorsed.status == S.ENDORSED
    assert frozen.frozen_at is not None
    content, digest = frozen.content, frozen.content_hash
    assert DISSENT_MARK in text_of(content)
    # A new assessment version is approved, a headline edited, the situation retitled.
    draft = assessment_services.assessment_start(situation=situation, actor=analyst)
    judge(draft, analyst, 9, "low")
    assessment_services.assessment_submit(assessment=draft, actor=analyst)
    assessment_services.assessment_approve(assessment=draft, actor=senior_analyst)
    Signal.objects.filter(pk=signals[Classification.PUBLIC].pk).update(headline="Rewritten")
    situation.__class__.objects.filter(pk=situation.pk).update(title="Renamed later")
    assert Assessment.objects.filter(situation=situation, status="approved").count() == 2

    assert briefings.briefing_compile(escalation=endorsed).pk == frozen.pk
    with pytest.raises(ConflictError, match="no compiled briefing to freeze"):
        briefings.briefing_freeze(escalation=endorsed)  # past the joint office: nothing to freeze
    frozen.refresh_from_db()
    assert (frozen.status, frozen.content, frozen.content_hash) == (
        BriefingStatus.FROZEN,
        content,
        digest,
    )
    assert briefings.content_hash(frozen.content) == digest
    assert AuditEvent.objects.filter(action="briefing.freeze").count() == 1


def test_the_urgent_path_freezes_the_briefing_as_it_goes_to_the_desk(escalation, special_adviser):
    urgent = move(escalation, special_adviser, "urgent", "Killings expected before Friday")
    frozen = Briefing.objects.get(escalation=urgent, status=BriefingStatus.FROZEN)
    sections = {s["key"]: s for s in frozen.content["sections"]}
    assert frozen.content["urgent"] is True
    why = sections["escalation"]["items"][0]
    assert why["urgent_justification"] == "Killings expected before Friday"
    assert why["endorsed_by"] == "Chen Wei"
    assert "Urgent" in briefings.briefing_html(frozen.content, level_label="CONFIDENTIAL")


def test_a_briefing_returned_after_endorsement_keeps_its_frozen_snapshot(
    endorsed, frozen, special_adviser, senior_analyst, analyst
):
    returned = move(endorsed, special_adviser, "return", "Add the trial date")
    assert returned.status == S.DRAFT
    resubmitted = move(returned, analyst, "submit")
    assert Briefing.objects.filter(escalation=resubmitted).count() == 2
    frozen.refresh_from_db()
    assert briefings.content_hash(frozen.content) == frozen.content_hash
    # Endorsed again: a new frozen briefing is the one the desk reads; the first one stays,
    # unchanged, marked superseded.
    again = move(move(resubmitted, senior_analyst, "review"), special_adviser, "endorse")
    current = briefings.current_frozen(again)
    frozen.refresh_from_db()
    assert current.pk != frozen.pk and current.superseded_at is None
    assert frozen.superseded_at is not None
    assert briefings.content_hash(frozen.content) == frozen.content_hash


# --- Dissents -------------------------------------------------------------------------------------


def test_a_reviewers_dissent_travels_with_the_briefing(endorsed, frozen):
    dissents = next(s for s in frozen.content["sections"] if s["key"] == "dissents")["items"]
    assert [(d["author"], d["text"]) for d in dissents] == [
        ("Bruno Okafor", f"The convoy may be a routine rotation. {DISSENT_MARK}")
    ]
    html = briefings.briefing_html(frozen.content, level_label="STRICTLY CONFIDENTIAL")
    assert DISSENT_MARK in html and "Bruno Okafor" in html


def test_amina_cannot_dissent_and_nobody_dissents_after_endorsement(
    escalation, analyst, senior_analyst, special_adviser, outsider
):
    escalation = move(escalation, analyst, "submit")
    with pytest.raises(ForbiddenError):
        briefings.dissent_add(escalation=escalation, actor=analyst, text="I disagree")
    with pytest.raises(ForbiddenError):
        briefings.dissent_add(escalation=escalation, actor=outsider, text="I disagree")
    with pytest.raises(ApplicationValidationError) as blank:
        briefings.dissent_add(escalation=escalation, actor=senior_analyst, text="   ")
    assert "text" in blank.value.fields
    escalation = move(escalation, senior_analyst, "review")
    escalation = move(escalation, special_adviser, "endorse")
    with pytest.raises(ConflictError, match="before endorsement"):
        briefings.dissent_add(escalation=escalation, actor=special_adviser, text="Too late")
    assert not Dissent.objects.exists()


def test_the_sg_office_cannot_dissent_on_what_it_cannot_see_yet(escalation, analyst, sg_office):
    from r2p.errors import NotFoundError

    escalation = move(escalation, analyst, "submit")
    with pytest.raises(NotFoundError):
        briefings.dissent_add(escalation=escalation, actor=sg_office, text="Not yet")


# --- Source protection -------------------------------------------------------------------------


def test_no_source_identity_appears_in_the_briefing_its_html_or_its_pdf(frozen, tmp_path):
    html = briefings.briefing_html(frozen.content, level_label="STRICTLY CONFIDENTIAL")
    pdf_text = "\n".join(
        pdf_pages(briefings.briefing_pdf(frozen.content, level_label="x"), tmp_path)
    )
    for identity in IDENTITIES:
        token = identity.split()[-1]
        assert token not in text_of(frozen.content)
        assert token not in html
        assert token not in pdf_text
    assert STRICT_MARK in pdf_text


# --- Releasable versions -----------------------------------------------------------------------


def test_a_public_release_leaks_nothing_above_public_in_json_html_or_pdf(
    at_desk, frozen, sg_office, tmp_path
):
    release = briefings.briefing_release(
        briefing=frozen, level="PUBLIC", actor=sg_office, shared_with=["nor", "SEN"]
    )
    assert (release.level, release.shared_with) == (Classification.PUBLIC, ["NOR", "SEN"])
    assert release.content_hash == briefings.content_hash(release.content)
    html = briefings.briefing_html(release.content, level_label="PUBLIC")
    pages = pdf_pages(briefings.briefing_pdf(release.content, level_label="PUBLIC"), tmp_path)
    pdf_text = "\n".join(pages)
    for text in (text_of(release.content), html, pdf_text):
        assert PUBLIC_MARK in text
        for planted in ABOVE_PUBLIC:
            assert planted not in text
        assert "Central Sahel" not in text  # the situation itself is CONFIDENTIAL
    assert "2 items withheld above PUBLIC" in html
    assert "withheld above PUBLIC" in pdf_text
    every_item = [item for s in release.content["sections"] for item in s["items"]]
    assert every_item and all(item["classification"] == 0 for item in every_item)
    withheld = sum(s["withheld"] for s in release.content["sections"])
    assert release.withheld == withheld > 0
    # The frozen briefing itself is untouched.
    assert briefings.content_hash(Briefing.objects.get(pk=frozen.pk).content) == (
        frozen.content_hash
    )


def test_a_confidential_release_leaves_out_only_the_strictly_confidential(
    at_desk, frozen, sg_office
):
    release = briefings.briefing_release(
        briefing=frozen, level=Classification.CONFIDENTIAL, actor=sg_office
    )
    text = text_of(release.content)
    assert CONFIDENTIAL_MARK in text and DISSENT_MARK in text and PUBLIC_MARK in text
    assert STRICT_MARK not in text
    signals = next(s for s in release.content["sections"] if s["key"] == "signals")
    assert signals["withheld_note"] == "1 item withheld above CONFIDENTIAL"
    assert STRICT_MARK not in briefings.briefing_html(release.content, level_label="CONFIDENTIAL")


def test_only_the_sg_office_releases_a_frozen_briefing(
    escalation, at_desk, frozen, analyst, senior_analyst, special_adviser, liaison, sg_office
):
    for person in (analyst, senior_analyst, special_adviser, liaison):
        with pytest.raises(ForbiddenError):
            briefings.briefing_release(briefing=frozen, level="PUBLIC", actor=person)
    assert not ReleasableBriefing.objects.exists()
    with pytest.raises(ApplicationValidationError) as bad:
        briefings.briefing_release(
            briefing=frozen, level="SECRET", actor=sg_office, shared_with=["XXX", "Norway"]
        )
    assert set(bad.value.fields) == {"level", "shared_with"}
    assert len(bad.value.fields["shared_with"]) == 2
    briefings.briefing_release(briefing=frozen, level="PUBLIC", actor=sg_office)
    with pytest.raises(ConflictError):
        briefings.briefing_release(briefing=frozen, level="PUBLIC", actor=sg_office)
    event = AuditEvent.objects.get(action="briefing.release")
    assert event.actor_username == "dara"


def test_a_working_briefing_is_never_released(escalation, analyst, sg_office):
    escalation = move(escalation, analyst, "submit")
    working = Briefing.objects.get(escalation=escalation)
    Escalation.objects.filter(pk=escalation.pk).update(status=S.AT_DESK)  # setup: SG may see it
    with pytest.raises(ConflictError, match="frozen"):
        briefings.briefing_release(briefing=working, level="PUBLIC", actor=sg_office)


# --- The PDF ------------------------------------------------------------------------------------


def test_every_page_of_the_pdf_carries_the_marking_and_its_page_number(frozen, tmp_path):
    pdf = briefings.briefing_pdf(frozen.content, level_label="STRICTLY CONFIDENTIAL")
    assert pdf.startswith(b"%PDF-")
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert page.count("STRICTLY CONFIDENTIAL") >= 2, f"page {number} lacks the marking"
        assert f"Page {number} of {len(pages)}" in page
        assert frozen.content["reference"] in page
    first = pages[0]
    assert "UNITED NATIONS" in first
    assert "Briefing for the Secretary-General" in first
    assert "Central Sahel" in first
