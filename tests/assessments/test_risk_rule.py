"""The risk rule (assessments.risk) as a table of cases, and its page docs/risk-rule.md.

Pure functions: no database. Each case gives the factor levels, the crime type looked at, and
the level and sentence the rule must give.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from assessments.models import CrimeType, FactorLevel, RiskLevel
from assessments.risk import COMMON_FACTORS, COMMON_THRESHOLD, SPECIFIC_FACTORS, risk_compute

ROOT = Path(__file__).resolve().parent.parent.parent

ABSENT = FactorLevel.ABSENT
LOW = FactorLevel.LOW
MODERATE = FactorLevel.MODERATE
HIGH = FactorLevel.HIGH
INSUFFICIENT = FactorLevel.INSUFFICIENT

GENOCIDE = CrimeType.GENOCIDE
CAH = CrimeType.CRIMES_AGAINST_HUMANITY
WAR_CRIMES = CrimeType.WAR_CRIMES


def judged(
    rest: str = LOW,
    *,
    high: tuple[int, ...] = (),
    moderate: tuple[int, ...] = (),
    low: tuple[int, ...] = (),
    absent: tuple[int, ...] = (),
    insufficient: tuple[int, ...] = (),
) -> dict[int, str]:
    """All 14 factors at `rest`, except those named."""
    levels = dict.fromkeys(range(1, 15), rest)
    for level, numbers in (
        (HIGH, high),
        (MODERATE, moderate),
        (LOW, low),
        (ABSENT, absent),
        (INSUFFICIENT, insufficient),
    ):
        for number in numbers:
            levels[number] = level
    return levels


# --- Each crime type: the four steps, branch by branch ------------------------------------------

CRIME_CASES = [
    # Step 1: very high.
    pytest.param(
        judged(high=(9, 10)),
        GENOCIDE,
        RiskLevel.VERY_HIGH,
        "Very high because factors 9 and 10 are both high.",
        id="very-high/both-specific-high",
    ),
    pytest.param(
        judged(high=(11,), moderate=(12,)),
        CAH,
        RiskLevel.VERY_HIGH,
        "Very high because factor 11 is high and factor 12 is moderate.",
        id="very-high/one-specific-high-other-moderate",
    ),
    pytest.param(
        judged(ABSENT, high=(14,), moderate=(13,)),
        WAR_CRIMES,
        RiskLevel.VERY_HIGH,
        "Very high because factor 14 is high and factor 13 is moderate.",
        id="very-high/second-specific-high-first-moderate",
    ),
    pytest.param(
        judged(high=(1, 2, 7, 13)),
        WAR_CRIMES,
        RiskLevel.VERY_HIGH,
        "Very high because factor 13 is high and 3 common factors are high (1, 2, 7).",
        id="very-high/one-specific-high-and-three-common-high",
    ),
    pytest.param(
        judged(high=(3, 4, 5, 10), insufficient=(9,)),
        GENOCIDE,
        RiskLevel.VERY_HIGH,
        "Very high because factor 10 is high and 3 common factors are high (3, 4, 5). "
        "Not judged for lack of information: factor 9.",
        id="very-high/one-specific-high-other-not-judged-three-common-high",
    ),
    pytest.param(
        judged(high=(1, 2, 3, 4, 12), moderate=(11,)),
        CAH,
        RiskLevel.VERY_HIGH,
        "Very high because factor 12 is high and factor 11 is moderate.",
        id="very-high/both-reasons-the-sentence-gives-the-specific-one",
    ),
    # Step 2: high.
    pytest.param(
        judged(high=(11,)),
        CAH,
        RiskLevel.HIGH,
        "High because factor 11 is high.",
        id="high/one-specific-high-alone",
    ),
    pytest.param(
        judged(high=(1, 2, 12)),
        CAH,
        RiskLevel.HIGH,
        "High because factor 12 is high.",
        id="high/one-specific-high-and-exactly-two-common-high",
    ),
    pytest.param(
        judged(high=(13,), moderate=(1, 2, 3, 4, 5, 6, 7, 8)),
        WAR_CRIMES,
        RiskLevel.HIGH,
        "High because factor 13 is high.",
        id="high/one-specific-high-and-common-only-moderate",
    ),
    pytest.param(
        judged(high=(11,), insufficient=(12,)),
        CAH,
        RiskLevel.HIGH,
        "High because factor 11 is high. Not judged for lack of information: factor 12.",
        id="high/one-specific-high-other-not-judged",
    ),
    pytest.param(
        judged(high=(1, 2, 3), moderate=(9,)),
        GENOCIDE,
        RiskLevel.HIGH,
        "High because factor 9 is moderate and 3 common factors are high (1, 2, 3).",
        id="high/one-specific-moderate-and-three-common-high",
    ),
    pytest.param(
        judged(high=(1, 5, 6, 8), moderate=(13, 14)),
        WAR_CRIMES,
        RiskLevel.HIGH,
        "High because factors 13 and 14 are moderate and 4 common factors are high (1, 5, 6, 8).",
        id="high/both-specific-moderate-and-four-common-high",
    ),
    # Step 3: moderate.
    pytest.param(
        judged(moderate=(12,)),
        CAH,
        RiskLevel.MODERATE,
        "Moderate because factor 12 is moderate.",
        id="moderate/one-specific-moderate",
    ),
    pytest.param(
        judged(ABSENT, moderate=(9, 10)),
        GENOCIDE,
        RiskLevel.MODERATE,
        "Moderate because factors 9 and 10 are moderate.",
        id="moderate/both-specific-moderate",
    ),
    pytest.param(
        judged(high=(1, 2), moderate=(9,)),
        GENOCIDE,
        RiskLevel.MODERATE,
        "Moderate because factor 9 is moderate.",
        id="moderate/one-specific-moderate-and-exactly-two-common-high",
    ),
    pytest.param(
        judged(moderate=(1, 2, 3, 4, 10)),
        GENOCIDE,
        RiskLevel.MODERATE,
        "Moderate because factor 10 is moderate.",
        id="moderate/one-specific-moderate-and-common-only-moderate",
    ),
    pytest.param(
        judged(high=(2,), moderate=(1, 8)),
        GENOCIDE,
        RiskLevel.MODERATE,
        "Moderate because 3 common factors are moderate or high (1, 2, 8), although no factor "
        "specific to genocide is.",
        id="moderate/three-common-moderate-or-high",
    ),
    pytest.param(
        judged(high=(1, 2, 3, 4, 5, 6, 7, 8)),
        WAR_CRIMES,
        RiskLevel.MODERATE,
        "Moderate because 8 common factors are moderate or high (1, 2, 3, 4, 5, 6, 7, 8), "
        "although no factor specific to war crimes is.",
        id="moderate/all-common-high-is-the-most-common-factors-give",
    ),
    # Step 4: low.
    pytest.param(
        judged(high=(1,), moderate=(2,)),
        CAH,
        RiskLevel.LOW,
        "Low because neither factor 11 nor factor 12 is moderate or high and only 2 of the "
        "common factors are moderate or high.",
        id="low/exactly-two-common-raised",
    ),
    pytest.param(
        judged(high=(1, 2)),
        WAR_CRIMES,
        RiskLevel.LOW,
        "Low because neither factor 13 nor factor 14 is moderate or high and only 2 of the "
        "common factors are moderate or high.",
        id="low/exactly-two-common-high",
    ),
    pytest.param(
        judged(high=(4,)),
        GENOCIDE,
        RiskLevel.LOW,
        "Low because neither factor 9 nor factor 10 is moderate or high and only 1 of the "
        "common factors is moderate or high.",
        id="low/one-common-raised",
    ),
    pytest.param(
        judged(LOW),
        CAH,
        RiskLevel.LOW,
        "Low because neither factor 11 nor factor 12 is moderate or high and no common factor "
        "is moderate or high.",
        id="low/everything-low",
    ),
    pytest.param(
        judged(ABSENT),
        WAR_CRIMES,
        RiskLevel.LOW,
        "Low because neither factor 13 nor factor 14 is moderate or high and no common factor "
        "is moderate or high.",
        id="low/absent-everywhere",
    ),
    pytest.param(
        judged(high=(9, 10, 11, 12)),
        WAR_CRIMES,
        RiskLevel.LOW,
        "Low because neither factor 13 nor factor 14 is moderate or high and no common factor "
        "is moderate or high.",
        id="low/other-crimes-specific-factors-do-not-count",
    ),
    # Insufficient information never raises a level.
    pytest.param(
        judged(INSUFFICIENT),
        GENOCIDE,
        RiskLevel.LOW,
        "Low because neither factor 9 nor factor 10 is moderate or high and no common factor "
        "is moderate or high. Not judged for lack of information: factors 9 and 10.",
        id="insufficient/everything-not-judged-is-low-with-the-note",
    ),
    pytest.param(
        {},
        CAH,
        RiskLevel.LOW,
        "Low because neither factor 11 nor factor 12 is moderate or high and no common factor "
        "is moderate or high. Not judged for lack of information: factors 11 and 12.",
        id="insufficient/no-judgment-at-all-is-the-same",
    ),
    pytest.param(
        judged(INSUFFICIENT, high=(1, 2)),
        GENOCIDE,
        RiskLevel.LOW,
        "Low because neither factor 9 nor factor 10 is moderate or high and only 2 of the "
        "common factors are moderate or high. Not judged for lack of information: factors 9 "
        "and 10.",
        id="insufficient/two-common-high-and-the-rest-not-judged-stays-low",
    ),
    pytest.param(
        judged(high=(1, 2, 13), insufficient=(3, 14)),
        WAR_CRIMES,
        RiskLevel.HIGH,
        "High because factor 13 is high. Not judged for lack of information: factor 14.",
        id="insufficient/neither-counts-as-moderate-nor-as-a-third-common-high",
    ),
    pytest.param(
        {n: level for n, level in judged(high=(11,)).items() if n != 12},
        CAH,
        RiskLevel.HIGH,
        "High because factor 11 is high. Not judged for lack of information: factor 12.",
        id="insufficient/a-missing-factor-is-not-judged",
    ),
]


@pytest.mark.parametrize(("levels", "crime", "expected_level", "expected_reason"), CRIME_CASES)
def test_each_crime_type_gets_the_level_and_sentence_of_the_first_step_that_applies(
    levels, crime, expected_level, expected_reason
):
    risk = risk_compute(levels).crimes[crime]

    assert risk.crime == crime
    assert risk.level == expected_level
    assert risk.reason == expected_reason


def test_the_crime_cases_reach_every_level_of_every_crime_type():
    reached = {
        (case.values[1], risk_compute(case.values[0]).crimes[case.values[1]].level)
        for case in CRIME_CASES
    }
    assert {level for _, level in reached} == set(RiskLevel)
    assert {crime for crime, _ in reached} == set(CrimeType)


# --- Insufficient information -------------------------------------------------------------------

BASES = [
    judged(LOW),
    judged(ABSENT, high=(1, 2)),
    judged(high=(1, 2, 3)),
    judged(high=(11,), moderate=(1, 2)),
    judged(high=(1, 2, 7, 13), moderate=(9,)),
    judged(moderate=(1, 3, 10), high=(8,)),
]


@pytest.mark.parametrize("base", BASES, ids=[f"base-{i}" for i in range(1, len(BASES) + 1)])
def test_a_factor_turned_to_insufficient_information_never_raises_a_level(base):
    before = risk_compute(base)
    for number in range(1, 15):
        after = risk_compute({**base, number: INSUFFICIENT})
        for crime in CrimeType:
            assert after.crimes[crime].level <= before.crimes[crime].level, (crime, number)
        assert after.overall <= before.overall


@pytest.mark.parametrize("level", [ABSENT, LOW, MODERATE, HIGH])
def test_judging_a_factor_that_was_not_judged_can_raise_a_level_but_never_lower_one(level):
    for base in BASES:
        for number in range(1, 15):
            before = risk_compute({**base, number: INSUFFICIENT})
            after = risk_compute({**base, number: level})
            for crime in CrimeType:
                assert after.crimes[crime].level >= before.crimes[crime].level, (crime, number)


def test_insufficient_information_counts_like_absent_for_the_level_but_is_named():
    not_judged = risk_compute(judged(ABSENT, high=(10,), insufficient=(1, 2, 9, 12)))
    absent = risk_compute(judged(ABSENT, high=(10,)))

    assert {c: r.level for c, r in not_judged.crimes.items()} == {
        c: r.level for c, r in absent.crimes.items()
    }
    assert not_judged.crimes[GENOCIDE].reason == (
        "High because factor 10 is high. Not judged for lack of information: factor 9."
    )
    assert absent.crimes[GENOCIDE].reason == "High because factor 10 is high."


def test_not_judged_lists_exactly_the_insufficient_and_missing_factors():
    levels = judged(high=(11,), insufficient=(3, 9, 14))
    del levels[6]
    del levels[12]

    result = risk_compute(levels)

    assert result.not_judged == (3, 6, 9, 12, 14)
    assert result.crimes[GENOCIDE].not_judged == (3, 6, 9)
    assert result.crimes[CAH].not_judged == (3, 6, 12)
    assert result.crimes[WAR_CRIMES].not_judged == (3, 6, 14)
    assert result.crimes[CAH].reason == (
        "High because factor 11 is high. Not judged for lack of information: factor 12."
    )


def test_nothing_is_listed_as_not_judged_when_every_factor_is_judged():
    result = risk_compute(judged(ABSENT, low=(1, 5), moderate=(2,), high=(9,)))

    assert result.not_judged == ()
    assert all(risk.not_judged == () for risk in result.crimes.values())
    assert "Not judged" not in " ".join(risk.reason for risk in result.crimes.values())


def test_when_nothing_is_judged_every_factor_is_listed_and_every_level_is_low():
    result = risk_compute({})

    assert result.not_judged == tuple(range(1, 15))
    assert result.overall == RiskLevel.LOW
    assert all(risk.level == RiskLevel.LOW for risk in result.crimes.values())
    assert all("Not judged for lack of information" in r.reason for r in result.crimes.values())


# --- The overall level --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "per_crime", "overall", "overall_reason"),
    [
        pytest.param(
            judged(high=(11,)),
            (RiskLevel.LOW, RiskLevel.HIGH, RiskLevel.LOW),
            RiskLevel.HIGH,
            "High because the risk of crimes against humanity is high.",
            id="one-crime-type-drives",
        ),
        pytest.param(
            judged(high=(9, 13)),
            (RiskLevel.HIGH, RiskLevel.LOW, RiskLevel.HIGH),
            RiskLevel.HIGH,
            "High because the risk of genocide and war crimes is high.",
            id="two-crime-types-tie",
        ),
        pytest.param(
            judged(high=(8,), moderate=(1, 3)),
            (RiskLevel.MODERATE, RiskLevel.MODERATE, RiskLevel.MODERATE),
            RiskLevel.MODERATE,
            "Moderate because the risk of genocide, crimes against humanity and war crimes is "
            "moderate.",
            id="three-crime-types-tie",
        ),
        pytest.param(
            judged(high=(1, 2, 7, 13), moderate=(9,)),
            (RiskLevel.HIGH, RiskLevel.MODERATE, RiskLevel.VERY_HIGH),
            RiskLevel.VERY_HIGH,
            "Very high because the risk of war crimes is very high.",
            id="highest-of-three-different-levels",
        ),
        pytest.param(
            judged(high=(9, 10, 12), moderate=(13,)),
            (RiskLevel.VERY_HIGH, RiskLevel.HIGH, RiskLevel.MODERATE),
            RiskLevel.VERY_HIGH,
            "Very high because the risk of genocide is very high.",
            id="genocide-very-high-over-high-and-moderate",
        ),
        pytest.param(
            judged(ABSENT),
            (RiskLevel.LOW, RiskLevel.LOW, RiskLevel.LOW),
            RiskLevel.LOW,
            "Low because the risk of genocide, crimes against humanity and war crimes is low.",
            id="all-low",
        ),
    ],
)
def test_the_overall_level_is_the_highest_and_names_the_crime_types_at_it(
    levels, per_crime, overall, overall_reason
):
    result = risk_compute(levels)

    assert (result.genocide, result.crimes_against_humanity, result.war_crimes) == per_crime
    assert result.overall == overall == max(per_crime)
    assert result.overall_reason == overall_reason


def test_the_overall_level_is_the_highest_for_every_combination_of_specific_factors():
    levels_without_insufficient = (ABSENT, LOW, MODERATE, HIGH)
    for g, c, w in itertools.product(levels_without_insufficient, repeat=3):
        levels = judged(ABSENT, high=(1, 2, 3))
        levels.update({9: g, 11: c, 13: w})
        result = risk_compute(levels)
        assert result.overall == max(
            result.genocide, result.crimes_against_humanity, result.war_crimes
        )


# --- Determinism and bad input ------------------------------------------------------------------


def test_the_same_judgments_always_give_the_same_result_whatever_their_order():
    levels = judged(high=(1, 2, 7, 13), moderate=(9,), insufficient=(4, 12))
    reversed_levels = dict(reversed(list(levels.items())))
    as_plain_strings = {number: str(level.value) for number, level in levels.items()}

    first = risk_compute(levels)

    assert risk_compute(levels) == first
    assert risk_compute(reversed_levels) == first
    assert risk_compute(as_plain_strings) == first
    assert list(first.crimes) == [GENOCIDE, CAH, WAR_CRIMES]


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        pytest.param({11: "hgih"}, "Factor 11: 'hgih' is not a factor level.", id="unknown-level"),
        pytest.param({11: None}, "Factor 11: None is not a factor level.", id="none-level"),
        pytest.param({"11": HIGH}, "'11' is not a risk factor number (1 to 14).", id="text-key"),
        pytest.param({15: HIGH}, "15 is not a risk factor number (1 to 14).", id="factor-15"),
        pytest.param({0: LOW}, "0 is not a risk factor number (1 to 14).", id="factor-0"),
    ],
)
def test_a_typo_is_refused_rather_than_read_as_not_judged(levels, message):
    with pytest.raises(ValueError) as error:
        risk_compute(levels)

    assert str(error.value) == message


# --- The page docs/risk-rule.md says the same ---------------------------------------------------


def _worked_examples() -> list[list[str]]:
    text = (ROOT / "docs" / "risk-rule.md").read_text()
    section = text.split("## Worked examples", 1)[1].split("\n#", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    return rows[2:]  # past the header and its rule


def _documented_levels(cell: str) -> dict[int, str]:
    """'high: 1, 2, 11; moderate: 12; others: low' as {factor number: level}."""
    by_label = {level.label.lower(): level.value for level in FactorLevel}
    levels: dict[int, str] = {}
    rest = None
    for part in cell.split(";"):
        label, numbers = (piece.strip() for piece in part.split(":"))
        if label == "others":
            rest = by_label[numbers]
            continue
        for number in numbers.split(","):
            levels[int(number)] = by_label[label]
    assert rest is not None, f"{cell!r} does not say what the other factors are"
    return {n: levels.get(n, rest) for n in range(1, 15)}


def test_the_worked_examples_of_the_documentation_are_what_the_rule_gives():
    examples = _worked_examples()

    assert len(examples) >= 5
    for number, levels, genocide, cah, war_crimes, overall in examples:
        result = risk_compute(_documented_levels(levels))
        documented = (genocide, cah, war_crimes, overall)
        computed = (
            result.crimes[GENOCIDE].reason,
            result.crimes[CAH].reason,
            result.crimes[WAR_CRIMES].reason,
            result.overall_reason,
        )
        assert documented == computed, f"worked example {number}"


def test_the_documentation_states_the_threshold_and_the_specific_factors_of_the_code():
    text = (ROOT / "docs" / "risk-rule.md").read_text()

    assert COMMON_THRESHOLD == 3
    assert "at least three common factors" in text
    assert tuple(range(1, 9)) == COMMON_FACTORS
    assert "| 1 to 8 |" in text
    for crime, (first, second) in SPECIFIC_FACTORS.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| {crime.label} |"))
        assert f" {first}. " in row and f"; {second}. " in row
