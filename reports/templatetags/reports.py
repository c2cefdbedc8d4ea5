"""Filters of the report templates."""

from __future__ import annotations

from datetime import date

from django import template

register = template.Library()


@register.filter
def isodate(value: str | None) -> date | None:
    """ "2026-07-01" as a date, for the date filter (figures store their periods as text)."""
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
