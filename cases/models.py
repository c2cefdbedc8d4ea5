"""Sources, situations and signals: the front door of the joint office.

Workflow fields (`Signal.status`) are assigned only by the services in cases/services.py.
Who may see what is decided in cases/access.py, never here.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from r2p.models import Classification, Classified


class SourceType(models.TextChoices):
    UN_FIELD_PRESENCE = "un_field_presence", "UN field presence"
    HUMAN_RIGHTS_MECHANISM = "human_rights_mechanism", "Human-rights mechanism"
    UN_AGENCY = "un_agency", "UN agency"
    REGIONAL_ORGANISATION = "regional_organisation", "Regional organisation"
    GOVERNMENT = "government", "Government"
    CIVIL_SOCIETY = "civil_society", "Civil society"
    MEDIA = "media", "Media"
    ACADEMIC = "academic", "Academic"
    SOCIAL_MEDIA = "social_media", "Social media"
    PARTNER_SYSTEM = "partner_system", "Partner system"
    EVENT_DATASET = "event_dataset", "Event dataset"


class Reliability(models.TextChoices):
    """The Admiralty (NATO) grade of a source."""

    A = "A", "Completely reliable"
    B = "B", "Usually reliable"
    C = "C", "Fairly reliable"
    D = "D", "Not usually reliable"
    E = "E", "Unreliable"
    F = "F", "Reliability cannot be judged"


class Credibility(models.IntegerChoices):
    """The Admiralty (NATO) grade of one piece of information."""

    CONFIRMED = 1, "Confirmed by other sources"
    PROBABLY_TRUE = 2, "Probably true"
    POSSIBLY_TRUE = 3, "Possibly true"
    DOUBTFUL = 4, "Doubtful"
    IMPROBABLE = 5, "Improbable"
    CANNOT_BE_JUDGED = 6, "Truth cannot be judged"


class Source(Classified):
    """Who says so. Everyone sees the pseudonym and the grade; the identity is a separate row."""

    pseudonym = models.CharField(max_length=12, unique=True, editable=False)
    source_type = models.CharField(max_length=32, choices=SourceType.choices)
    reliability = models.CharField(max_length=1, choices=Reliability.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pseudonym"]
        permissions = [
            ("view_source_identity", "Can see who a source is (granted per source)"),
            ("protect_sources", "Source protection officer: sees every source identity"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reliability__in=list(Reliability.values)),
                name="cases_source_reliability_valid",
            ),
            models.CheckConstraint(
                condition=Q(source_type__in=list(SourceType.values)),
                name="cases_source_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(pseudonym__regex=r"^SRC-[0-9A-Z]{4,8}$"),
                name="cases_source_pseudonym_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pseudonym} ({self.reliability})"


class SourceIdentity(models.Model):
    """Who the source is. Read only through cases.access.source_identity_get."""

    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="identity")
    name = models.CharField(max_length=300)
    organisation = models.CharField(max_length=300, blank=True, default="")
    contact = models.TextField(blank=True, default="")
    handling_notes = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"identity of {self.source.pseudonym}"


class SourceUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Source, on_delete=models.CASCADE)


class SourceGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Source, on_delete=models.CASCADE)


class SourceReliabilityChange(models.Model):
    """Every change of a source's grade, with who, when and why."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="grade_history")
    previous = models.CharField(max_length=1, choices=Reliability.choices, blank=True)
    new = models.CharField(max_length=1, choices=Reliability.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]


class MonitoringStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DORMANT = "dormant", "Dormant"
    CLOSED = "closed", "Closed"


