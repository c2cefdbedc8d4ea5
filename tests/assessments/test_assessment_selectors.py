"""Reads of assessments: the risk trend and its word, the portfolio heat map by month, the
countries' highest levels, who sees what (assessments, challenges, triggers, options), the
dashboards of Amina and Bruno, and the assessment page in a fixed number of queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import access, selectors, services
from assessments.models import (
    OPEN_ASSESSMENT_STATUSES,
    Assessment,
    RiskLevel,
)
from assessments.selectors import TrendPoint, trend_word
from cases import services as cases_services
from r2p.errors import NotFoundError
from r2p.models import Classification
from tests.assessments.conftest import judge

pytestmark = pytest.mark.django_db

LOW, MODERATE, HIGH, VERY_HIGH = (
    RiskLevel.LOW,
    RiskLevel.MODERATE,
    RiskLevel.HIGH,
    RiskLevel.VERY_HIGH,
)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def approve_at(situation, level: int, when: datetime, author, reviewer) -> Assessment:
    """A version of `situation` at overall `level`, approved at `when` (set afterwards, as the
    service stamps the present)."""
    assessment = situation.assessments.filter(status__in=OPEN_ASSESSMENT_STATUSES).first()
    if assessment is None:
        assessment = services.assessment_start(situation=situation, actor=author)
    services.assessment_update(
        assessment=assessment,
        actor=author,
        data={"override_level": level, "override_justification": "Set by the analyst."},
    )
    services.assessment_submit(assessment=assessment, actor=author)
    services.assessment_approve(assessment=assessment, actor=reviewer)
    Assessment.objects.filter(pk=assessment.pk).update(approved_at=when)
    assessment.refresh_from_db()
    return assessment


def open_situation(creator, title: str, countries: list[str], *, team=(), **extra):
    situation = cases_services.situation_create(
        created_by=creator, title=title, countries=countries, **extra
    )
    for person in team:
        cases_services.situation_member_add(situation=situation, user=person, actor=creator)
    return situation


# --- Risk trend -----------------------------------------------------------------------------------


def test_the_trend_lists_approved_versions_oldest_first_with_their_levels(
    situation, analyst, senior_analyst
):
    approve_at(situation, MODERATE, at(2025, 1, 10), analyst, senior_analyst)
    approve_at(situation, HIGH, at(2025, 3, 15), analyst, senior_analyst)
    approve_at(situation, LOW, at(2025, 5, 2), analyst, senior_analyst)
    services.assessment_start(situation=situation, actor=analyst)  # an open v4 is no point

    points = selectors.risk_trend(situation=situation, user=analyst)

    assert [(p.at.date(), p.version, p.overall) for p in points] == [
        (date(2025, 1, 10), 1, MODERATE),
        (date(2025, 3, 15), 2, HIGH),
        (date(2025, 5, 2), 3, LOW),
    ]
    assert {(p.genocide, p.crimes_against_humanity, p.war_crimes) for p in points} == {
        (LOW, LOW, LOW)
    }
    assert trend_word(points[:2]) == "rising"
    assert trend_word(points) == "falling"


def test_the_trend_follows_approval_dates_not_version_numbers(situation, analyst, senior_analyst):
    first = approve_at(situation, MODERATE, at(2025, 4, 1), analyst, senior_analyst)
    approve_at(situation, HIGH, at(2025, 6, 1), analyst, senior_analyst)
    # Say version 1's approval was recorded late: it is then the latest point.
    Assessment.objects.filter(pk=first.pk).update(approved_at=at(2025, 7, 1))
    points = selectors.risk_trend(situation=situation, user=analyst)
    assert [p.version for p in points] == [2, 1]
    assert trend_word(points) == "falling"


@pytest.mark.parametrize(
    ("levels", "word"),
    [
        ([], "steady"),
        ([HIGH], "steady"),
        ([LOW, LOW], "steady"),
        ([LOW, MODERATE], "rising"),
        ([VERY_HIGH, HIGH], "falling"),
        ([LOW, VERY_HIGH, VERY_HIGH], "steady"),
        ([HIGH, LOW, MODERATE], "rising"),
    ],
)
def test_the_trend_word_compares_the_last_two_approved_levels(levels, word):
    points = [
        TrendPoint(at(2025, 1, n + 1), n + 1, level, LOW, LOW, LOW)
        for n, level in enumerate(levels)
    ]
    assert trend_word(points) == word


def test_a_strictly_confidential_version_is_left_out_of_amina_s_trend(
    situation, analyst, senior_analyst, second_reviewer
):
    approve_at(situation, MODERATE, at(2025, 1, 10), analyst, senior_analyst)
    secret = services.assessment_start(situation=situation, actor=senior_analyst)
    services.assessment_update(
        assessment=secret,
        actor=senior_analyst,
        data={"classification": "strictly confidential"},
    )
    approve_at(situation, VERY_HIGH, at(2025, 2, 10), senior_analyst, second_reviewer)
    assert [p.version for p in selectors.risk_trend(situation=situation, user=analyst)] == [1]
    assert [p.version for p in selectors.risk_trend(situation=situation, user=senior_analyst)] == [
        1,
        2,
    ]


# --- Portfolio heat map ---------------------------------------------------------------------------


def test_the_heat_map_shows_the_level_in_force_at_each_month_s_end(
    situation, analyst, senior_analyst
):
    approve_at(situation, MODERATE, at(2025, 1, 10), analyst, senior_analyst)
    approve_at(situation, HIGH, at(2025, 3, 15), analyst, senior_analyst)  # mid-month
    approve_at(situation, LOW, at(2025, 5, 31, 23, 30), analyst, senior_analyst)
    approve_at(situation, VERY_HIGH, at(2025, 6, 1, 0, 10), analyst, senior_analyst)
    quiet = open_situation(analyst, "Lake Chad basin", ["TCD"])

    heatmap = selectors.portfolio_heatmap(user=analyst, months=6, until=date(2025, 5, 20))

    assert heatmap.months == [
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2025, 3, 1),
        date(2025, 4, 1),
        date(2025, 5, 1),
    ]
    rows = {row.title: row for row in heatmap.rows}
    assert list(rows) == ["Central Sahel", "Lake Chad basin"]  # by title
    assert rows["Central Sahel"].cells == [None, MODERATE, MODERATE, HIGH, HIGH, LOW]
    assert (rows["Central Sahel"].situation_id, rows["Central Sahel"].reference) == (
        situation.pk,
        situation.reference,
    )
    assert rows["Lake Chad basin"].cells == [None] * 6
    assert rows["Lake Chad basin"].situation_id == quiet.pk


def test_the_heat_map_crosses_a_year_and_defaults_to_twelve_months(analyst):
    heatmap = selectors.portfolio_heatmap(user=analyst, until=date(2025, 2, 3))
    assert heatmap.months[0] == date(2024, 3, 1) and heatmap.months[-1] == date(2025, 2, 1)
    assert len(heatmap.months) == 12


def test_the_heat_map_leaves_out_situations_and_versions_amina_may_not_see(
    situation, analyst, senior_analyst, second_reviewer
):
    hidden = open_situation(
        senior_analyst, "Tigray", ["ETH"], team=[second_reviewer], classification=2
    )
    approve_at(hidden, HIGH, at(2025, 1, 10), senior_analyst, second_reviewer)
    approve_at(situation, MODERATE, at(2025, 1, 10), analyst, senior_analyst)
    secret = services.assessment_start(situation=situation, actor=senior_analyst)
    services.assessment_update(assessment=secret, actor=senior_analyst, data={"classification": 2})
    approve_at(situation, VERY_HIGH, at(2025, 2, 10), senior_analyst, second_reviewer)

    amina_s = selectors.portfolio_heatmap(user=analyst, months=2, until=date(2025, 2, 28))
    assert [(r.title, r.cells) for r in amina_s.rows] == [("Central Sahel", [MODERATE, MODERATE])]
    bruno_s = selectors.portfolio_heatmap(user=senior_analyst, months=2, until=date(2025, 2, 28))
    assert [(r.title, r.cells) for r in bruno_s.rows] == [
        ("Central Sahel", [MODERATE, VERY_HIGH]),
        ("Tigray", [HIGH, HIGH]),
    ]


# --- The map --------------------------------------------------------------------------------------


def test_each_country_takes_the_highest_level_of_its_open_situations(
    situation, analyst, senior_analyst
):
    approve_at(situation, HIGH, at(2025, 1, 10), analyst, senior_analyst)  # MLI, BFA
    liptako = open_situation(analyst, "Liptako-Gourma", ["NER", "MLI"], team=[senior_analyst])
    approve_at(liptako, MODERATE, at(2025, 1, 12), analyst, senior_analyst)
    gao = open_situation(analyst, "Gao region", ["MLI", "SDN"], team=[senior_analyst])
    approve_at(gao, VERY_HIGH, at(2025, 1, 14), analyst, senior_analyst)
    cases_services.situation_update(
        situation=gao, actor=analyst, expected_version=None, status="closed"
    )
    lake_chad = open_situation(analyst, "Lake Chad basin", ["TCD"])

    countries = selectors.country_levels(user=analyst)

    assert {iso3: entry.level for iso3, entry in countries.items()} == {
        "MLI": HIGH,
        "BFA": HIGH,
        "NER": MODERATE,
        "TCD": None,
    }
    assert sorted(title for _, _, title in countries["MLI"].situations) == [
        "Central Sahel",
        "Liptako-Gourma",
    ]
    assert countries["TCD"].situations == [(lake_chad.pk, lake_chad.reference, lake_chad.title)]


def test_a_later_lower_version_lowers_the_country(situation, analyst, senior_analyst):
    approve_at(situation, VERY_HIGH, at(2025, 1, 10), analyst, senior_analyst)
    approve_at(situation, MODERATE, at(2025, 2, 10), analyst, senior_analyst)
    assert selectors.country_levels(user=analyst)["MLI"].level == MODERATE


# --- Visibility -----------------------------------------------------------------------------------


@pytest.fixture
def sahel_material(situation, draft, analyst, senior_analyst, make_signal):
    """In the CONFIDENTIAL Central Sahel: a draft, two challenges, a trigger and an option."""
    hidden_signal = make_signal(classification=Classification.CONFIDENTIAL)
    on_judgment = services.challenge_raise(
        actor=senior_analyst,
        reasoning="Not systematic.",
        judgment=draft.judgments.get(factor__number=11),
    )
    on_signal = services.challenge_raise(
        actor=senior_analyst, reasoning="Misdated.", signal_id=hidden_signal.pk
    )
    trigger = services.trigger_create(
        situation=situation,
        actor=analyst,
        data={
            "kind": "election",
            "title": "Legislative elections",
            "occurs_on": timezone.localdate() + timedelta(days=20),
        },
    )
    option = services.option_propose(
        situation=situation,
        actor=analyst,
        data={
            "instrument": "good-offices",
            "rationale": "Talks.",
            "lead_actor": "UNOWAS",
            "feasibility": "high",
        },
    )
    return {
        "assessment": draft,
        "challenges": {on_judgment, on_signal},
        "trigger": trigger,
        "option": option,
    }


def test_amina_on_the_team_sees_all_of_central_sahel(sahel_material, analyst):
    assert list(access.assessments_visible(analyst)) == [sahel_material["assessment"]]
    assert set(access.challenges_visible(analyst)) == sahel_material["challenges"]
    assert list(access.triggers_visible(analyst)) == [sahel_material["trigger"]]
    assert list(access.options_visible(analyst)) == [sahel_material["option"]]


@pytest.mark.parametrize("person", ["second_reviewer", "liaison", "outsider"])
def test_sofia_off_the_team_elena_and_oscar_see_nothing_of_a_confidential_situation(
    person, request, sahel_material, situation
):
    user = request.getfixturevalue(person)
    assert not access.assessments_visible(user).exists()
    assert not access.challenges_visible(user).exists()
    assert not access.triggers_visible(user).exists()
    assert not access.options_visible(user).exists()
    assert not selectors.assessment_list(user=user).exists()
    assert not selectors.upcoming_triggers(user=user).exists()
    assert not selectors.option_list(user=user).exists()
    assert selectors.risk_trend(situation=situation, user=user) == []
    assert selectors.portfolio_heatmap(user=user).rows == []
    assert selectors.country_levels(user=user) == {}
    material = sahel_material
    judgment = material["assessment"].judgments.first()
    lookups = [
        (access.access_assessment, material["assessment"].pk),
        (access.access_judgment, judgment.pk),
        (access.access_trigger, material["trigger"].pk),
        (access.access_option, material["option"].pk),
        *((access.access_challenge, c.pk) for c in material["challenges"]),
    ]
    for lookup, pk in lookups:
        with pytest.raises(NotFoundError):
            lookup(user, pk)


def test_a_missing_or_malformed_id_is_not_found_as_a_hidden_one_is(analyst):
    for lookup in (
        access.access_assessment,
        access.access_judgment,
        access.access_evidence,
        access.access_challenge,
        access.access_trigger,
        access.access_option,
    ):
        for pk in (987_654, "abc", None):
            with pytest.raises(NotFoundError):
                lookup(analyst, pk)


def test_sofia_sees_the_assessments_of_a_public_situation_but_elena_and_oscar_do_not(
    analyst, second_reviewer, liaison, outsider
):
    public = open_situation(analyst, "Regional watch", ["NER"], classification=0)
    assessment = services.assessment_start(situation=public, actor=analyst)
    assert assessment.classification == Classification.PUBLIC
    assert list(access.assessments_visible(second_reviewer)) == [assessment]
    assert access.access_assessment(second_reviewer, assessment.pk) == assessment
    for user in (liaison, outsider):
        assert not access.assessments_visible(user).exists()


def test_a_strictly_confidential_version_is_hidden_from_amina_though_she_is_on_the_team(
    draft, analyst, senior_analyst
):
    services.assessment_update(assessment=draft, actor=senior_analyst, data={"classification": 2})
    assert not access.assessments_visible(analyst).exists()
    with pytest.raises(NotFoundError):
        access.access_assessment(analyst, draft.pk)
    assert access.access_assessment(senior_analyst, draft.pk) == draft


# --- Dashboards -----------------------------------------------------------------------------------


@pytest.fixture
def portfolio(situation, analyst, senior_analyst, second_reviewer, make_signal):
    """Central Sahel rising (moderate, then high) with an open flagged v3; Lake Chad waiting for
    review (Amina's); Liptako waiting for review (Bruno's own); Tigray that Amina cannot see."""
    approve_at(situation, MODERATE, at(2025, 1, 10), analyst, senior_analyst)
    approve_at(situation, HIGH, at(2025, 2, 10), analyst, senior_analyst)
    third = services.assessment_start(situation=situation, actor=analyst)
    judge(third, analyst, 7, "high")
    judge(third, analyst, 9, "moderate")
    services.evidence_add(
        judgment=third.judgments.get(factor__number=9), actor=analyst, signal_id=make_signal().pk
    )
    lake_chad = open_situation(analyst, "Lake Chad basin", ["TCD"], team=[senior_analyst])
    amina_s = services.assessment_start(situation=lake_chad, actor=analyst)
    services.assessment_submit(assessment=amina_s, actor=analyst)
    liptako = open_situation(analyst, "Liptako-Gourma", ["NER"], team=[senior_analyst])
    bruno_s = services.assessment_start(situation=liptako, actor=senior_analyst)
    services.assessment_submit(assessment=bruno_s, actor=senior_analyst)
    tigray = open_situation(
        senior_analyst, "Tigray", ["ETH"], team=[second_reviewer], classification=2
    )
    tigray_s = services.assessment_start(situation=tigray, actor=second_reviewer)
    services.assessment_submit(assessment=tigray_s, actor=second_reviewer)
    today = timezone.localdate()
    for place, days in ((situation, 10), (situation, 100), (tigray, 5)):
        services.trigger_create(
            situation=place,
            actor=place.lead_analyst,
            data={
                "kind": "trial",
                "title": f"Trial in {days}",
                "occurs_on": today + timedelta(days),
            },
        )
    challenge = services.challenge_raise(
        actor=senior_analyst,
        reasoning="Factor 7 overstated.",
        judgment=third.judgments.get(factor__number=7),
    )
    services.challenge_raise(
        actor=second_reviewer,
        reasoning="Elsewhere.",
        judgment=tigray_s.judgments.get(factor__number=1),
    )
    base = {"rationale": "Talks.", "lead_actor": "UNOWAS", "feasibility": "high"}
    kept = services.option_propose(
        situation=situation, actor=analyst, data={**base, "instrument": "good-offices"}
    )
    dropped = services.option_propose(
        situation=situation, actor=analyst, data={**base, "instrument": "sanctions"}
    )
    services.option_transition(option=dropped, actor=analyst, to="abandoned", note="No support.")
    return {
        "third": third,
        "amina_s": amina_s,
        "bruno_s": bruno_s,
        "tigray_s": tigray_s,
        "challenge": challenge,
        "option": kept,
        "lake_chad": lake_chad,
        "liptako": liptako,
    }


def test_amina_s_dashboard_shows_her_situations_challenges_triggers_and_flags(
    portfolio, analyst, situation
):
    board = selectors.dashboard(user=analyst)
    assert [(r.situation.title, r.level, r.trend) for r in board.my_situations] == [
        ("Central Sahel", HIGH, "rising"),
        # No trend before a second approved version.
        ("Lake Chad basin", None, ""),
        ("Liptako-Gourma", None, ""),
    ]
    assert board.awaiting_my_review == []  # she is not a reviewer
    assert board.open_challenges == [portfolio["challenge"]]
    assert [t.title for t in board.triggers] == ["Trial in 10"]
    assert board.flagged == [(portfolio["third"], 2)]
    assert board.options_in_play == 1


def test_acknowledging_a_flag_takes_it_off_amina_s_dashboard(portfolio, analyst):
    services.flags_acknowledge(
        judgment=portfolio["third"].judgments.get(factor__number=9),
        actor=analyst,
        note="The field office is enough here.",
    )
    assert selectors.dashboard(user=analyst).flagged == [(portfolio["third"], 1)]


def test_bruno_s_dashboard_awaits_his_review_of_amina_s_work_not_his_own(portfolio, senior_analyst):
    board = selectors.dashboard(user=senior_analyst)
    # Amina's Lake Chad version and Sofia's Tigray one, in the order they were submitted.
    assert board.awaiting_my_review == [portfolio["amina_s"], portfolio["tigray_s"]]
    assert portfolio["bruno_s"] not in board.awaiting_my_review
    assert [r.situation.title for r in board.my_situations] == [
        "Central Sahel",
        "Lake Chad basin",
        "Liptako-Gourma",
        "Tigray",
    ]
    assert sorted(t.title for t in board.triggers) == ["Trial in 10", "Trial in 5"]
    assert board.flagged == [(portfolio["third"], 2)]


def test_sofia_reviews_only_what_she_may_see(portfolio, second_reviewer):
    board = selectors.dashboard(user=second_reviewer)
    # Bruno's Liptako and Amina's Lake Chad are confidential to their teams; Tigray is hers.
    assert board.awaiting_my_review == []
    assert [r.situation.title for r in board.my_situations] == ["Tigray"]


# --- The assessment page in a fixed number of queries --------------------------------------------


def _view_queries(assessment: Assessment, user) -> int:
    with CaptureQueriesContext(connection) as captured:
        view = selectors.assessment_view(assessment=assessment, user=user)
        # What a template would touch: nothing here may query again.
        for row in view.judgments:
            _ = [i.code for i in row.indicators], [e.signal.source.pseudonym for e in row.evidence]
            _ = row.judgment.factor.title, row.flags, row.challenges
        _ = [t.actor.username for t in view.transitions]
    return len(captured.captured_queries)


def test_the_assessment_page_costs_the_same_queries_for_one_factor_or_fourteen(
    situation, analyst, senior_analyst, make_signal, wire, rumour_mill
):
    small = services.assessment_start(situation=situation, actor=analyst)
    judge(small, analyst, 1, "moderate", indicators=["1.1"])
    services.evidence_add(
        judgment=small.judgments.get(factor__number=1), actor=analyst, signal_id=make_signal().pk
    )
    small_count = _view_queries(small, analyst)

    sources = (None, wire, rumour_mill)
    for number in range(2, 15):
        judge(small, analyst, number, "high", indicators=[f"{number}.1", f"{number}.2"])
        judgment = small.judgments.get(factor__number=number)
        for source in sources:
            services.evidence_add(
                judgment=judgment, actor=analyst, signal_id=make_signal(source).pk
            )
        services.challenge_raise(actor=senior_analyst, reasoning="Check.", judgment=judgment)
    services.assessment_submit(assessment=small, actor=analyst)
    view = selectors.assessment_view(assessment=small, user=analyst)
    assert sum(len(row.evidence) for row in view.judgments) == 1 + 13 * 3
    assert len(view.challenges) == 13

    assert _view_queries(small, analyst) == small_count


def test_evidence_amina_may_not_see_is_counted_but_not_shown(
    draft, analyst, senior_analyst, make_signal
):
    judge(draft, analyst, 1, "moderate")
    judgment = draft.judgments.get(factor__number=1)
    secret = make_signal(actor=senior_analyst, classification=Classification.STRICTLY_CONFIDENTIAL)
    services.evidence_add(judgment=judgment, actor=senior_analyst, signal_id=secret.pk)
    services.evidence_add(judgment=judgment, actor=analyst, signal_id=make_signal().pk)
    row = selectors.assessment_view(assessment=draft, user=analyst).judgments[0]
    assert (len(row.evidence), row.withheld) == (1, 1)
    assert secret.pk not in {e.signal_id for e in row.evidence}
    bruno_s = selectors.assessment_view(assessment=draft, user=senior_analyst).judgments[0]
    assert (len(bruno_s.evidence), bruno_s.withheld) == (2, 0)
