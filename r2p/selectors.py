"""Reads of the shared core."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models

from r2p.models import AuditEvent, User


class AuditFilterForm(forms.Form):
    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class AuditEventFilter(django_filters.FilterSet):
    """The auditors' filters: who, what, on which object, when (dates in UTC, inclusive)."""

    user = django_filters.CharFilter(
        field_name="actor_username", lookup_expr="iexact", label="User"
    )
    action = django_filters.ChoiceFilter(label="Action", empty_label="Any action")
    object_type = django_filters.CharFilter(lookup_expr="iexact", label="Object type")
    object_id = django_filters.CharFilter(lookup_expr="exact", label="Object id")
    date_from = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        form = AuditFilterForm
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["action"].extra["choices"] = [(a, a) for a in audit_action_list()]


def audit_action_list() -> list[str]:
    """Every action name written so far, for the filter's choices."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_event_list(*, filters: dict | None = None) -> tuple[models.QuerySet, AuditEventFilter]:
    """Audit rows matching the auditor's filters, with the actor loaded in the same query."""
    filterset = AuditEventFilter(
        data=filters or None, queryset=AuditEvent.objects.select_related("actor")
    )
    if filterset.is_bound and not filterset.is_valid():
        return AuditEvent.objects.none(), filterset
    return filterset.qs, filterset


def audit_last_verification() -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(action__in=["audit.verify", "audit.verify_failed"])
        .order_by("-id")
        .first()
    )


def user_recent_activity(*, user: User, limit: int = 10) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor=user).order_by("-id")[:limit])