class Situation(Classified):
    """A country, or a region inside one, being monitored by a team."""

    reference = models.CharField(max_length=16, unique=True, editable=False)
    title = models.CharField(max_length=200)
    countries = ArrayField(models.CharField(max_length=3), help_text="ISO 3166-1 alpha-3")
    # Derived from `countries` by the service (UN M49), kept for filtering.
    regions = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    subregions = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    subnational_areas = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    summary = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=16, choices=MonitoringStatus.choices, default=MonitoringStatus.ACTIVE
    )
    lead_analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="situations_led"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set by the service when the situation is closed, emptied when it is reopened: the reports
    # count a situation as monitored until it was closed, whatever was edited afterwards.
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["title"]
        indexes = [
            GinIndex(fields=["countries"], name="cases_situation_countries"),
            GinIndex(fields=["regions"], name="cases_situation_regions"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(classification__in=[c.value for c in Classification]),
                name="cases_situation_classification_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=list(MonitoringStatus.values)),
                name="cases_situation_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(countries=[]), name="cases_situation_has_a_country"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class SituationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Situation, on_delete=models.CASCADE)


class SituationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Situation, on_delete=models.CASCADE)


class SituationMember(models.Model):
    """Membership of a situation's team: the need-to-know for its confidential material."""

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="situation_memberships"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["situation", "user"], name="cases_member_once")
        ]


class Category(models.TextChoices):
    """The signal taxonomy; docs/taxonomy.md says what each means and how imports map to it."""

    VIOLENCE_AGAINST_CIVILIANS = "violence_against_civilians", "Violence against civilians"
    ARMED_CLASH = "armed_clash", "Armed clash"
    INCITEMENT = "incitement", "Incitement and hate speech"
    DETENTION_DISAPPEARANCE = (
        "detention_disappearance",
        "Arbitrary detention and disappearance",
    )
    FORCED_DISPLACEMENT = "forced_displacement", "Forced displacement"
    SEXUAL_VIOLENCE = "sexual_violence", "Sexual violence"
    ATTACK_ON_HUMANITARIANS = "attack_on_humanitarians", "Attacks on humanitarian or UN personnel"
    CIVIC_SPACE = "civic_space", "Restrictions on civic space"
    ARMED_MOBILISATION = "armed_mobilisation", "Armed mobilisation"
    ELECTION_VIOLENCE = "election_violence", "Election-related violence"
    OTHER = "other", "Other"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class GroupKind(models.TextChoices):
    NATIONAL = "national", "National"
    ETHNIC = "ethnic", "Ethnic"
    RACIAL = "racial", "Racial"
    RELIGIOUS = "religious", "Religious"
    POLITICAL = "political", "Political"
    OTHER = "other", "Other"


class SignalStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    DISMISSED = "dismissed", "Dismissed"
    DUPLICATE = "duplicate", "Duplicate"


class Origin(models.TextChoices):
    FORM = "form", "Browser form"
    API = "api", "REST API"
    ACLED = "acled", "ACLED export"
    UCDP = "ucdp", "UCDP GED"
    DEMO = "demo", "Demo data"
    SYNTHETIC = "synthetic", "Synthetic (benchmarks)"


class EventCluster(models.Model):
    """Signals confirmed to report the same event; its independent sources corroborate it."""

    created_at = models.DateTimeField(auto_now_add=True)


