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


# What the audit trail's action codes mean, for people reading their own activity. A code not
# listed reads as its words ("trigger.remind" → "Trigger: remind").
AUDIT_ACTION_WORDS = {
    "auth.login": "Logged in",
    "auth.logout": "Logged out",
    "auth.login_failed": "Failed login",
    "auth.lockout": "Locked out",
    "auth.password_change": "Changed the password",
    "access.denied": "Was refused a record or page",
    "signal.create": "Filed a signal",
    "signal.bulk_create": "Filed signals in bulk",
    "signal.change": "Edited a signal",
    "signal.status": "Changed a signal's status",
    "signal.link": "Linked a signal to a situation",
    "signal.read": "Read a strictly confidential signal",
    "signal.duplicate_decision": "Decided on a possible duplicate",
    "situation.create": "Opened a situation",
    "situation.change": "Edited a situation",
    "situation.team_add": "Added someone to a team",
    "situation.team_remove": "Removed someone from a team",
    "source.create": "Registered a source",
    "source.regrade": "Regraded a source",
    "source.identity_read": "Read a source's identity",
    "import.create": "Started an import",
    "assessment.start": "Started an assessment version",
    "assessment.update": "Edited an assessment's overall judgment",
    "assessment.judgment": "Judged a risk factor",
    "assessment.evidence_add": "Added evidence to a factor",
    "assessment.evidence_remove": "Removed evidence from a factor",
    "assessment.flags_acknowledge": "Acknowledged evidence flags",
    "assessment.status": "Moved an assessment (submit, approve, return)",
    "assessment.read": "Read a strictly confidential assessment",
    "challenge.raise": "Raised a challenge",
    "challenge.resolve": "Resolved a challenge",
    "challenge.acknowledge": "Acknowledged a challenge",
    "trigger.create": "Added a trigger",
    "trigger.update": "Edited a trigger",
    "trigger.delete": "Deleted a trigger",
    "option.propose": "Proposed a response option",
    "option.update": "Edited a response option",
    "option.status": "Moved a response option",
    "token.create": "Created an API token",
    "token.revoke": "Revoked an API token",
}


@register.filter
def audit_action(code: str) -> str:
    """An audit action code in words."""
    if code in AUDIT_ACTION_WORDS:
        return AUDIT_ACTION_WORDS[code]
    subject, _, verb = code.partition(".")
    return f"{subject.capitalize()}: {verb.replace('_', ' ')}" if verb else code


@register.filter
def audit_object(event) -> str:
    """The record an audit event is about, by its model's name and number ("assessment #4")."""
    if not event.object_type:
        return "—"
    from django.apps import apps

    try:
        name = apps.get_model(event.object_type)._meta.verbose_name
    except (LookupError, ValueError):
        name = event.object_type
    return f"{name} #{event.object_id}" if event.object_id else str(name)
