"""The one risk colour scale (ColorBrewer YlOrRd, safe for colour-blind readers), used by every
table cell, badge, trend, heat map and map. The word is always shown beside the colour."""

from __future__ import annotations

from assessments.models import FactorLevel, RiskLevel

# Fill colour and the text colour readable on it (WCAG AA).
RISK_COLOURS: dict[int, tuple[str, str]] = {
    RiskLevel.LOW: ("#ffffb2", "#1b1f24"),
    RiskLevel.MODERATE: ("#fecc5c", "#1b1f24"),
    RiskLevel.HIGH: ("#fd8d3c", "#1b1f24"),
    RiskLevel.VERY_HIGH: ("#e31a1c", "#ffffff"),
}
NOT_ASSESSED = ("#e3e6ea", "#1b1f24")  # hatched where a pattern can be drawn
RISK_WORDS: dict[int, str] = {level.value: level.label for level in RiskLevel}

# Factor levels on the same scale: absent lightest; "insufficient information" hatched grey.
FACTOR_SCALE: dict[str, int | None] = {
    FactorLevel.ABSENT: None,
    FactorLevel.LOW: RiskLevel.LOW,
    FactorLevel.MODERATE: RiskLevel.MODERATE,
    FactorLevel.HIGH: RiskLevel.HIGH,
    FactorLevel.INSUFFICIENT: None,
}


def risk_colour(level: int | None) -> tuple[str, str]:
    return RISK_COLOURS.get(level, NOT_ASSESSED) if level is not None else NOT_ASSESSED
