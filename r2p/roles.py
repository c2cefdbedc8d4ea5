"""The roles of the joint office, declared once as data.

Each role is a Django group. Its model permissions are listed here and kept in sync after every
`migrate` (r2p.apps), so a permission added by a later app is granted by adding it to this table.
Object-level need-to-know (team membership, explicit grants) is not a role matter: see r2p.access.
"""

from __future__ import annotations

from dataclasses import dataclass

from r2p.models import Classification


@dataclass(frozen=True)
class Role:
    slug: str
    name: str
    description: str
    permissions: tuple[str, ...]
    # What an administrator most often gives this role; `r2p_user create` still asks explicitly.
    usual_clearance: Classification
    staff: bool = False


# Joint-office staff: `cases.view_signal` is what makes someone staff for cases.access.
ANALYST_PERMISSIONS = (
    "cases.view_signal",
    "cases.add_signal",
    "cases.change_signal",
    "cases.view_source",
    "cases.add_source",
    "cases.change_source",
    "cases.view_situation",
    "cases.add_situation",
    "cases.change_situation",
    "cases.view_importjob",
    "cases.add_importjob",
    "assessments.view_assessment",
    "assessments.add_assessment",
    "assessments.change_assessment",
    "assessments.view_challenge",
    "assessments.add_challenge",
    "assessments.change_challenge",
    "assessments.view_triggerevent",
    "assessments.add_triggerevent",
    "assessments.change_triggerevent",
    "assessments.delete_triggerevent",
    "assessments.view_responseoption",
    "assessments.add_responseoption",
    "assessments.change_responseoption",
    "cases.view_escalation",
    "cases.add_escalation",
    "cases.change_escalation",
    "reports.view_report",
)
# Reviewers approve or return assessments (never their own: assessments.services).
SENIOR_ANALYST_PERMISSIONS = (
    *ANALYST_PERMISSIONS,
    "assessments.approve_assessment",
    "cases.review_escalation",
)
# Anyone with access may challenge a signal or a judgment.
STAFF_READ_PERMISSIONS = (
    "cases.view_signal",
    "cases.view_source",
    "cases.view_situation",
    "assessments.view_assessment",
    "assessments.view_challenge",
    "assessments.add_challenge",
    "assessments.view_triggerevent",
    "assessments.view_responseoption",
    "cases.view_escalation",
    "reports.view_report",
)
SPECIAL_ADVISER_PERMISSIONS = (
    *STAFF_READ_PERMISSIONS,
    "cases.endorse_escalation",
    "reports.view_draft_report",
)
# The SG Office compiles the reports to the General Assembly, writes their narrative and
# publishes them.
SG_OFFICE_PERMISSIONS = (
    *STAFF_READ_PERMISSIONS,
    "cases.decide_escalation",
    "cases.view_releasablebriefing",
    "reports.view_report",
    "reports.view_draft_report",
    "reports.compile_report",
    "reports.publish_report",
)

ROLES: tuple[Role, ...] = (
    Role(
        "analyst",
        "Analyst",
        "Joint-office analyst: intake, triage, assessment, drafting.",
        ANALYST_PERMISSIONS,
        Classification.CONFIDENTIAL,
    ),
    Role(
        "senior-analyst",
        "Senior Analyst",
        "Reviewer: the second pair of eyes on every assessment and escalation.",
        SENIOR_ANALYST_PERMISSIONS,
        Classification.STRICTLY_CONFIDENTIAL,
    ),
    Role(
        "special-adviser",
        "Special Adviser",
        "Special Adviser on the Prevention of Genocide or on R2P: endorses escalations.",
        SPECIAL_ADVISER_PERMISSIONS,
        Classification.STRICTLY_CONFIDENTIAL,
    ),
    Role(
        "sg-office",
        "SG Office",
        "Executive Office of the Secretary-General: reviews briefings, records decisions.",
        SG_OFFICE_PERMISSIONS,
        Classification.STRICTLY_CONFIDENTIAL,
    ),
    Role(
        "liaison",
        "Member-State Liaison",
        "Reads the reports released to the member state represented, nothing else.",
        ("cases.view_releasablebriefing", "reports.view_report"),
        Classification.PUBLIC,
    ),
    Role(
        "partner",
        "Partner System",
        "A partner organisation's system using the REST API.",
        ("cases.add_signal", "reports.view_report"),
        Classification.PUBLIC,
    ),
    Role(
        "auditor",
        "Auditor",
        "Reads the audit trail and checks its integrity.",
        ("r2p.view_auditevent", "r2p.view_user"),
        Classification.CONFIDENTIAL,
    ),
    Role(
        "administrator",
        "Administrator",
        "Manages accounts, roles and schedules.",
        (
            "r2p.view_auditevent",
            "r2p.view_user",
            "r2p.add_user",
            "r2p.change_user",
            "auth.view_group",
            "knox.view_authtoken",
            "knox.delete_authtoken",
            "django_celery_beat.view_periodictask",
            "django_celery_beat.change_periodictask",
            "django_celery_beat.add_periodictask",
            "django_celery_beat.view_crontabschedule",
            "django_celery_beat.add_crontabschedule",
            "django_celery_beat.change_crontabschedule",
            "django_celery_beat.view_intervalschedule",
            "django_celery_beat.add_intervalschedule",
            "django_celery_beat.change_intervalschedule",
            "cases.view_regionalarrangement",
            "cases.add_regionalarrangement",
            "cases.change_regionalarrangement",
        ),
        Classification.CONFIDENTIAL,
        staff=True,
    ),
)

ROLES_BY_SLUG = {role.slug: role for role in ROLES}
ROLES_BY_NAME = {role.name: role for role in ROLES}


def role_lookup(value: str) -> Role:
    """Find a role by slug or name, case-insensitively; ValueError names the valid ones."""
    wanted = value.strip().lower().replace("_", "-")
    for role in ROLES:
        if wanted in (role.slug, role.name.lower(), role.name.lower().replace(" ", "-")):
            return role
    valid = ", ".join(role.slug for role in ROLES)
    raise ValueError(f"unknown role {value!r}; use one of {valid}")


def roles_sync(*, apps=None) -> None:
    """Create each role's group and give it exactly the permissions declared above.

    Permissions whose app is not installed yet are skipped; they are granted by the `migrate`
    that installs them.
    """
    from django.apps import apps as global_apps

    registry = apps or global_apps
    group_model = registry.get_model("auth", "Group")
    permission_model = registry.get_model("auth", "Permission")
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role.name)
        wanted = []
        for dotted in role.permissions:
            app_label, codename = dotted.split(".", 1)
            wanted.extend(
                permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
