"""The demo assessments `make run` loads on its first start, after the demo intake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments import demo, selectors, services
from assessments.models import (
    Assessment,
    AssessmentStatus,
    Challenge,
    ChallengeStatus,
    Evidence,
    OptionStatus,
    ResponseOption,
    RiskLevel,
    TriggerEvent,
)
from cases.models import Situation
from r2p.models import AuditEvent, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(capsys):
    """The first run of `make run`: accounts, demo intake, demo assessments."""
    call_command("r2p_demo")
    return capsys.readouterr().out


def situation(key: str) -> Situation:
    return Situation.objects.get(title=demo.TITLES[key])


def counts() -> dict[str, int]:
    return {
        "assessments": Assessment.objects.count(),
        "evidence": Evidence.objects.count(),
        "triggers": TriggerEvent.objects.count(),
        "options": ResponseOption.objects.count(),
        "challenges": Challenge.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_the_first_run_loads_the_demo_assessments_and_says_so(loaded):
    assert (
        "Demo assessments: 3 approved versions, 1 draft in progress, 3 triggers, "
        "3 response options, 1 open challenge." in loaded
    )
    loaded_rows = counts()
    del loaded_rows["audit"]
    assert loaded_rows == {
        "assessments": 4,  # the Sahel's three approved versions and the coast's draft
        "evidence": 5,
        "triggers": 3,
        "options": 3,
        "challenges": 1,
    }


def test_loading_again_changes_nothing(loaded):
    before = counts()
    assert demo.load() == {}
    call_command("r2p_demo")
    assert counts() == before


def test_the_sahel_history_rises_over_three_versions_in_the_past_months(loaded):
    amina = User.objects.get(username="amina")
    bruno = User.objects.get(username="bruno")
    versions = list(Assessment.objects.filter(situation=situation("sahel")).order_by("version"))
    assert [v.status for v in versions] == [AssessmentStatus.APPROVED] * 3
    assert [v.overall_level for v in versions] == [
        RiskLevel.MODERATE,
        RiskLevel.HIGH,
        RiskLevel.VERY_HIGH,
    ]
    assert {(v.author, v.approved_by) for v in versions} == {(amina, bruno)}
    now = timezone.now()
    ages = [(now - v.approved_at).days for v in versions]
    assert ages[0] >= 140 and ages[1] >= 80 and ages[2] == 0
    assert [v.based_on_id for v in versions] == [None, versions[0].pk, versions[1].pk]
    # The trend and the heat map read that history, for the author and the reviewer alike.
    for reader in (amina, bruno):
        points = selectors.risk_trend(situation=situation("sahel"), user=reader)
        assert [p.overall for p in points] == [2, 3, 4]
        assert selectors.trend_word(points) == "rising"
    grid = selectors.portfolio_heatmap(user=amina, months=12)
    sahel_row = next(r for r in grid.rows if r.situation_id == situation("sahel").pk)
    assert sahel_row.cells[-1] == RiskLevel.VERY_HIGH
    assert RiskLevel.HIGH in sahel_row.cells and RiskLevel.MODERATE in sahel_row.cells


def test_every_version_went_through_the_services_and_the_four_eyes(loaded):
    sahel = situation("sahel")
    latest = Assessment.objects.get(situation=sahel, version=3)
    moves = list(latest.transitions.values_list("from_status", "to_status", "actor__username"))
    assert moves == [("draft", "submitted", "amina"), ("submitted", "approved", "bruno")]
    assert latest.transitions.get(to_status="approved").at == latest.approved_at
    assert AuditEvent.objects.filter(action="assessment.status").count() == 6
    # The last version is backed by the demo signals linked to the Sahel, and nothing blocks it.
    evidence = Evidence.objects.filter(judgment__assessment=latest)
    linked = set(sahel.signal_links.values_list("signal_id", flat=True))
    assert evidence.count() == 4 and set(evidence.values_list("signal_id", flat=True)) <= linked
    factor_12 = latest.judgments.get(factor__number=12)
    assert factor_12.acknowledged_flags == ["single_source"]
    assert factor_12.acknowledgement_note.startswith("The human-rights mechanism's report")


def test_triggers_options_and_a_challenge_are_at_hand(loaded):
    amina = User.objects.get(username="amina")
    upcoming = list(selectors.upcoming_triggers(user=amina, days=90))
    assert sorted(t.kind for t in upcoming) == ["anniversary", "election", "trial"]
    today = timezone.localdate()
    assert all(today < t.occurs_on <= today + timedelta(days=90) for t in upcoming)
    options = selectors.option_list(user=amina, situation=situation("sahel"))
    assert sorted(o.status for o in options) == sorted(
        [OptionStatus.PROPOSED, OptionStatus.RECOMMENDED, OptionStatus.ADOPTED]
    )
    adopted = options.get(status=OptionStatus.ADOPTED)
    assert adopted.adopted_by == "Human Rights Council"
    assert [t.to_status for t in adopted.transitions.all()] == [
        "proposed",
        "recommended",
        "adopted",
    ]
    challenge = Challenge.objects.get()
    assert challenge.status == ChallengeStatus.OPEN and challenge.factor_number == 12
    assert challenge in selectors.dashboard(user=amina).open_challenges


def test_one_situation_is_left_for_a_person_to_assess_and_bruno_has_a_draft(loaded):
    amina = User.objects.get(username="amina")
    bruno = User.objects.get(username="bruno")
    lakes = situation("lakes")
    assert not Assessment.objects.filter(situation=lakes).exists()
    coast = Assessment.objects.get(situation=situation("coast"))
    assert coast.status == AssessmentStatus.DRAFT and coast.author == bruno
    # Factor 3 raised without evidence, factor 7 on a single source: two flags on his desk.
    assert selectors.dashboard(user=bruno).flagged == [(coast, 2)]
    # Amina can write the first version of the Great Lakes, and Bruno can review it.
    first = services.assessment_start(situation=lakes, actor=amina)
    services.assessment_submit(assessment=first, actor=amina)
    assert first in selectors.dashboard(user=bruno).awaiting_my_review


def test_nothing_is_loaded_without_the_demo_intake(db):
    assert demo.load() == {}
    assert Assessment.objects.count() == 0
