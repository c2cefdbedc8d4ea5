"""Assessments through their services: versions, the risk rule stored, four eyes, approval
gates (evidence flags, open challenges), immutability and the copy into a new version."""

from __future__ import annotations

import pytest

from assessments import selectors, services
from assessments.models import AssessmentStatus, FlagKind, RiskLevel
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError
from tests.assessments.conftest import judge

pytestmark = pytest.mark.django_db


def test_a_first_version_has_every_factor_not_judged_and_low_risk(draft):
    assert draft.version == 1
    assert draft.judgments.count() == 14
    assert set(draft.judgments.values_list("level", flat=True)) == {"insufficient"}
    assert draft.overall_level == RiskLevel.LOW


def test_judging_a_factor_recomputes_the_stored_levels(draft, analyst):
    judge(draft, analyst, 11, "high")
    draft.refresh_from_db()
    assert draft.crimes_against_humanity_level == RiskLevel.HIGH
    assert draft.overall_level == RiskLevel.HIGH
    assert draft.genocide_level == RiskLevel.LOW


def test_only_one_version_is_open_at_a_time(draft, situation, analyst):
    with pytest.raises(ConflictError):
        services.assessment_start(situation=situation, actor=analyst)


def test_amina_cannot_approve_her_own_assessment(draft, analyst, senior_analyst):
    services.assessment_submit(assessment=draft, actor=analyst)
    with pytest.raises(ForbiddenError):
        services.assessment_approve(assessment=draft, actor=analyst)
    approved = services.assessment_approve(assessment=draft, actor=senior_analyst)
    assert approved.status == AssessmentStatus.APPROVED
    assert approved.approved_by == senior_analyst


def test_bruno_cannot_approve_what_he_wrote_himself(situation, analyst, senior_analyst):
    mine = services.assessment_start(situation=situation, actor=senior_analyst)
    services.assessment_submit(assessment=mine, actor=senior_analyst)
    with pytest.raises(ForbiddenError):
        services.assessment_approve(assessment=mine, actor=senior_analyst)


def test_a_high_factor_without_evidence_blocks_approval_until_acknowledged(
    draft, analyst, senior_analyst
):
    judge(draft, analyst, 7, "high")
    services.assessment_submit(assessment=draft, actor=analyst)
    with pytest.raises(ApplicationValidationError) as refused:
        services.assessment_approve(assessment=draft, actor=senior_analyst)
    assert "Factor 7 (high): no evidence" in refused.value.fields["non_field_errors"][0]


def test_evidence_from_two_reliable_sources_leaves_no_flag(
    draft, analyst, make_signal, wire, field_office
):
    judge(draft, analyst, 7, "high")
    judgment = draft.judgments.get(factor__number=7)
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal().pk)
    assert selectors.judgment_flags(judgment) == {FlagKind.SINGLE_SOURCE}
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal(wire).pk)
    assert selectors.judgment_flags(judgment) == set()


def test_an_approved_version_never_changes_and_the_next_starts_as_its_copy(
    draft, situation, analyst, senior_analyst, make_signal
):
    judge(draft, analyst, 1, "moderate", indicators=["1.1", "1.2"], narrative="Fighting")
    judgment = draft.judgments.get(factor__number=1)
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal().pk)
    services.flags_acknowledge(judgment=judgment, actor=analyst, note="Field office is solid")
    services.assessment_submit(assessment=draft, actor=analyst)
    services.assessment_approve(assessment=draft, actor=senior_analyst)
    with pytest.raises(ConflictError):
        judge(draft, analyst, 1, "high")
    second = services.assessment_start(situation=situation, actor=analyst)
    copied = second.judgments.get(factor__number=1)
    assert (second.version, second.based_on_id) == (2, draft.pk)
    assert copied.level == "moderate" and copied.narrative == "Fighting"
    assert sorted(i.code for i in copied.indicators.all()) == ["1.1", "1.2"]
    assert copied.evidence.count() == 1


def test_an_open_challenge_must_be_acknowledged_before_approval(
    draft, analyst, senior_analyst, special_adviser, make_signal, wire
):
    judge(draft, analyst, 11, "high")
    judgment = draft.judgments.get(factor__number=11)
    evidence = [make_signal(), make_signal(wire)]
    for signal in evidence:
        services.evidence_add(judgment=judgment, actor=analyst, signal_id=signal.pk)
    challenge = services.challenge_raise(
        actor=senior_analyst, reasoning="The attack was by bandits", judgment=judgment
    )
    services.assessment_submit(assessment=draft, actor=analyst)
    with pytest.raises(ApplicationValidationError):
        services.assessment_approve(assessment=draft, actor=senior_analyst)
    services.challenge_acknowledge(
        challenge=challenge, assessment=draft, actor=senior_analyst, note="Weighed; pattern holds"
    )
    assert services.assessment_approve(assessment=draft, actor=senior_analyst).status == "approved"


def test_the_diff_shows_levels_indicators_and_evidence(
    draft, situation, analyst, senior_analyst, make_signal, wire
):
    services.assessment_submit(assessment=draft, actor=analyst)
    services.assessment_approve(assessment=draft, actor=senior_analyst)
    second = services.assessment_start(situation=situation, actor=analyst)
    judge(second, analyst, 10, "moderate", indicators=["10.2"])
    judgment = second.judgments.get(factor__number=10)
    signal = make_signal(wire)
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=signal.pk)
    second.refresh_from_db()
    diff = selectors.assessment_diff(older=draft, newer=second)
    (change,) = diff.changed_factors
    assert change.number == 10
    assert change.level == ("insufficient", "moderate")
    assert change.indicators_added == ["10.2"]
    assert change.evidence_added == [signal.pk]
    assert diff.levels["genocide"] == (RiskLevel.LOW, RiskLevel.MODERATE)