class Signal(Classified):
    """A claim that something happened or is being prepared, and who says so."""

    headline = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    occurred_on = models.DateField()
    occurred_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    reported_at = models.DateTimeField()
    country = models.CharField(max_length=3, help_text="ISO 3166-1 alpha-3")
    admin1 = models.CharField(max_length=120, blank=True, default="")
    place_name = models.CharField(max_length=200, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    category = models.CharField(max_length=32, choices=Category.choices)
    perpetrators = models.CharField(max_length=500, blank=True, default="")
    targeted_group = models.CharField(max_length=300, blank=True, default="")
    targeted_group_kind = models.CharField(
        max_length=16, choices=GroupKind.choices, blank=True, default=""
    )
    fatalities_best = models.PositiveIntegerField(null=True, blank=True)
    fatalities_low = models.PositiveIntegerField(null=True, blank=True)
    fatalities_high = models.PositiveIntegerField(null=True, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="signals")
    credibility = models.PositiveSmallIntegerField(choices=Credibility.choices)
    origin = models.CharField(max_length=16, choices=Origin.choices)
    external_id = models.CharField(max_length=100, blank=True, default="")
    # What the original outlet or dataset said (ACLED `source`, UCDP `source_article`), verbatim.
    original_source_text = models.TextField(blank=True, default="")
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=16, choices=SignalStatus.choices, default=SignalStatus.NEW)
    dismissed_reason = models.TextField(blank=True, default="")
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    cluster = models.ForeignKey(
        EventCluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signals_created"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    search_vector = models.GeneratedField(
        expression=SearchVector("headline", weight="A", config="english")
        + SearchVector("description", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="cases_signal_search"),
            models.Index(fields=["status", "-id"], name="cases_signal_status_recent"),
            # The triage inbox: new signals of a country, newest first.
            models.Index(fields=["status", "country", "-id"], name="cases_signal_triage"),
            models.Index(fields=["country", "occurred_on"], name="cases_signal_country_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "external_id"],
                condition=~Q(external_id=""),
                name="cases_signal_origin_external_id_once",
            ),
            models.CheckConstraint(
                condition=Q(credibility__gte=1, credibility__lte=6),
                name="cases_signal_credibility_1_to_6",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="cases_signal_coordinates_valid",
            ),
            models.CheckConstraint(
                condition=Q(fatalities_low__isnull=True)
                | Q(fatalities_best__isnull=True)
                | Q(fatalities_low__lte=F("fatalities_best")),
                name="cases_signal_fatalities_low_le_best",
            ),
            models.CheckConstraint(
                condition=Q(fatalities_high__isnull=True)
                | Q(fatalities_best__isnull=True)
                | Q(fatalities_high__gte=F("fatalities_best")),
                name="cases_signal_fatalities_high_ge_best",
            ),
            models.CheckConstraint(
                condition=Q(status__in=list(SignalStatus.values)),
                name="cases_signal_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(category__in=list(Category.values)),
                name="cases_signal_category_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=SignalStatus.DISMISSED) | ~Q(dismissed_reason=""),
                name="cases_signal_dismissal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=SignalStatus.DUPLICATE) | Q(duplicate_of__isnull=False),
                name="cases_signal_duplicate_names_original",
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{3}$"), name="cases_signal_country_iso3"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.headline[:60]}"

    @property
    def grade(self) -> str:
        """The Admiralty pair, e.g. B2: the source's reliability and this item's credibility."""
        return f"{self.source.reliability}{self.credibility}"


class SignalUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Signal, on_delete=models.CASCADE)


class SignalGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Signal, on_delete=models.CASCADE)


class SignalSituationLink(models.Model):
    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="situation_links")
    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="signal_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["signal", "situation"], name="cases_link_once")
        ]
        indexes = [models.Index(fields=["situation", "signal"], name="cases_link_situation")]


class DuplicateDecision(models.Model):
    """An analyst's verdict on a suggested pair, kept either way so it is not asked again."""

    class Verdict(models.TextChoices):
        CONFIRMED = "confirmed", "Same event"
        REJECTED = "rejected", "Different events"

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["signal", "candidate"], name="cases_decision_once"),
            models.CheckConstraint(
                condition=~Q(signal=F("candidate")), name="cases_decision_two_signals"
            ),
        ]


class ImportJob(models.Model):
    """One uploaded event file, imported row by row by a Celery task."""

    class Format(models.TextChoices):
        ACLED = "acled", "ACLED export (CSV)"
        UCDP = "ucdp", "UCDP GED (CSV)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    format = models.CharField(max_length=8, choices=Format.choices)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="import_jobs")
    classification = models.PositiveSmallIntegerField(
        choices=Classification.choices, default=Classification.PUBLIC
    )
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_filename = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_already_present = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True, default="", help_text="Why the whole file failed")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]


class ImportRowError(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField(help_text="1-based data row number (header not counted)")
    field = models.CharField(max_length=64)
    problem = models.CharField(max_length=500)

    class Meta:
        ordering = ["row", "id"]


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed for its retries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    endpoint = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "endpoint", "key"], name="cases_idempotency_once"
            )
        ]


# --- Escalation to the Secretary-General's desk ------------------------------------------------


class EscalationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    REVIEWED = "reviewed", "Reviewed, awaiting endorsement"
    ENDORSED = "endorsed", "Endorsed"
    AT_DESK = "at_desk", "At the Secretary-General's desk"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Escalation(Classified):
    """A situation brought through the joint office to the Secretary-General's desk.

    Its status moves only through cases.escalations.escalation_transition (ESCALATION_MOVES).
    """

    reference = models.CharField(max_length=16, unique=True, editable=False)
    situation = models.ForeignKey(Situation, on_delete=models.PROTECT, related_name="escalations")
    # The approved assessment it carries: refreshed while in the joint office, fixed at endorsement.
    assessment = models.ForeignKey(
        "assessments.Assessment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    response_options = models.ManyToManyField(
        "assessments.ResponseOption", blank=True, related_name="escalations"
    )
    summary = models.TextField(help_text="Why this needs the Secretary-General's attention now")
    status = models.CharField(
        max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.DRAFT
    )
    status_since = models.DateTimeField()
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escalations_drafted"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations_reviewed",
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations_endorsed",
    )
    urgent = models.BooleanField(default=False)
    urgent_justification = models.TextField(blank=True, default="")
    # The joint office's recommended routing, for the briefing: a list of
    # {"body", "regional_arrangement" (acronym), "other_body", "legal_basis", "rationale"}.
    recommended_routing = models.JSONField(default=list, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "status_since"], name="cases_escalation_wait")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=list(EscalationStatus.values)),
                name="cases_escalation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(urgent=False) | ~Q(urgent_justification=""),
                name="cases_escalation_urgent_says_why",
            ),
            # Four eyes: the reviewer is never the drafter.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("drafted_by")),
                name="cases_escalation_reviewed_by_someone_else",
            ),
        ]
        permissions = [
            ("review_escalation", "Can review an escalation (second pair of eyes)"),
            ("endorse_escalation", "Can endorse an escalation and send it to the desk"),
            ("decide_escalation", "Can record the Secretary-General's decision"),
        ]

    def __str__(self) -> str:
        return self.reference


class EscalationTransition(models.Model):
    """Every move of an escalation: who, when, from, to, which action, and their comment."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=16)
    from_status = models.CharField(max_length=16, choices=EscalationStatus.choices)
    to_status = models.CharField(max_length=16, choices=EscalationStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "pk"]


class Dissent(models.Model):
    """A reviewer's dissenting view: it travels with the escalation's briefing."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="dissents")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="cases_dissent_has_text")]


class BriefingStatus(models.TextChoices):
    WORKING = "working", "Working copy (recompiled while in the joint office)"
    FROZEN = "frozen", "Frozen at endorsement"


class Briefing(Classified):
    """What the Secretary-General reads: compiled from the records into `content` (a snapshot,
    so later changes to the records never change it once frozen), with its SHA-256."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="briefings")
    status = models.CharField(
        max_length=8, choices=BriefingStatus.choices, default=BriefingStatus.WORKING
    )
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    compiled_at = models.DateTimeField()
    frozen_at = models.DateTimeField(null=True, blank=True)
    # Set when the escalation, returned after endorsement, is endorsed again: the new frozen
    # briefing is the one read at the desk; this one stays, unchanged, for the record.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-compiled_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation"],
                condition=Q(status="working"),
                name="cases_one_working_briefing",
            ),
            models.UniqueConstraint(
                fields=["escalation"],
                condition=Q(status="frozen", superseded_at__isnull=True),
                name="cases_one_current_frozen_briefing",
            ),
        ]


class ReleasableBriefing(models.Model):
    """A version of a frozen briefing for a lower classification: content above `level` left
    out (with a visible note), shared with named member states' liaisons."""

    briefing = models.ForeignKey(Briefing, on_delete=models.PROTECT, related_name="releasable")
    level = models.PositiveSmallIntegerField(choices=Classification.choices)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    withheld = models.PositiveIntegerField(default=0)
    shared_with = ArrayField(models.CharField(max_length=3), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["briefing", "level"], name="cases_releasable_once")
        ]


# --- The Secretary-General's decision and the referrals it makes ---------------------------------


