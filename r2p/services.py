"""Writes of the shared core: the audit trail, accounts and API tokens.

Every function here that changes something writes its audit row in the same transaction.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from knox.models import AuthToken

from r2p import context
from r2p.countries import member_state_validate
from r2p.errors import ApplicationValidationError, NotFoundError
from r2p.models import AuditEvent, Classification, User
from r2p.roles import Role, role_lookup

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Serialises writers of the hash chain: each row needs the hash of the row committed before it.
_AUDIT_CHAIN_LOCK = 727_270_001


def _canonical(value: Any) -> Any:
    """What a summary looks like after a round trip through jsonb, so hashes can be recomputed."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def audit_event_hash(
    *,
    event_id: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_username: str,
    action: str,
    object_type: str,
    object_id: str,
    summary: Any,
    request_id: str,
    ip_address: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 over a row's content and the previous row's hash (the chain audit_verify walks)."""
    payload = json.dumps(
        [
            event_id,
            occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor_id,
            actor_username,
            action,
            object_type,
            object_id,
            summary,
            request_id,
            ip_address,
            prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _object_ref(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    actor_username: str = "",
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    summary: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one row to the audit trail, inside the caller's transaction.

    `summary` must carry field names and non-sensitive values only (callers pass the names of
    changed classified fields, not their content). The request id and client IP come from
    r2p.context.
    """
    if target is not None:
        object_type, object_id = _object_ref(target)
    if actor is not None and not actor.is_authenticated:
        actor = None
    username = actor.get_username() if actor is not None else actor_username
    raw_ip = context.client_ip.get()
    ip = str(ipaddress.ip_address(raw_ip)) if raw_ip else None
    clean_summary = _canonical(summary or {})
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_CHAIN_LOCK])
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [AuditEvent._meta.db_table]
            )
            event_id = cursor.fetchone()[0]
        prev_hash = (
            AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
            or GENESIS_HASH
        )
        occurred_at = timezone.now()
        fields = {
            "occurred_at": occurred_at,
            "actor_id": actor.pk if actor is not None else None,
            "actor_username": username[:150],
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id)[:64],
            "summary": clean_summary,
            "request_id": context.request_id.get()[:64],
            "ip_address": ip,
            "prev_hash": prev_hash,
        }
        event_hash = audit_event_hash(event_id=event_id, **fields)
        return AuditEvent.objects.create(id=event_id, hash=event_hash, **fields)


@dataclass(frozen=True)
class AuditChainReport:
    rows_checked: int
    first_broken_id: int | None
    problem: str

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def audit_chain_verify() -> AuditChainReport:
    """Walk the whole chain in id order and name the first row that does not add up."""
    expected_prev = GENESIS_HASH
    count = 0
    for row in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if row.prev_hash != expected_prev:
            return AuditChainReport(
                count, row.pk, "its previous-row hash does not match the row before it"
            )
        recomputed = audit_event_hash(
            event_id=row.pk,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            actor_username=row.actor_username,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            summary=_canonical(row.summary),
            request_id=row.request_id,
            ip_address=row.ip_address,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            return AuditChainReport(count, row.pk, "its content does not match its hash")
        expected_prev = row.hash
    return AuditChainReport(count, None, "")


# --- Accounts ---------------------------------------------------------------------------------


def user_fields_validate(
    *, role: Role, member_state: str, organisation: str
) -> dict[str, list[str]]:
    """The rules tying a role to its other fields; problems by field name (empty if none)."""
    errors: dict[str, list[str]] = {}
    if role.slug == "liaison":
        if not member_state:
            errors["member_state"] = ["A member-state liaison needs the State they represent."]
        else:
            try:
                member_state_validate(member_state)
            except ValueError as exc:
                errors["member_state"] = [str(exc)]
    elif member_state:
        errors["member_state"] = ["Only member-state liaisons represent a member state."]
    if role.slug == "partner" and not organisation.strip():
        errors["organisation"] = ["A partner system needs the organisation that operates it."]
    return errors


def user_create(
    *,
    username: str,
    password: str,
    role: str,
    clearance: str | int,
    member_state: str = "",
    organisation: str = "",
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    created_by: User | None = None,
) -> User:
    """Create an account with exactly one role; every problem is reported against its field."""
    errors: dict[str, list[str]] = {}
    try:
        role_obj = role_lookup(role)
    except ValueError as exc:
        raise ApplicationValidationError({"role": [str(exc)]}) from None
    try:
        level = Classification.parse(clearance)
    except ValueError as exc:
        errors["clearance"] = [str(exc)]
        level = Classification.PUBLIC
    member_state = member_state.strip().upper()
    errors.update(
        user_fields_validate(role=role_obj, member_state=member_state, organisation=organisation)
    )
    username = username.strip()
    if not username:
        errors["username"] = ["A username is required."]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [f"The username {username!r} is taken."]
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        clearance=level,
        member_state=member_state,
        organisation=organisation.strip(),
        is_staff=role_obj.staff,
    )
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role_obj.name)])
        audit_record(
            action="user.create",
            actor=created_by,
            target=user,
            summary={
                key: value
                for key, value in {
                    "username": user.username,
                    "role": role_obj.name,
                    "clearance": level.label,
                    "member_state": member_state,
                    "organisation": user.organisation,
                }.items()
                if value
            },
        )
    return user


