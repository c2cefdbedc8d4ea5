"""The one place that decides who may see a protected record.

A person sees a record only if their clearance covers its classification and they have
need-to-know: PUBLIC records need nothing more; anything above needs an object permission
(granted to the person, or to a group they belong to, through django-guardian's direct
foreign-key permission tables). Apps add their own need-to-know on top (team membership of a
situation, the partner that sent a signal) by passing `extra_need_to_know`; they never write
their own clearance checks.

List pages and list APIs call `visible_queryset`; detail pages and detail APIs call
`access_object`, which answers NotFoundError for a missing and a forbidden record alike, and
leaves an audit row when the record exists but was refused.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from r2p.errors import NotFoundError
from r2p.models import Classification, User

M = TypeVar("M", bound=models.Model)


def granted_ids(model: type[models.Model], user: User) -> tuple[models.QuerySet, models.QuerySet]:
    """Subqueries of the ids of `model` rows this user holds `view` on, directly and through
    groups, read straight from guardian's direct foreign-key permission tables.

    (guardian's get_objects_for_user wraps these in a query over the whole protected table,
    which PostgreSQL then scans in full: fine for hundreds of rows, not for a million.)
    """
    permission = Q(
        permission__codename=f"view_{model._meta.model_name}",
        permission__content_type__app_label=model._meta.app_label,
    )
    mine = get_user_obj_perms_model(model).objects.filter(permission, user=user)
    groups = get_group_obj_perms_model(model).objects.filter(permission, group__user=user)
    return mine.values("content_object_id"), groups.values("content_object_id")


def visible_queryset(
    queryset: models.QuerySet[M],
    user: User,
    *,
    extra_need_to_know: Q | None = None,
) -> models.QuerySet[M]:
    """The records of `queryset` this user may see: clearance, then need-to-know."""
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    model = queryset.model
    mine, my_groups = granted_ids(model, user)
    need_to_know = Q(classification=Classification.PUBLIC) | Q(pk__in=mine) | Q(pk__in=my_groups)
    if extra_need_to_know is not None:
        need_to_know |= extra_need_to_know
    return queryset.filter(classification__lte=user.clearance).filter(need_to_know)


def access_object(
    queryset: models.QuerySet[M],
    user: User,
    pk: object,
    *,
    extra_need_to_know: Q | None = None,
) -> M:
    """One record this user may see, or NotFoundError: the same answer for missing and forbidden.

    A refusal of an existing record is written to the audit trail (never what the record holds).
    Call it before opening a transaction of your own: a rollback would take the refusal row too.
    """
    try:
        pk = queryset.model._meta.pk.to_python(pk)
    except ValidationError:
        raise NotFoundError() from None
    try:
        return visible_queryset(queryset, user, extra_need_to_know=extra_need_to_know).get(pk=pk)
    except queryset.model.DoesNotExist:
        pass
    if queryset.filter(pk=pk).exists():
        from r2p.services import audit_record

        audit_record(
            action="access.denied",
            actor=user if user.is_authenticated else None,
            object_type=queryset.model._meta.label_lower,
            object_id=str(pk),
        )
    raise NotFoundError()
