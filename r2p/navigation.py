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
