"""Who may see which source, source identity, situation and signal. The only place that decides.

- Joint-office staff are those holding `cases.view_signal` (analysts, senior analysts, Special
  Advisers, the SG Office). Member-state liaisons and auditors see none of this.
- Situations: PUBLIC ones to all staff; above that, to cleared members of the team (an object
  permission given by the team services) or holders of an explicit grant.
- Signals: PUBLIC to all staff; CONFIDENTIAL to cleared staff on the team of a linked situation,
  or to any cleared staff member while the signal is linked to no situation (the shared inbox,
  and what was dismissed from it), and always to the person who filed it;
  STRICTLY CONFIDENTIAL only to named individuals (object grants). A partner system sees the
  signals it sent, and nothing else.
- Sources: staff see every source's pseudonym and grade; a partner system sees the sources it
  created or was granted. A source's identity is visible only to cleared holders of the
  per-source `view_source_identity` permission or of `cases.protect_sources`.

Detail pages and APIs use the access_* functions: missing and forbidden both answer NotFound.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from cases.models import (
    Escalation,
    EscalationStatus,
    ImportJob,
    ReleasableBriefing,
    Signal,
    SignalSituationLink,
    Situation,
    Source,
    SourceIdentity,
)
from r2p.access import NeedToKnow, access_object, granted_ids, grants_sql, visible_queryset
from r2p.errors import NotFoundError
from r2p.models import Classification, User
from r2p.roles import ROLES_BY_SLUG

STAFF_PERMISSION = "cases.view_signal"


def is_staff(user: User) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and user.has_perm(STAFF_PERMISSION)
    )


def is_partner(user: User) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and not is_staff(user)
        and user.has_perm("cases.add_signal")
    )


# --- Situations -------------------------------------------------------------------------------


def situations_visible(user: User, queryset: QuerySet[Situation] | None = None) -> QuerySet:
    """Situations this user may see (staff only)."""
    queryset = queryset if queryset is not None else Situation.objects.all()
    if not is_staff(user):
        return queryset.none()
    return visible_queryset(queryset, user)


def access_situation(user: User, pk: object) -> Situation:
    if not is_staff(user):
        raise NotFoundError()
    return access_object(Situation.objects.select_related("lead_analyst"), user, pk)


def on_team(user: User, situation: Situation) -> bool:
    """The situation's lead analyst or a member of its team."""
    return situation.lead_analyst_id == user.pk or situation.members.filter(user=user).exists()


def situation_manageable(user: User, situation: Situation) -> bool:
    """Lead analyst, or a team member allowed to change situations, may edit it and its team."""
    if not user.has_perm("cases.change_situation"):
        return False
    return situation.lead_analyst_id == user.pk or situation.members.filter(user=user).exists()


# --- Signals ----------------------------------------------------------------------------------


def _signal_need_to_know(user: User) -> NeedToKnow:
    """Need-to-know beyond grants, for CONFIDENTIAL signals: those in the shared pool (linked
    to no situation yet: the inbox, and what was dismissed from it), those linked to my team's
    situations (a grant on the situation), and those I filed myself."""
    links = connection.ops.quote_name(SignalSituationLink._meta.db_table)
    team_sql, team_params = grants_sql(user, Situation) or ("SELECT NULL WHERE FALSE", [])
    # Table names come from the models, never from input; the values are parameters.
    sql = (
        "{classification} = %s AND ("  # noqa: S608
        f"NOT EXISTS (SELECT 1 FROM {links} l WHERE l.signal_id = {{pk}})"
        " OR {created_by} = %s"
        f" OR EXISTS (SELECT 1 FROM {links} l WHERE l.signal_id = {{pk}}"
        f" AND l.situation_id IN ({team_sql})))"
    )
    params = (int(Classification.CONFIDENTIAL), user.pk, *team_params)
    return NeedToKnow(sql, params, ("classification", "pk", "created_by"))


def signals_visible(user: User, queryset: QuerySet[Signal] | None = None) -> QuerySet[Signal]:
    """The signals this user may see, as one filterable queryset (no row-by-row checks)."""
    queryset = queryset if queryset is not None else Signal.objects.all()
    if is_staff(user):
        return visible_queryset(queryset, user, extra_need_to_know=_signal_need_to_know(user))
    if is_partner(user):
        return queryset.filter(created_by=user)
    return queryset.none()


def access_signal(user: User, pk: object) -> Signal:
    """One signal for this user, or NotFoundError (the same for missing and forbidden)."""
    queryset = Signal.objects.select_related("source", "created_by")
    if is_partner(user):
        try:
            return queryset.get(pk=int(pk), created_by=user)
        except (Signal.DoesNotExist, ValueError, TypeError):
            raise NotFoundError() from None
    if not is_staff(user):
        raise NotFoundError()
    return access_object(queryset, user, pk, extra_need_to_know=_signal_need_to_know(user))


# --- Sources ----------------------------------------------------------------------------------


