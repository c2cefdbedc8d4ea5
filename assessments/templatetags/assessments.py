"""Display helpers for risk: a level is always its word on its colour of the one scale."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from assessments.models import FactorLevel, RiskLevel

register = template.Library()

TREND_ARROWS = {"rising": "↑", "steady": "→", "falling": "↓"}


@register.simple_tag
def risk_level(level: int | None, empty: str = "Not assessed") -> SafeString:
    """`High` on the high colour; `Not assessed` hatched grey when there is no level."""
    if level is None or level == "":
        return format_html('<span class="risk risk--none">{}</span>', empty)
    level = RiskLevel(int(level))
    return format_html('<span class="risk risk--{}">{}</span>', level.value, level.label)


@register.simple_tag
def factor_level(level: str) -> SafeString:
    """A factor's level: absent, low, moderate, high, or insufficient information (hatched)."""
    level = FactorLevel(level)
    css = {
        FactorLevel.ABSENT: "absent",
        FactorLevel.LOW: "1",
        FactorLevel.MODERATE: "2",
        FactorLevel.HIGH: "3",
        FactorLevel.INSUFFICIENT: "none",
    }[level]
    return format_html('<span class="risk risk--{}">{}</span>', css, level.label)


@register.simple_tag
def trend(word: str) -> SafeString:
    """An arrow and a word: rising, steady or falling."""
    return format_html(
        '<span class="trend trend--{}"><span aria-hidden="true">{}</span> {}</span>',
        word,
        TREND_ARROWS.get(word, ""),
        word,
    )