def user_changes_record(
    *,
    user: User,
    changed_fields: list[str],
    actor: User | None,
    roles: list[str] | None = None,
    created: bool = False,
) -> None:
    """Audit an account created or changed in the admin site: which fields, and its roles."""
    summary: dict[str, Any] = {"changed": sorted(f for f in changed_fields if f != "password")}
    if "password" in changed_fields:
        summary["password_changed"] = True
    if roles is not None:
        summary["roles"] = sorted(roles)
    action = "user.create" if created else "user.change"
    audit_record(action=action, actor=actor, target=user, summary=summary)


def password_change_record(*, user: User) -> None:
    audit_record(action="auth.password_change", actor=user, target=user)


# --- API tokens -------------------------------------------------------------------------------


def token_create(
    *, user: User, expires_days: int | None, created_by: User | None = None
) -> tuple[AuthToken, str]:
    """Issue an API token. The key is returned once and stored only as a hash."""
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise ApplicationValidationError(
            {"expires_days": ["A token must expire within 1 to 3650 days."]}
        )
    if not user.is_active:
        raise ApplicationValidationError({"username": ["This account is deactivated."]})
    ttl = timedelta(days=expires_days) if expires_days else None
    with transaction.atomic():
        instance, key = AuthToken.objects.create(user=user, expiry=ttl)
        audit_record(
            action="token.create",
            actor=created_by,
            object_type="knox.authtoken",
            object_id=instance.token_key,
            summary={
                "for_user": user.username,
                "expires": instance.expiry.isoformat() if instance.expiry else "",
            },
        )
    return instance, key


def token_revoke(*, token_key: str, revoked_by: User | None = None) -> None:
    """Revoke a token by its public prefix (the first characters `r2p_token list` shows)."""
    with transaction.atomic():
        token = (
            AuthToken.objects.select_for_update().filter(token_key=token_key).first()
            if token_key
            else None
        )
        if token is None:
            raise NotFoundError(f"No token starts with {token_key!r}.")
        owner = token.user.username
        token.delete()
        audit_record(
            action="token.revoke",
            actor=revoked_by,
            object_type="knox.authtoken",
            object_id=token_key,
            summary={"for_user": owner},
        )


def audit_chain_check(*, actor: User | None = None) -> AuditChainReport:
    """Verify the chain and record the outcome, so a break is visible on the auditors' page."""
    report = audit_chain_verify()
    if not report.intact:
        logger.error("audit chain broken at row %s: %s", report.first_broken_id, report.problem)
    audit_record(
        action="audit.verify" if report.intact else "audit.verify_failed",
        actor=actor,
        summary={
            "intact": report.intact,
            "rows_checked": report.rows_checked,
            "first_broken_id": report.first_broken_id,
            "problem": report.problem,
        },
    )
    return report
