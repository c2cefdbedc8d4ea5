"""The risk rule: from the 14 factor judgments to a level per crime type and overall.

Written out in plain language in docs/risk-rule.md; the two must say the same thing, and
tests/assessments/test_risk_rule.py holds the table of cases. Pure functions, no database.

Each crime type has two specific factors (genocide 9 and 10, crimes against humanity 11 and 12,
war crimes 13 and 14) and shares the eight common factors (1 to 8). For each crime type:

1. Very high: a specific factor is high, and either the other specific factor is at least
   moderate or at least three common factors are high.
2. High: a specific factor is high; or a specific factor is moderate and at least three common
   factors are high.
3. Moderate: a specific factor is moderate; or at least three common factors are moderate or
   high.
4. Low: otherwise.

The overall level is the highest of the three. "Insufficient information" counts as neither
present nor absent: it never raises a level, and the explanation says what could not be judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assessments.models import CrimeType, FactorLevel, RiskLevel

COMMON_FACTORS = (1, 2, 3, 4, 5, 6, 7, 8)
SPECIFIC_FACTORS: dict[str, tuple[int, int]] = {
    CrimeType.GENOCIDE: (9, 10),
    CrimeType.CRIMES_AGAINST_HUMANITY: (11, 12),
    CrimeType.WAR_CRIMES: (13, 14),
}
COMMON_THRESHOLD = 3

_SCORE = {
    FactorLevel.ABSENT: 0,
    FactorLevel.LOW: 1,
    FactorLevel.MODERATE: 2,
    FactorLevel.HIGH: 3,
}
HIGH, MODERATE = 3, 2


@dataclass(frozen=True)
class CrimeRisk:
    crime: str
    level: RiskLevel
    reason: str  # "High because factor 11 is high."
    not_judged: tuple[int, ...] = ()


@dataclass(frozen=True)
class RiskResult:
    crimes: dict[str, CrimeRisk]
    overall: RiskLevel
    overall_reason: str
    not_judged: tuple[int, ...] = field(default=())

    @property
    def genocide(self) -> RiskLevel:
        return self.crimes[CrimeType.GENOCIDE].level

    @property
    def crimes_against_humanity(self) -> RiskLevel:
        return self.crimes[CrimeType.CRIMES_AGAINST_HUMANITY].level

    @property
    def war_crimes(self) -> RiskLevel:
        return self.crimes[CrimeType.WAR_CRIMES].level


def _factors(numbers: list[int] | tuple[int, ...]) -> str:
    numbers = sorted(numbers)
    if len(numbers) == 1:
        return f"factor {numbers[0]}"
    return "factors " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def _crime_risk(crime: str, levels: Mapping[int, str]) -> CrimeRisk:
    specific = SPECIFIC_FACTORS[crime]
    scores = {n: _SCORE.get(levels.get(n, FactorLevel.INSUFFICIENT)) for n in range(1, 15)}
    not_judged = tuple(n for n in (*COMMON_FACTORS, *specific) if scores[n] is None)
    high_specific = [n for n in specific if scores[n] == HIGH]
    moderate_specific = [n for n in specific if scores[n] == MODERATE]
    high_common = [n for n in COMMON_FACTORS if scores[n] == HIGH]
    raised_common = [n for n in COMMON_FACTORS if (scores[n] or 0) >= MODERATE]

    if high_specific:
        others = [n for n in specific if n not in high_specific]
        other_raised = [n for n in others if (scores[n] or 0) >= MODERATE]
        if len(high_specific) == 2:
            level = RiskLevel.VERY_HIGH
            reason = f"{_factors(high_specific)} are both high"
        elif other_raised:
            level = RiskLevel.VERY_HIGH
            reason = (
                f"{_factors(high_specific)} is high and {_factors(other_raised)} is "
                f"{FactorLevel(levels[other_raised[0]]).label.lower()}"
            )
        elif len(high_common) >= COMMON_THRESHOLD:
            level = RiskLevel.VERY_HIGH
            reason = (
                f"{_factors(high_specific)} is high and {len(high_common)} common factors "
                f"are high ({', '.join(map(str, high_common))})"
            )
        else:
            level = RiskLevel.HIGH
            reason = f"{_factors(high_specific)} is high"
    elif moderate_specific and len(high_common) >= COMMON_THRESHOLD:
        level = RiskLevel.HIGH
        reason = (
            f"{_factors(moderate_specific)} {'is' if len(moderate_specific) == 1 else 'are'} "
            f"moderate and {len(high_common)} common factors are high "
            f"({', '.join(map(str, high_common))})"
        )
    elif moderate_specific:
        level = RiskLevel.MODERATE
        verb = "is" if len(moderate_specific) == 1 else "are"
        reason = f"{_factors(moderate_specific)} {verb} moderate"
    elif len(raised_common) >= COMMON_THRESHOLD:
        level = RiskLevel.MODERATE
        reason = (
            f"{len(raised_common)} common factors are moderate or high "
            f"({', '.join(map(str, raised_common))}), although no factor specific to "
            f"{CrimeType(crime).label.lower()} is"
        )
    else:
        level = RiskLevel.LOW
        first, second = specific
        reason = f"neither factor {first} nor factor {second} is moderate or high"
        reason += (
            f" and only {len(raised_common)} of the common factors "
            f"{'is' if len(raised_common) == 1 else 'are'} moderate or high"
            if raised_common
            else " and no common factor is moderate or high"
        )
    text = f"{RiskLevel(level).label} because {reason}."
    unjudged_specific = [n for n in specific if scores[n] is None]
    if unjudged_specific:
        text += f" Not judged for lack of information: {_factors(unjudged_specific)}."
    return CrimeRisk(crime, RiskLevel(level), text, not_judged)


def risk_compute(levels: Mapping[int, str]) -> RiskResult:
    """The rule, from {factor number: FactorLevel value}; a missing factor is not judged.

    Raises ValueError for a key that is not a factor number (1 to 14, as int) or a value that is
    not a factor level: read as "not judged", either would silently lower the risk.
    """
    for number, level in levels.items():
        if type(number) is not int or not 1 <= number <= 14:
            raise ValueError(f"{number!r} is not a risk factor number (1 to 14).")
        if level not in FactorLevel.values:
            raise ValueError(f"Factor {number}: {level!r} is not a factor level.")
    crimes = {crime: _crime_risk(crime, levels) for crime in SPECIFIC_FACTORS}
    overall = max(risk.level for risk in crimes.values())
    drivers = [CrimeType(c).label.lower() for c, r in crimes.items() if r.level == overall]
    driven = " and ".join([", ".join(drivers[:-1]), drivers[-1]] if len(drivers) > 1 else drivers)
    label = RiskLevel(overall).label
    overall_reason = f"{label} because the risk of {driven} is {label.lower()}."
    not_judged = tuple(
        n for n in range(1, 15) if levels.get(n, FactorLevel.INSUFFICIENT) not in _SCORE
    )
    return RiskResult(crimes, RiskLevel(overall), overall_reason, not_judged)
