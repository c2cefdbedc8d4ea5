"""Who may read which report. One place for the pages and the API alike.

- The SG Office and the Special Advisers (reports.view_draft_report) read every report, drafts
  included, whose audience their clearance covers.
- A member-state liaison reads published reports for a public audience, and those released to
  their member state, within their clearance. Nothing before publication.
- Other joint-office staff read published reports within their clearance.
- A partner system reads published reports for a public audience.
A report outside these, and a missing one, look the same: NotFoundError.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from cases.access import is_liaison
from r2p.errors import NotFoundError
from r2p.models import Classification, User
from reports.models import FROZEN_STATUSES, Report, ReportRelease


def can_read_drafts(user: User) -> bool:
    return bool(user and user.is_active and user.has_perm("reports.view_draft_report"))


def reports_visible(user: User) -> QuerySet[Report]:
    """The reports this user may read (see the module's docstring)."""
    reports = Report.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return reports.none()
    if not user.has_perm("reports.view_report"):
        return reports.none()
    within = reports.filter(audience__lte=user.clearance)
    if can_read_drafts(user):
        return within
    published = within.filter(status__in=FROZEN_STATUSES)
    if is_liaison(user):
        released = ReportRelease.objects.filter(
            report=OuterRef("pk"), member_state=user.member_state
        )
        return published.filter(Q(audience=Classification.PUBLIC) | Q(Exists(released)))
    if user.has_perm("cases.view_signal"):
        return published
    return published.filter(audience=Classification.PUBLIC)


def access_report(user: User, pk: object) -> Report:
    """One report this user may read; NotFoundError for a missing one and a forbidden one."""
    try:
        return reports_visible(user).select_related("supersedes").get(pk=int(pk))  # type: ignore[arg-type]
    except (Report.DoesNotExist, TypeError, ValueError):
        raise NotFoundError() from None
