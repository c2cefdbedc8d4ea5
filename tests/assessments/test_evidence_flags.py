"""Evidence-quality flags: a factor at moderate or above with no evidence, with evidence from one
source only, or only from low-reliability (D-F) or low-credibility (4-6) signals is flagged;
approval needs every flag resolved or acknowledged, and an acknowledgement covers only the flags
present when it was made."""

from __future__ import annotations

import pytest

from assessments import selectors, services
from assessments.models import FlagKind
from cases import services as cases_services
from r2p.errors import ApplicationValidationError
from r2p.models import Classification
from tests.assessments.conftest import judge

pytestmark = pytest.mark.django_db

NONE, SINGLE, WEAK = FlagKind.NO_EVIDENCE, FlagKind.SINGLE_SOURCE, FlagKind.WEAK_EVIDENCE


@pytest.fixture
def hearsay(analyst):
    """A source whose reliability cannot be judged (F)."""
    return cases_services.source_create(
        created_by=analyst,
        source_type="civil_society",
        reliability="F",
        classification=Classification.PUBLIC,
        name="Unverified caller",
    )


@pytest.fixture
def partisan(analyst):
    """A usually unreliable source at the edge of the weak band (D)."""
    return cases_services.source_create(
        created_by=analyst,
        source_type="government",
        reliability="D",
        classification=Classification.PUBLIC,
        name="Ministry spokesperson",
    )


# (level, [(source fixture, credibility), ...], expected flags)
CASES = [
    # Below moderate nothing is flagged, whatever the evidence.
    ("insufficient", [], set()),
    ("absent", [], set()),
    ("low", [], set()),
    ("low", [("rumour_mill", 5)], set()),
    # Moderate or high with no evidence.
    ("moderate", [], {NONE}),
    ("high", [], {NONE}),
    # One source, however many of its signals.
    ("moderate", [("field_office", 2)], {SINGLE}),
    ("high", [("field_office", 2), ("field_office", 1)], {SINGLE}),
    # Two independent reliable sources: clean.
    ("high", [("field_office", 2), ("wire", 3)], set()),
    ("moderate", [("field_office", 1), ("wire", 1)], set()),
    # Weak by reliability (D-F) only.
    ("moderate", [("rumour_mill", 2)], {SINGLE, WEAK}),
    ("high", [("rumour_mill", 1), ("hearsay", 2)], {WEAK}),
    ("high", [("partisan", 1), ("hearsay", 1)], {WEAK}),
    # Weak by credibility (4-6) only, from reliable sources.
    ("high", [("field_office", 5), ("wire", 5)], {WEAK}),
    ("moderate", [("field_office", 4), ("wire", 6)], {WEAK}),
    ("high", [("field_office", 5), ("field_office", 4)], {SINGLE, WEAK}),
    # Weak each in its own way is still weak.
    ("high", [("rumour_mill", 2), ("wire", 6)], {WEAK}),
    # Mixed strong and weak is not weak.
    ("high", [("field_office", 2), ("rumour_mill", 2)], set()),
    ("high", [("field_office", 5), ("wire", 3)], set()),
    ("moderate", [("wire", 3), ("rumour_mill", 6), ("hearsay", 6)], set()),
]


def _case_id(case: tuple) -> str:
    level, evidence, _ = case
    return f"{level}-" + ("+".join(f"{source}{grade}" for source, grade in evidence) or "nothing")


@pytest.mark.parametrize(("level", "evidence", "expected"), CASES, ids=map(_case_id, CASES))
def test_the_flags_of_a_factor_follow_its_level_and_evidence(
    level, evidence, expected, request, draft, analyst, make_signal
):
    judge(draft, analyst, 5, level)
    judgment = draft.judgments.get(factor__number=5)
    for fixture, credibility in evidence:
        signal = make_signal(request.getfixturevalue(fixture), credibility=credibility)
        services.evidence_add(judgment=judgment, actor=analyst, signal_id=signal.pk)
    assert selectors.judgment_flags(judgment) == expected
    loaded = list(judgment.evidence.select_related("signal__source"))
    assert selectors.flags_of(level, loaded) == expected
    blockers = selectors.approval_blockers(draft)
    assert len(blockers) == len(expected)
    for flag in expected:
        assert any(f"Factor 5 ({level}): {FlagKind(flag).label.lower()}" in b for b in blockers), (
            blockers
        )


