"""Periodic implementation reports to the General Assembly.

A report covers a period for an audience (a classification). It is compiled by a Celery task
from aggregate queries (reports.figures), edited by the SG Office (three narrative sections),
reviewed and published. Publishing freezes it: the HTML, the PDF and the data annex are stored
with their hashes and never change again (a database trigger refuses it, see migration 0002).
A correction is a new version of the same period and audience that supersedes the published one.

Its status moves only through reports.services.report_transition (REPORT_MOVES there).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from r2p.models import Classification


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"
    CUSTOM = "custom", "Custom period"


class ReportStatus(models.TextChoices):
    COMPILING = "compiling", "Compiling"
    FAILED = "failed", "Compilation failed"
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded by a correction"


# At most one report per period and audience is being worked on: compiling twice gives one draft.
OPEN_STATUSES = (
    ReportStatus.COMPILING,
    ReportStatus.FAILED,
    ReportStatus.DRAFT,
    ReportStatus.IN_REVIEW,
)
FROZEN_STATUSES = (ReportStatus.PUBLISHED, ReportStatus.SUPERSEDED)

# The narrative sections the SG Office writes, in the order they appear.
NARRATIVE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("executive_summary", "Executive summary"),
    ("progress_by_pillar", "Progress by pillar"),
    ("recommendations", "Recommendations to the General Assembly"),
)


class Report(models.Model):
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    # Both days included.
    period_start = models.DateField()
    period_end = models.DateField()
    audience = models.PositiveSmallIntegerField(
        choices=Classification.choices,
        default=Classification.PUBLIC,
        help_text="Who may read it. Figures count only records at or below this level.",
    )
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.COMPILING
    )
    status_since = models.DateTimeField()
    # A correction: the published version it replaces, and why.
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True, default="")
    superseded_at = models.DateTimeField(null=True, blank=True)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for a report started by its schedule.",
    )
    requested_at = models.DateTimeField(auto_now_add=True)

    # Compilation progress (written in their own short transactions, so readers see it live).
    progress_done = models.PositiveSmallIntegerField(default=0)
    progress_total = models.PositiveSmallIntegerField(default=0)
    progress_step = models.CharField(max_length=120, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    compiled_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True, default="")

    figures = models.JSONField(default=dict, blank=True)
    executive_summary = models.TextField(blank=True, default="")
    progress_by_pillar = models.TextField(blank=True, default="")
    recommendations = models.TextField(blank=True, default="")
    revision = models.PositiveIntegerField(default=1)

    # Frozen at publication.
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    html = models.TextField(blank=True, default="")
    pdf = models.BinaryField(null=True, blank=True)
    annex_csv = models.TextField(blank=True, default="")
    annex_json = models.TextField(blank=True, default="")
    html_sha256 = models.CharField(max_length=64, blank=True, default="")
    pdf_sha256 = models.CharField(max_length=64, blank=True, default="")
    annex_csv_sha256 = models.CharField(max_length=64, blank=True, default="")
    annex_json_sha256 = models.CharField(max_length=64, blank=True, default="")
    content_hash = models.CharField(
        max_length=64, blank=True, default="", help_text="SHA-256 over the four files' hashes."
    )

    class Meta:
        ordering = ["-period_end", "-period_start", "audience", "-version"]
        permissions = [
            ("compile_report", "Compile a report and edit its narrative"),
            ("publish_report", "Publish a report and release it to member states"),
            ("view_draft_report", "Read reports before publication"),
        ]
        indexes = [models.Index(fields=["status", "-published_at"], name="reports_by_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "audience"],
                condition=Q(status__in=list(OPEN_STATUSES)),
                name="reports_one_open_report_per_period",
            ),
            models.UniqueConstraint(
                fields=["period_start", "period_end", "audience"],
                condition=Q(status=ReportStatus.PUBLISHED),
                name="reports_one_published_report_per_period",
            ),
            models.UniqueConstraint(
                fields=["period_start", "period_end", "audience", "version"],
                name="reports_one_version_number_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="reports_period_in_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=list(ReportStatus.values)), name="reports_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=list(ReportKind.values)), name="reports_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=[c.value for c in Classification]),
                name="reports_audience_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=list(FROZEN_STATUSES))
                | (Q(published_at__isnull=False) & ~Q(content_hash="")),
                name="reports_published_is_frozen",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.SUPERSEDED) | Q(superseded_at__isnull=False),
                name="reports_superseded_has_a_date",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(correction_reason=""),
                name="reports_correction_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        """A stable, readable reference: R2P/2026-Q3/PUB/v1."""
        return f"R2P/{self.period_label_short}/{AUDIENCE_CODES[self.audience]}/v{self.version}"

    @property
    def period_label_short(self) -> str:
        start, end = self.period_start, self.period_end
        if self.kind == ReportKind.ANNUAL and (start.month, start.day) == (1, 1):
            return f"{start.year}"
        if self.kind == ReportKind.QUARTERLY and start.day == 1:
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        return f"{start.isoformat()}..{end.isoformat()}"

    @property
    def title(self) -> str:
        return f"Implementation of the responsibility to protect, {period_words(self)}"

    @property
    def end_exclusive(self) -> date:
        return self.period_end + timedelta(days=1)

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


AUDIENCE_CODES = {
    Classification.PUBLIC: "PUB",
    Classification.CONFIDENTIAL: "CONF",
    Classification.STRICTLY_CONFIDENTIAL: "SC",
}


def period_words(report: Report) -> str:
    start, end = report.period_start, report.period_end
    if report.kind == ReportKind.ANNUAL and (start.month, start.day) == (1, 1):
        return f"the year {start.year}"
    if report.kind == ReportKind.QUARTERLY and start.day == 1:
        ordinal = ("first", "second", "third", "fourth")[(start.month - 1) // 3]
        return f"the {ordinal} quarter of {start.year}"
    return f"{start:%-d %b %Y} to {end:%-d %b %Y}"


class ReportTransition(models.Model):
    """Every status change of a report, with who made it (empty for the worker) and why."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, choices=ReportStatus.choices)
    to_status = models.CharField(max_length=16, choices=ReportStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "pk"]


class ReportRelease(models.Model):
    """A published report released to one member state's liaisons (a public report needs none:
    every liaison reads it)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="releases")
    member_state = models.CharField(max_length=3, help_text="ISO 3166-1 alpha-3")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member_state"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "member_state"], name="reports_one_release_per_state"
            )
        ]