def sources_visible(user: User, queryset: QuerySet[Source] | None = None) -> QuerySet[Source]:
    """Sources by pseudonym and grade. Their identities are never part of this queryset."""
    queryset = queryset if queryset is not None else Source.objects.all()
    if is_staff(user):
        return queryset
    if is_partner(user):
        granted = granted_ids(user, Source)[Source]
        return queryset.filter(Q(created_by=user) | Q(pk__in=granted))
    return queryset.none()


def access_source(user: User, pk: object) -> Source:
    try:
        return sources_visible(user).get(pk=int(pk))
    except (Source.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


def access_source_by_pseudonym(user: User, pseudonym: str) -> Source:
    source = sources_visible(user).filter(pseudonym=str(pseudonym).strip().upper()).first()
    if source is None:
        raise NotFoundError(f"No source is known as {pseudonym!r}.")
    return source


def can_see_source_identity(user: User, source: Source) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.clearance < source.classification:
        return False
    return user.has_perm("cases.protect_sources") or user.has_perm(
        "cases.view_source_identity", source
    )


def source_identity_get(user: User, source: Source) -> SourceIdentity | None:
    """The identity of a source, or None: the caller then shows the pseudonym only.

    Every read that returns an identity is written to the audit trail (the pseudonym only).
    """
    if not can_see_source_identity(user, source):
        return None
    identity = SourceIdentity.objects.filter(source=source).first()
    if identity is not None:
        from r2p.services import audit_record

        audit_record(action="source.identity_read", actor=user, target=source)
    return identity


# --- Import jobs ------------------------------------------------------------------------------


def can_import(user: User) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and user.has_perm("cases.add_importjob")
    )


def import_jobs_visible(user: User, queryset: QuerySet | None = None) -> QuerySet[ImportJob]:
    """Jobs this user may see: staff or importers, cleared for the level the rows are filed at.

    A job's pages show counts and row errors only (which may quote a date, a coordinate or a
    country of the file's rows), so clearance is the whole rule.
    """
    queryset = queryset if queryset is not None else ImportJob.objects.all()
    if not (is_staff(user) or can_import(user)):
        return queryset.none()
    return queryset.filter(classification__lte=user.clearance)


def access_import_job(user: User, pk: object) -> ImportJob:
    """One job for this user, or NotFoundError (the same for missing and not visible)."""
    try:
        return import_jobs_visible(user).select_related("source", "created_by").get(pk=int(pk))
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise NotFoundError() from None


# --- Escalations ------------------------------------------------------------------------------


def access_escalation(user: User, pk: object) -> Escalation:
    try:
        return escalations_visible(user).select_related("situation", "drafted_by").get(pk=int(pk))
    except (Escalation.DoesNotExist, TypeError, ValueError):
        raise NotFoundError() from None


def escalations_visible(user: User, queryset: QuerySet[Escalation] | None = None) -> QuerySet:
    """The situation's need-to-know for the joint office; the SG Office sees what reached the
    desk. Liaisons and partners see none."""
    queryset = queryset if queryset is not None else Escalation.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    rule = Q(pk__in=[])
    if is_staff(user):
        rule |= Q(situation__in=situations_visible(user).values("pk"))
    if user.has_perm("cases.decide_escalation"):
        rule |= Q(status__in=[EscalationStatus.AT_DESK, EscalationStatus.DECIDED])
    return queryset.filter(rule, classification__lte=user.clearance)


# --- Released briefings --------------------------------------------------------------------------


LIAISON_ROLE = ROLES_BY_SLUG["liaison"].name


def is_liaison(user: User) -> bool:
    """A member-state liaison: the liaison role and the member state they represent."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.member_state
        and user.groups.filter(name=LIAISON_ROLE).exists()
    )


def releases_visible(user: User) -> QuerySet[ReleasableBriefing]:
    """Released versions this user may read: every one for the SG Office; for a liaison, those
    shared with their member state; none for anyone else. Never above the reader's clearance."""
    queryset = ReleasableBriefing.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    if user.has_perm("cases.decide_escalation"):
        return queryset.filter(level__lte=user.clearance)
    if is_liaison(user):
        return queryset.filter(shared_with__contains=[user.member_state], level__lte=user.clearance)
    return queryset.none()


def access_release(user: User, pk: object) -> ReleasableBriefing:
    """One released version for this user, its read written to the audit trail; NotFoundError
    for a missing one and one not shared with them alike."""
    try:
        release = (
            releases_visible(user)
            .select_related("briefing")
            .get(
                pk=int(pk)  # type: ignore[arg-type]
            )
        )
    except (ReleasableBriefing.DoesNotExist, TypeError, ValueError):
        raise NotFoundError() from None
    from r2p.services import audit_record

    audit_record(
        action="briefing.release_read",
        actor=user,
        target=release.briefing,
        summary={
            "release": release.pk,
            "level": Classification(release.level).label,
            "hash": release.content_hash,
        },
    )
    return release
