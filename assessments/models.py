"""Risk assessment on the UN Framework of Analysis for Atrocity Crimes.

The catalogue (risk factors, indicators) is versioned: an assessment points at the catalogue it
was written against, so a later revision never changes what an old assessment meant. Statuses
move only through assessments.services (ASSESSMENT_TRANSITIONS, OPTION_TRANSITIONS).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from r2p.models import Classified

# --- The framework catalogue -----------------------------------------------------------------


class Scope(models.TextChoices):
    COMMON = "common", "Common to all atrocity crimes"
    GENOCIDE = "genocide", "Genocide"
    CRIMES_AGAINST_HUMANITY = "crimes_against_humanity", "Crimes against humanity"
    WAR_CRIMES = "war_crimes", "War crimes"


class Catalogue(models.Model):
    """One released revision of the framework's risk factors and indicators."""

    version = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)
    released_on = models.DateField()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title}, version {self.version}"


class RiskFactor(models.Model):
    catalogue = models.ForeignKey(Catalogue, on_delete=models.PROTECT, related_name="factors")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    scope = models.CharField(max_length=32, choices=Scope.choices)
    definition = models.TextField()

    class Meta:
        ordering = ["catalogue", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue", "number"], name="assessments_riskfactor_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Indicator(models.Model):
    factor = models.ForeignKey(RiskFactor, on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(max_length=8)  # "7.12"
    position = models.PositiveSmallIntegerField()
    statement = models.TextField()

    class Meta:
        ordering = ["factor", "position"]
        constraints = [
            models.UniqueConstraint(fields=["factor", "code"], name="assessments_indicator_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.statement}"


# --- Levels -----------------------------------------------------------------------------------


class FactorLevel(models.TextChoices):
    ABSENT = "absent", "Absent"
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"
    INSUFFICIENT = "insufficient", "Insufficient information"


class Confidence(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class RiskLevel(models.IntegerChoices):
    """The computed risk of a crime type and overall; integers so SQL can order and compare."""

    LOW = 1, "Low"
    MODERATE = 2, "Moderate"
    HIGH = 3, "High"
    VERY_HIGH = 4, "Very high"


class CrimeType(models.TextChoices):
    GENOCIDE = "genocide", "Genocide"
    CRIMES_AGAINST_HUMANITY = "crimes_against_humanity", "Crimes against humanity"
    WAR_CRIMES = "war_crimes", "War crimes"


# --- Assessments ------------------------------------------------------------------------------


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for review"
    RETURNED = "returned", "Returned with comments"
    APPROVED = "approved", "Approved"


OPEN_ASSESSMENT_STATUSES = (
    AssessmentStatus.DRAFT,
    AssessmentStatus.SUBMITTED,
    AssessmentStatus.RETURNED,
)


class Assessment(Classified):
    """One version of a situation's assessment: 14 factor judgments and the computed risk."""

    situation = models.ForeignKey(
        "cases.Situation", on_delete=models.PROTECT, related_name="assessments"
    )
    version = models.PositiveIntegerField()
    catalogue = models.ForeignKey(Catalogue, on_delete=models.PROTECT, related_name="+")
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_written"
    )
    overall_narrative = models.TextField(blank=True, default="")
    # Computed by assessments.risk from the judgments, by the service, at every change.
    genocide_level = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    crimes_against_humanity_level = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    war_crimes_level = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    computed_level = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    override_level = models.PositiveSmallIntegerField(
        choices=RiskLevel.choices, null=True, blank=True
    )
    override_justification = models.TextField(blank=True, default="")
    # What the portfolio, the map and the reports read: the override if any, else computed.
    overall_level = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments_approved",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every change: the ETag of the API and the guard against stale forms.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["situation", "-version"]
        indexes = [
            models.Index(
                fields=["situation", "approved_at"],
                name="assessments_approved_idx",
                condition=Q(status="approved"),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["situation", "version"], name="assessments_assessment_version_unique"
            ),
            models.UniqueConstraint(
                fields=["situation"],
                condition=Q(status__in=[s.value for s in OPEN_ASSESSMENT_STATUSES]),
                name="assessments_one_open_assessment_per_situation",
            ),
            models.CheckConstraint(
                condition=Q(status__in=list(AssessmentStatus.values)),
                name="assessments_assessment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(override_level__isnull=True) | ~Q(override_justification=""),
                name="assessments_override_needs_justification",
            ),
            models.CheckConstraint(
                condition=(
                    Q(override_level__isnull=True, overall_level=F("computed_level"))
                    | Q(override_level__isnull=False, overall_level=F("override_level"))
                ),
                name="assessments_overall_is_override_or_computed",
            ),
            # Four eyes, in the database too: nobody approves their own assessment.
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (
                    Q(approved_by__isnull=False, approved_at__isnull=False)
                    & ~Q(approved_by=F("author"))
                ),
                name="assessments_approved_by_someone_else",
            ),
        ]
        permissions = [("approve_assessment", "Can approve or return an assessment")]

    def __str__(self) -> str:
        return f"Assessment v{self.version} of situation {self.situation_id}"

    @property
    def is_editable(self) -> bool:
        return self.status in (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class AssessmentTransition(models.Model):
    """Every move of an assessment's status: who, when, from, to, and their comment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=AssessmentStatus.choices)
    to_status = models.CharField(max_length=16, choices=AssessmentStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "pk"]


class FlagKind(models.TextChoices):
    """Evidence-quality flags of a factor at moderate or above (see assessments.selectors)."""

    NO_EVIDENCE = "no_evidence", "No evidence"
    SINGLE_SOURCE = "single_source", "Evidence from a single source only"
    WEAK_EVIDENCE = "weak_evidence", "Only low-reliability (D-F) or low-credibility (4-6) evidence"


class FactorJudgment(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="judgments")
    factor = models.ForeignKey(RiskFactor, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(
        max_length=16, choices=FactorLevel.choices, default=FactorLevel.INSUFFICIENT
    )
    confidence = models.CharField(max_length=8, choices=Confidence.choices, default="low")
    narrative = models.TextField(blank=True, default="")
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="+")
    # The flags the analyst acknowledged, with their note; a flag not in the list still blocks
    # approval (a new flag appearing after the acknowledgement is not covered by it).
    acknowledged_flags = ArrayField(
        models.CharField(max_length=16, choices=FlagKind.choices), default=list, blank=True
    )
    acknowledgement_note = models.TextField(blank=True, default="")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "factor__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "factor"], name="assessments_one_judgment_per_factor"
            ),
            models.CheckConstraint(
                condition=Q(level__in=list(FactorLevel.values)),
                name="assessments_judgment_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=list(Confidence.values)),
                name="assessments_judgment_confidence_valid",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_flags=[]) | ~Q(acknowledgement_note=""),
                name="assessments_acknowledgement_needs_a_note",
            ),
        ]


class Evidence(models.Model):
    """A signal backing a factor judgment, with the analyst's note on what it shows."""

    judgment = models.ForeignKey(FactorJudgment, on_delete=models.CASCADE, related_name="evidence")
    signal = models.ForeignKey("cases.Signal", on_delete=models.PROTECT, related_name="evidence")
    note = models.TextField(blank=True, default="")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["judgment", "added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["judgment", "signal"], name="assessments_evidence_once_per_judgment"
            )
        ]


# --- Challenges -------------------------------------------------------------------------------


class ChallengeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"


class Challenge(models.Model):
    """Counter-evidence and reasoning against a signal or a factor judgment.

    A challenge of a judgment is about the situation's judgment of that factor: it stays
    relevant to later versions of the assessment until it is resolved.
    """

    signal = models.ForeignKey(
        "cases.Signal", null=True, blank=True, on_delete=models.PROTECT, related_name="challenges"
    )
    judgment = models.ForeignKey(
        FactorJudgment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenges",
    )
    # The situation of a challenged judgment, and its factor number: what later versions match.
    situation = models.ForeignKey(
        "cases.Situation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    factor_number = models.PositiveSmallIntegerField(null=True, blank=True)
    reasoning = models.TextField()
    counter_evidence = models.ManyToManyField("cases.Signal", blank=True, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="challenges_raised"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=16, choices=ChallengeStatus.choices, default=ChallengeStatus.OPEN
    )
    resolution_note = models.TextField(blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(signal__isnull=False, judgment__isnull=True)
                    | Q(
                        signal__isnull=True,
                        judgment__isnull=False,
                        situation__isnull=False,
                        factor_number__isnull=False,
                    )
                ),
                name="assessments_challenge_has_one_target",
            ),
            models.CheckConstraint(
                condition=Q(status__in=list(ChallengeStatus.values)),
                name="assessments_challenge_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | (
                    ~Q(resolution_note="")
                    & Q(resolved_by__isnull=False)
                    & ~Q(resolved_by=F("author"))
                ),
                name="assessments_challenge_resolved_by_someone_else_with_a_note",
            ),
        ]


class ChallengeAcknowledgement(models.Model):
    """An open challenge seen and answered by the people approving one assessment version."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="challenge_acknowledgements"
    )
    note = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "assessment"], name="assessments_acknowledged_once"
            ),
            models.CheckConstraint(condition=~Q(note=""), name="assessments_ack_has_a_note"),
        ]


# --- Trigger calendar (risk factor 8) ---------------------------------------------------------


class TriggerKind(models.TextChoices):
    ELECTION = "election", "Election"
    CENSUS = "census", "Census"
    TRIAL = "trial", "Trial"
    COMMEMORATION = "commemoration", "Commemoration"
    ANNIVERSARY = "anniversary", "Anniversary"
    OTHER = "other", "Other"


class TriggerEvent(models.Model):
    """A dated upcoming event that may trigger violence; the team is reminded ahead of it."""

    situation = models.ForeignKey(
        "cases.Situation", on_delete=models.CASCADE, related_name="triggers"
    )
    kind = models.CharField(max_length=16, choices=TriggerKind.choices)
    title = models.CharField(max_length=200)
    occurs_on = models.DateField()
    description = models.TextField(blank=True, default="")
    # Days ahead to remind the team; empty means settings.TRIGGER_REMINDER_DAYS.
    remind_days_before = models.PositiveSmallIntegerField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurs_on", "pk"]
        indexes = [models.Index(fields=["occurs_on"], name="assessments_trigger_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=list(TriggerKind.values)),
                name="assessments_trigger_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(remind_days_before__isnull=True) | Q(remind_days_before__lte=365),
                name="assessments_trigger_reminder_within_a_year",
            ),
        ]


# --- Response options -------------------------------------------------------------------------


class Pillar(models.TextChoices):
    I = "I", "Pillar I: the State's own responsibility"  # noqa: E741
    II = "II", "Pillar II: international assistance and capacity-building"
    III = "III", "Pillar III: timely and decisive collective response"


class Instrument(models.Model):
    """The catalogue of response instruments, seeded by a data migration."""

    key = models.SlugField(max_length=48, unique=True)
    name = models.CharField(max_length=120)
    pillar = models.CharField(max_length=3, choices=Pillar.choices)
    typical_actor = models.CharField(max_length=200)
    description = models.TextField()
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Feasibility(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class OptionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    RECOMMENDED = "recommended", "Recommended"
    ADOPTED = "adopted", "Adopted"
    IMPLEMENTED = "implemented", "Implemented"
    ABANDONED = "abandoned", "Abandoned"


class ResponseOption(models.Model):
    situation = models.ForeignKey(
        "cases.Situation", on_delete=models.PROTECT, related_name="response_options"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField()
    factors = models.ManyToManyField(RiskFactor, blank=True, related_name="+")
    lead_actor = models.CharField(max_length=200)
    expected_effect = models.TextField(blank=True, default="")
    risks = models.TextField(blank=True, default="")
    feasibility = models.CharField(max_length=8, choices=Feasibility.choices)
    status = models.CharField(
        max_length=16, choices=OptionStatus.choices, default=OptionStatus.PROPOSED
    )
    # Set by the transition to adopted: the body or person that adopted it, and when.
    adopted_by = models.CharField(max_length=200, blank=True, default="")
    adopted_on = models.DateField(null=True, blank=True)
    abandoned_reason = models.TextField(blank=True, default="")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["situation", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=list(OptionStatus.values)),
                name="assessments_option_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="abandoned") | ~Q(abandoned_reason=""),
                name="assessments_abandoned_option_says_why",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["adopted", "implemented"])
                | (~Q(adopted_by="") & Q(adopted_on__isnull=False)),
                name="assessments_adopted_option_says_by_whom_and_when",
            ),
        ]


class OptionTransition(models.Model):
    option = models.ForeignKey(ResponseOption, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=OptionStatus.choices)
    to_status = models.CharField(max_length=16, choices=OptionStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "pk"]
