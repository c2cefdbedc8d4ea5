"""What each person may use, as data: the top bar and the home page both read this list."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from r2p.models import User


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str
    description: str
    permission: str | None = None
    staff_only: bool = False

    def allowed(self, user: User) -> bool:
        if self.staff_only and not user.is_staff:
            return False
        return self.permission is None or user.has_perm(self.permission)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


SECTIONS: tuple[Section, ...] = (
    Section("Home", "home", "Your role, what you can reach and your recent activity."),
    Section(
        "Inbox",
        "cases:inbox",
        "New signals to triage: search, link to situations, dismiss, spot duplicates.",
        permission="cases.change_signal",
    ),
    Section(
        "Situations",
        "cases:situation-list",
        "The countries and regions being monitored, their teams and their signals.",
        permission="cases.view_situation",
    ),
    Section(
        "Portfolio",
        "assessments:portfolio",
        "Every situation's risk month by month as a heat map, and the map of countries by risk.",
        permission="assessments.view_assessment",
    ),
    Section(
        "Triggers",
        "assessments:trigger-list",
        "The calendar of elections, trials, commemorations and other dated triggers ahead.",
        permission="assessments.view_triggerevent",
    ),
    Section(
        "Escalations",
        "cases:escalation-list",
        "Situations on their way to the Secretary-General: review, endorsement, decision.",
        permission="cases.view_escalation",
    ),
    Section(
        "Desk",
        "cases:desk",
        "Briefings awaiting the Secretary-General's decision, by risk and waiting time.",
        permission="cases.decide_escalation",
    ),
    Section(
        "Briefings",
        "cases:release-list",
        "Briefings released for reading by member states.",
        permission="cases.view_releasablebriefing",
    ),
    Section(
        "Reports",
        "reports:report-list",
        "The periodic reports to the General Assembly on the implementation of R2P.",
        permission="reports.view_report",
    ),
    Section(
        "Sources",
        "cases:source-list",
        "Who reports, by pseudonym and reliability grade.",
        permission="cases.view_source",
    ),
    Section(
        "New signal",
        "cases:signal-create",
        "Enter one warning by hand, with its source and grades.",
        permission="cases.change_signal",
    ),
    Section(
        "Imports",
        "cases:import-list",
        "Load ACLED or UCDP event files and follow their progress.",
        permission="cases.add_importjob",
    ),
    Section(
        "Audit trail",
        "audit-list",
        "Every change and every sensitive read, hash-chained; filter and check its integrity.",
        permission="r2p.view_auditevent",
    ),
    Section(
        "Administration",
        "admin:index",
        "Accounts, roles, API tokens and background schedules.",
        staff_only=True,
    ),
    Section(
        "API",
        "api-docs",
        "The REST API reference for partner systems, with its OpenAPI document.",
    ),
)


def sections_for(user: User) -> list[Section]:
    return [section for section in SECTIONS if section.allowed(user)]
