"""The one place that decides who may see a protected record.

A person sees a record only if their clearance covers its classification and they have
need-to-know: PUBLIC records need nothing more; anything above needs an object permission
(granted to the person, or to a group they belong to, through django-guardian's direct
foreign-key permission tables). Apps add their own need-to-know on top (team membership of a
situation, the partner that sent a signal) by passing `extra_need_to_know` (a NeedToKnow: SQL
over the model's columns); they never write their own clearance checks.

List pages and list APIs call `visible_queryset`; detail pages and detail APIs call
`access_object`, which answers NotFoundError for a missing and a forbidden record alike, and
leaves an audit row when the record exists but was refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import BooleanField, F, Func
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


def grants_sql(user: User, model: type[models.Model]) -> tuple[str, list] | None:
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
        grants = grants_sql(user, model)
        if grants is not None:
            # Built from model metadata only (see grants_sql); the values are parameters.
            selects.append(f"SELECT {index}, id FROM ({grants[0]}) AS grants{index}(id)")  # noqa: S608
            params += grants[1]
    found: dict[type[models.Model], list] = {model: [] for model in protected}
    if selects:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            for index, object_id in cursor.fetchall():
                found[protected[index]].append(object_id)
    return found


class SqlCondition(Func):
    """A yes/no condition written in SQL over columns of the query's model.

    `sql` names the columns as `{field}` placeholders; each becomes the column under the alias
    the query gives it (also inside a subquery), so the SQL never guesses table aliases.
    `params` fill its `%s` placeholders in order. Building this costs a fraction of the same
    condition made of Q and Exists objects, which on the busiest list (the triage inbox, a page
    per keystroke) cost more than PostgreSQL's work.
    """

    output_field = BooleanField()

    def __init__(self, sql: str, params: Sequence[object], fields: Sequence[str]) -> None:
        super().__init__(*(F(field) for field in fields))
        self.sql, self.params, self.fields = sql, list(params), tuple(fields)

    def as_sql(self, compiler, connection, **extra):  # type: ignore[override]
        columns = {
            field: compiler.compile(expression)[0]
            for field, expression in zip(self.fields, self.get_source_expressions(), strict=True)
        }
        return "(" + self.sql.format(**columns) + ")", self.params


@dataclass(frozen=True)
class NeedToKnow:
    """An app's need-to-know beyond grants, as SQL for SqlCondition (see its docstring)."""

    sql: str
    params: tuple[object, ...]
    fields: tuple[str, ...]


def visibility_condition(
    user: User, model: type[models.Model], extra: NeedToKnow | None = None
) -> SqlCondition:
    """Clearance, then need-to-know: PUBLIC, or a grant to the user or one of their groups, or
    the app's `extra` rule. The grants are a subquery, so the whole rule is one query."""
    sql = "{classification} <= %s AND ({classification} = %s"
    params: list[object] = [user.clearance, int(Classification.PUBLIC)]
    fields = {"classification", "pk"}
    grants = grants_sql(user, model)
    if grants is not None:
        sql += " OR {pk} IN (" + grants[0] + ")"
        params += grants[1]
    if extra is not None:
        sql += " OR (" + extra.sql + ")"
        params += extra.params
        fields.update(extra.fields)
    return SqlCondition(sql + ")", params, sorted(fields))


def visible_queryset(
    queryset: models.QuerySet[M], user: User, *, extra_need_to_know: NeedToKnow | None = None
) -> models.QuerySet[M]:
    """The records of `queryset` this user may see: clearance, then need-to-know."""
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    return queryset.filter(visibility_condition(user, queryset.model, extra_need_to_know))


def access_object(
    queryset: models.QuerySet[M],
    user: User,
    pk: object,
    *,
    extra_need_to_know: NeedToKnow | None = None,
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
