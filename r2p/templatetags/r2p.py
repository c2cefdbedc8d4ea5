from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from r2p.models import Classification

register = template.Library()


@register.inclusion_tag("_marking.html")
def marking(level: int | None = None, position: str = "top") -> dict:
    """The full-width classification band: the word always written, the colour only a help."""
    value = Classification(level) if level not in (None, "") else Classification.PUBLIC
    return {"label": value.label, "css": value.css, "position": position}


@register.filter
def utc(value: datetime | None) -> str:
    """`24 Nov 2026 03:26 UTC`, with the machine-readable instant for the local-time hover."""
    if value is None:
        return ""
    moment = timezone.localtime(value, timezone.get_fixed_timezone(0))
    return format_html(
        '<time datetime="{}" title="{} UTC">{} UTC</time>',
        moment.isoformat(),
        moment.strftime("%d %b %Y %H:%M:%S"),
        moment.strftime("%d %b %Y %H:%M"),
    )


@register.filter
def classification_label(value: int) -> str:
    return Classification(value).label