class RegionalArrangement(models.Model):
    """The maintained list of regional and subregional arrangements (Charter, Chapter VIII)."""

    acronym = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["acronym"]

    def __str__(self) -> str:
        return f"{self.acronym} ({self.name})"


class DecisionOutcome(models.TextChoices):
    ROUTE = "route", "Route to one or more bodies"
    HOLD = "hold", "Hold and keep monitoring"
    SEND_BACK = "send_back", "Send back to the joint office for more information"


class Decision(models.Model):
    """The Secretary-General's decision on an escalation at the desk. A "send back" returns the
    escalation to the joint office, so one escalation may see several decisions; the last one
    stands."""

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=16, choices=DecisionOutcome.choices)
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=list(DecisionOutcome.values)),
                name="cases_decision_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~Q(rationale=""), name="cases_decision_has_a_rationale"
            ),
        ]


class Body(models.TextChoices):
    GENERAL_ASSEMBLY = "ga", "General Assembly"
    SECURITY_COUNCIL = "sc", "Security Council"
    HUMAN_RIGHTS_COUNCIL = "hrc", "Human Rights Council"
    ECOSOC = "ecosoc", "Economic and Social Council"
    PEACEBUILDING_COMMISSION = "pbc", "Peacebuilding Commission"
    REGIONAL = "regional", "Regional or subregional arrangement"
    OTHER = "other", "Other body"


# The usual legal basis of a routing to each body: offered when none is written (the decision
# form, the recommended routing, the briefing).
USUAL_LEGAL_BASIS: dict[str, str] = {
    Body.SECURITY_COUNCIL: "Article 99 of the Charter of the United Nations",
    Body.GENERAL_ASSEMBLY: "Articles 10-14 of the Charter",
    Body.REGIONAL: "Chapter VIII of the Charter",
    Body.HUMAN_RIGHTS_COUNCIL: "General Assembly resolution 60/251",
    Body.ECOSOC: "Chapter X of the Charter",
    Body.PEACEBUILDING_COMMISSION: (
        "General Assembly resolution 60/180 and Security Council resolution 1645 (2005)"
    ),
}


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ON_AGENDA = "on_agenda", "On the agenda"
    ACTION_TAKEN = "action_taken", "Action taken"
    NO_ACTION = "no_action", "No action"


class Referral(models.Model):
    """One routing of a decision: the body, its legal basis and rationale, and its follow-up."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="referrals")
    body = models.CharField(max_length=16, choices=Body.choices)
    regional_arrangement = models.ForeignKey(
        RegionalArrangement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    other_body = models.CharField(max_length=200, blank=True, default="")
    legal_basis = models.CharField(max_length=300)
    rationale = models.TextField()
    sent_on = models.DateField()
    transmittal_reference = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    action_taken = models.TextField(blank=True, default="")
    follow_up_on = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["follow_up_on", "pk"]
        indexes = [models.Index(fields=["status", "follow_up_on"], name="cases_referral_follow_up")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=list(ReferralStatus.values)),
                name="cases_referral_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(body="regional") | Q(regional_arrangement__isnull=False),
                name="cases_referral_regional_names_the_arrangement",
            ),
            models.CheckConstraint(
                condition=~Q(body="other") | ~Q(other_body=""),
                name="cases_referral_other_body_named",
            ),
            models.CheckConstraint(
                condition=~Q(status="action_taken") | ~Q(action_taken=""),
                name="cases_referral_action_says_what",
            ),
        ]


class ReferralUpdate(models.Model):
    """Every follow-up of a referral: status, what was done, next follow-up; who and when."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=ReferralStatus.choices)
    note = models.TextField(blank=True, default="")
    follow_up_on = models.DateField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]


class InactionAlert(models.Model):
    """A situation at high or very high risk with no response adopted in time: raised once,
    closed when a response is adopted or the risk falls below high."""

    situation = models.ForeignKey(
        Situation, on_delete=models.CASCADE, related_name="inaction_alerts"
    )
    level = models.PositiveSmallIntegerField()
    high_since = models.DateTimeField()
    raised_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["situation"],
                condition=Q(closed_at__isnull=True),
                name="cases_one_open_inaction_alert",
            )
        ]
