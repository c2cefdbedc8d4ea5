"""Display helpers for intake pages: the Admiralty grade, search highlights."""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from cases.models import Credibility, Reliability, Signal, Source
from cases.selectors import MARK_END, MARK_START

register = template.Library()


@register.filter
def marked(value: str | None) -> SafeString:
    """Text from the full-text search with its matches highlighted; everything else escaped."""
    if not value:
        return mark_safe("")
    escaped = escape(value)
    return mark_safe(  # noqa: S308 - escaped above; only our own markers become tags
        escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    )


@register.simple_tag
def grade(signal: Signal) -> SafeString:
    """`B2`, with the meaning of both halves on hover and for screen readers."""
    reliability = Reliability(signal.source.reliability)
    credibility = Credibility(signal.credibility)
    meaning = (
        f"Source {reliability.value}: {reliability.label}. "
        f"Information {credibility.value}: {credibility.label}."
    )
    return format_html(
        '<abbr class="grade grade--{}" title="{}">{}{}</abbr>',
        reliability.value.lower(),
        meaning,
        reliability.value,
        credibility.value,
    )


@register.simple_tag
def source_label(source: Source) -> SafeString:
    """A source as everyone may see it: pseudonym and reliability grade, never the identity."""
    reliability = Reliability(source.reliability)
    return format_html(
        '<span class="source"><span class="mono">{}</span> <abbr title="{}">{}</abbr></span>',
        source.pseudonym,
        reliability.label,
        reliability.value,
    )
