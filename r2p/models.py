"""The shared core's models: classification, users with clearance, and the audit trail."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Classification(models.IntegerChoices):
    """UN sensitivity levels, ordered so that a clearance covers every level below it."""

    PUBLIC = 0, "PUBLIC"
    CONFIDENTIAL = 1, "CONFIDENTIAL"
    STRICTLY_CONFIDENTIAL = 2, "STRICTLY CONFIDENTIAL"

    @property
    def css(self) -> str:
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, value: str | int) -> Classification:
        """Accept 0/1/2, PUBLIC, CONFIDENTIAL, STRICTLY_CONFIDENTIAL or 'strictly confidential'."""
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return cls(int(value))
        key = str(value).strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls[key]
        except KeyError:
            names = ", ".join(c.name for c in cls)
            raise ValueError(f"unknown classification {value!r}; use one of {names}") from None


class Classified(models.Model):
    """Every protected record carries its classification; r2p.access decides who may see it."""

    classification = models.PositiveSmallIntegerField(
        choices=Classification.choices,
        default=Classification.CONFIDENTIAL,
        db_index=True,
        help_text="The highest sensitivity of anything in this record.",
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(classification__in=[c.value for c in Classification]),
                name="%(app_label)s_%(class)s_classification_valid",
            )
        ]


class User(AbstractUser):
    """A person or a partner system. The role is the user's group (see r2p/roles.py)."""

    clearance = models.PositiveSmallIntegerField(
        choices=Classification.choices,
        default=Classification.PUBLIC,
        help_text="The highest classification this user may read.",
    )
    member_state = models.CharField(
        max_length=3,
        blank=True,
        default="",
        help_text="Liaisons only: ISO 3166-1 alpha-3 code of the State represented.",
    )
    organisation = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="For partner systems: the organisation operating the system.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(clearance__in=[c.value for c in Classification]),
                name="r2p_user_clearance_valid",
            ),
            models.CheckConstraint(
                condition=Q(member_state="") | Q(member_state__regex=r"^[A-Z]{3}$"),
                name="r2p_user_member_state_iso3",
            ),
        ]

    @property
    def clearance_label(self) -> str:
        return Classification(self.clearance).label

    @property
    def role_names(self) -> list[str]:
        return sorted(group.name for group in self.groups.all())

    @property
    def role(self) -> str:
        names = self.role_names
        return names[0] if names else "No role"

    def has_clearance(self, level: int) -> bool:
        return self.is_active and self.clearance >= level


class AuditEvent(models.Model):
    """One append-only, hash-chained record of something that happened.

    Rows are written only by r2p.services.audit_record, in the transaction of the change they
    record. PostgreSQL refuses UPDATE, DELETE and TRUNCATE on this table (see the migration that
    installs the triggers). `summary` holds field names and non-sensitive values only: never the
    content of classified text, never a source's identity.
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    actor_username = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    summary = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["actor", "-id"], name="r2p_audit_actor_recent"),
            models.Index(fields=["object_type", "object_id"], name="r2p_audit_object"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor_username or 'system'}"
