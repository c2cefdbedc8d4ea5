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

from functools import cache
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from r2p.errors import NotFoundError
from r2p.models import Classification, User

M = TypeVar("M", bound=models.Model)


@cache
def _view_permission_id(app_label: str, model_name: str) -> int | None:
    """Permission ids never change while the schema stands; r2p.apps clears this cache after
    every migrate or flush, which is when they may."""
    from django.contrib.auth.models import Permission

    return (
        Permission.objects.filter(content_type__app_label=app_label, codename=f"view_{model_name}")
        .values_list("pk", flat=True)
        .first()
    )


def _grants_sql(user: User, model: type[models.Model]) -> tuple[str, list] | None:
    """SQL for the ids of `model` rows this user holds `view` on, directly or through a group,
    from guardian's direct foreign-key permission tables; None when the model has no `view`."""
    permission = _view_permission_id(model._meta.app_label, model._meta.model_name)
    if permission is None:
        return None
    quote = connection.ops.quote_name
    user_groups = quote(User.groups.through._meta.db_table)
    # Table names come from the models, never from input.
    user_table = quote(get_user_obj_perms_model(model)._meta.db_table)
    group_table = quote(get_group_obj_perms_model(model)._meta.db_table)
    sql = (
        f"SELECT content_object_id FROM {user_table} "  # noqa: S608
        "WHERE permission_id = %s AND user_id = %s UNION ALL "
        f"SELECT g.content_object_id FROM {group_table} g "
        f"JOIN {user_groups} ug ON ug.group_id = g.group_id "
        "WHERE g.permission_id = %s AND ug.user_id = %s"
    )
    return sql, [permission, user.pk, permission, user.pk]


def granted_ids(user: User, *protected: type[models.Model]) -> dict[type[models.Model], list]:
    """The ids of the rows of each model this user holds `view` on, read in ONE query.

    Grants are few (named individuals, team memberships), so the ids can travel as literal
    lists. The SQL is written out because this runs on every list and detail page, and building
    it through the ORM cost more than running it. (guardian's get_objects_for_user is not used:
    it wraps the grants in a query over the whole protected table, which PostgreSQL scans in
    full.)
    """
    selects, params = [], []
    for index, model in enumerate(protected):
        grants = _grants_sql(user, model)
        if grants is not None:
            # Built from model metadata only (see _grants_sql); the values are parameters.
            selects.append(f"SELECT {index}, id FROM ({grants[0]}) AS grants{index}(id)")  # noqa: S608
            params += grants[1]
    found: dict[type[models.Model], list] = {model: [] for model in protected}
    if selects:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            for index, object_id in cursor.fetchall():
                found[protected[index]].append(object_id)
    return found


def granted_subquery(user: User, model: type[models.Model]) -> RawSQL | list:
    """The same ids as granted_ids, as a subquery for `pk__in` / `<fk>__in` inside a bigger
    query: the busiest lists (the triage inbox) then take one round trip instead of two."""
    grants = _grants_sql(user, model)
    return [] if grants is None else RawSQL(*grants)  # noqa: S611 (no input in the SQL)


def visible_queryset(
    queryset: models.QuerySet[M],
    user: User,
    *,
    extra_need_to_know: Q | None = None,
    granted: list | RawSQL | None = None,
) -> models.QuerySet[M]:
    """The records of `queryset` this user may see: clearance, then need-to-know.

    `granted` is the ids this user holds a grant on (a list, or granted_subquery()), when the
    caller has them already.
    """
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    if granted is None:
        granted = granted_ids(user, queryset.model)[queryset.model]
    need_to_know = Q(classification=Classification.PUBLIC)
    if isinstance(granted, RawSQL) or granted:
        need_to_know |= Q(pk__in=granted)
    if extra_need_to_know is not None:
        need_to_know |= extra_need_to_know
    return queryset.filter(Q(classification__lte=user.clearance) & need_to_know)


def access_object(
    queryset: models.QuerySet[M],
    user: User,
    pk: object,
    *,
    extra_need_to_know: Q | None = None,
    granted: list | RawSQL | None = None,
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
        return visible_queryset(
            queryset, user, extra_need_to_know=extra_need_to_know, granted=granted
        ).get(pk=pk)
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