def test_amina_s_unevidenced_high_factor_blocks_approval_with_a_plain_reason(
    draft, analyst, senior_analyst
):
    judge(draft, analyst, 10, "high")
    services.assessment_submit(assessment=draft, actor=analyst)
    with pytest.raises(ApplicationValidationError) as refused:
        services.assessment_approve(assessment=draft, actor=senior_analyst)
    assert refused.value.fields["non_field_errors"] == [
        "Factor 10 (high): no evidence. Add evidence or acknowledge the flag."
    ]
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_adding_evidence_from_a_second_source_resolves_the_single_source_flag(
    draft, analyst, senior_analyst, make_signal, wire
):
    judge(draft, analyst, 11, "high")
    judgment = draft.judgments.get(factor__number=11)
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal().pk)
    assert selectors.judgment_flags(judgment) == {SINGLE}
    assert len(selectors.approval_blockers(draft)) == 1
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal(wire).pk)
    assert selectors.judgment_flags(judgment) == set()
    assert selectors.approval_blockers(draft) == []
    services.assessment_submit(assessment=draft, actor=analyst)
    assert services.assessment_approve(assessment=draft, actor=senior_analyst).status == "approved"


def test_lowering_the_level_below_moderate_clears_the_flag(draft, analyst):
    judge(draft, analyst, 3, "moderate")
    assert selectors.approval_blockers(draft)
    judge(draft, analyst, 3, "low")
    assert selectors.approval_blockers(draft) == []


def test_an_acknowledged_flag_no_longer_blocks_and_its_note_is_kept(
    draft, analyst, senior_analyst, make_signal, rumour_mill
):
    judge(draft, analyst, 9, "moderate")
    judgment = draft.judgments.get(factor__number=9)
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal(rumour_mill).pk)
    acknowledged = services.flags_acknowledge(
        judgment=judgment, actor=analyst, note="Only channel reporting from the area"
    )
    assert acknowledged.acknowledged_flags == sorted([SINGLE, WEAK])
    assert acknowledged.acknowledged_by == analyst and acknowledged.acknowledged_at is not None
    assert selectors.approval_blockers(draft) == []
    services.assessment_submit(assessment=draft, actor=analyst)
    assert services.assessment_approve(assessment=draft, actor=senior_analyst).status == "approved"


def test_an_acknowledgement_does_not_cover_a_flag_that_appears_later(
    draft, analyst, make_signal, rumour_mill
):
    judge(draft, analyst, 7, "high")
    judgment = draft.judgments.get(factor__number=7)
    strong = services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal().pk)
    services.flags_acknowledge(judgment=judgment, actor=analyst, note="The field office is solid")
    assert selectors.approval_blockers(draft) == []

    # The reliable signal goes, an unreliable one takes its place: now weak, too.
    services.evidence_remove(evidence=strong, actor=analyst)
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal(rumour_mill).pk)

    assert selectors.judgment_flags(judgment) == {SINGLE, WEAK}
    assert selectors.approval_blockers(draft) == [
        "Factor 7 (high): only low-reliability (d-f) or low-credibility (4-6) evidence. "
        "Add evidence or acknowledge the flag."
    ]
    services.flags_acknowledge(judgment=judgment, actor=analyst, note="Weighed the channel too")
    assert selectors.approval_blockers(draft) == []


def test_removing_all_evidence_raises_a_new_no_evidence_flag_over_an_acknowledgement(
    draft, analyst, make_signal
):
    judge(draft, analyst, 7, "high")
    judgment = draft.judgments.get(factor__number=7)
    only = services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal().pk)
    services.flags_acknowledge(judgment=judgment, actor=analyst, note="One good source")
    services.evidence_remove(evidence=only, actor=analyst)
    (blocker,) = selectors.approval_blockers(draft)
    assert blocker.startswith("Factor 7 (high): no evidence.")


def test_amina_must_write_a_note_to_acknowledge_a_flag(draft, analyst):
    judge(draft, analyst, 7, "high")
    judgment = draft.judgments.get(factor__number=7)
    for note in ("", "   "):
        with pytest.raises(ApplicationValidationError) as refused:
            services.flags_acknowledge(judgment=judgment, actor=analyst, note=note)
        assert refused.value.fields == {"note": ["This field is required."]}
    judgment.refresh_from_db()
    assert judgment.acknowledged_flags == []


def test_a_factor_with_no_flag_has_nothing_to_acknowledge(draft, analyst):
    judge(draft, analyst, 7, "low")
    judgment = draft.judgments.get(factor__number=7)
    with pytest.raises(ApplicationValidationError) as refused:
        services.flags_acknowledge(judgment=judgment, actor=analyst, note="Just in case")
    assert "no evidence flag" in refused.value.fields["note"][0]


def test_flags_on_several_factors_are_each_listed(draft, analyst, make_signal):
    judge(draft, analyst, 1, "moderate")
    judge(draft, analyst, 13, "high")
    services.evidence_add(
        judgment=draft.judgments.get(factor__number=13),
        actor=analyst,
        signal_id=make_signal().pk,
    )
    blockers = selectors.approval_blockers(draft)
    assert [b.split(":")[0] for b in blockers] == ["Factor 1 (moderate)", "Factor 13 (high)"]
