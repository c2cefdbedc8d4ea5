"""Writes of the intake: sources, situations and their teams, signals and their triage.

Every function validates its input field by field (ApplicationValidationError), checks that the
acting user may do it, writes inside one transaction with its audit row, and never puts the
content of classified text or a source's identity into the audit summary.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cases import access
from cases.models import (
    Category,
    Credibility,
    DatePrecision,
    DuplicateDecision,
    EventCluster,
    GroupKind,
    MonitoringStatus,
    Origin,
    Reliability,
    Signal,
    SignalSituationLink,
    SignalStatus,
    SignalUserObjectPermission,
    Situation,
    SituationMember,
    Source,
    SourceIdentity,
    SourceReliabilityChange,
    SourceType,
)
from r2p.countries import country_region, member_state_validate
from r2p.errors import ApplicationValidationError, ConflictError, NotFoundError
from r2p.models import Classification, User
from r2p.services import audit_record

_PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def _code(prefix: str, length: int = 4) -> str:
    return prefix + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(length))


def _require(user: User, permission: str, message: str) -> None:
    if not user.has_perm(permission):
        raise ApplicationValidationError({"non_field_errors": [message]})


def _classification(value: Any, actor: User, errors: dict, field: str = "classification") -> int:
    try:
        level = Classification.parse(value)
    except (ValueError, TypeError) as exc:
        errors[field] = [str(exc)]
        return Classification.PUBLIC
    if level > actor.clearance:
        errors[field] = [
            f"You are cleared up to {Classification(actor.clearance).label} and cannot file "
            f"material marked {level.label}."
        ]
    return level


# --- Sources ----------------------------------------------------------------------------------


def source_create(
    *,
    created_by: User,
    source_type: str,
    reliability: str,
    classification: Any = Classification.CONFIDENTIAL,
    name: str,
    organisation: str = "",
    contact: str = "",
    handling_notes: str = "",
) -> Source:
    """Register a source under a new pseudonym; its creator may see who it is."""
    _require(created_by, "cases.add_source", "Your role cannot register sources.")
    errors: dict[str, list[str]] = {}
    if source_type not in SourceType.values:
        errors["source_type"] = [f"Choose one of: {', '.join(SourceType.values)}."]
    reliability = str(reliability or "").strip().upper()
    if reliability not in Reliability.values:
        errors["reliability"] = ["The reliability grade is a letter from A to F."]
    level = _classification(classification, created_by, errors)
    if not name.strip():
        errors["name"] = ["Say who the source is; only its handlers will see it."]
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        for _ in range(20):
            pseudonym = _code("SRC-")
            if not Source.objects.filter(pseudonym=pseudonym).exists():
                break
        source = Source.objects.create(
            pseudonym=pseudonym,
            source_type=source_type,
            reliability=reliability,
            classification=level,
            created_by=created_by,
        )
        SourceIdentity.objects.create(
            source=source,
            name=name.strip(),
            organisation=organisation.strip(),
            contact=contact.strip(),
            handling_notes=handling_notes.strip(),
        )
        SourceReliabilityChange.objects.create(
            source=source, previous="", new=reliability, reason="Registered", changed_by=created_by
        )
        assign_perm("cases.view_source_identity", created_by, source)
        audit_record(
            action="source.create",
            actor=created_by,
            target=source,
            summary={"pseudonym": pseudonym, "type": source_type, "reliability": reliability},
        )
    return source


def source_reliability_change(
    *, source: Source, reliability: str, reason: str, changed_by: User
) -> Source:
    """Regrade a source; the old grade, the new one, who and why are kept."""
    _require(changed_by, "cases.change_source", "Your role cannot regrade sources.")
    reliability = str(reliability or "").strip().upper()
    errors: dict[str, list[str]] = {}
    if reliability not in Reliability.values:
        errors["reliability"] = ["The reliability grade is a letter from A to F."]
    if not reason.strip():
        errors["reason"] = ["Say why the grade changes; the reason is kept with the grade."]
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        locked = Source.objects.select_for_update().get(pk=source.pk)
        if locked.reliability == reliability:
            raise ApplicationValidationError(
                {"reliability": [f"{locked.pseudonym} is already graded {reliability}."]}
            )
        SourceReliabilityChange.objects.create(
            source=locked,
            previous=locked.reliability,
            new=reliability,
            reason=reason.strip(),
            changed_by=changed_by,
        )
        audit_record(
            action="source.regrade",
            actor=changed_by,
            target=locked,
            summary={"pseudonym": locked.pseudonym, "from": locked.reliability, "to": reliability},
        )
        locked.reliability = reliability
        locked.save(update_fields=["reliability"])
    return locked


def source_identity_grant(*, source: Source, user: User, granted_by: User) -> None:
    """Let one more person see who a source is. Only source-protection officers may."""
    if not granted_by.has_perm("cases.protect_sources"):
        raise ApplicationValidationError(
            {"user": ["Only a source-protection officer can share a source's identity."]}
        )
    if user.clearance < source.classification:
        raise ApplicationValidationError(
            {"user": [f"{user.username} is not cleared for this source's classification."]}
        )
    with transaction.atomic():
        assign_perm("cases.view_source_identity", user, source)
        audit_record(
            action="source.identity_grant",
            actor=granted_by,
            target=source,
            summary={"pseudonym": source.pseudonym, "granted_to": user.username},
        )


def source_use_grant(*, source: Source, partner: User, granted_by: User) -> None:
    """Let a partner system send signals attributed to this source (it sees the pseudonym)."""
    _require(granted_by, "cases.change_source", "Your role cannot manage sources.")
    with transaction.atomic():
        assign_perm("cases.view_source", partner, source)
        audit_record(
            action="source.use_grant",
            actor=granted_by,
            target=source,
            summary={"pseudonym": source.pseudonym, "granted_to": partner.username},
        )


# --- Situations -------------------------------------------------------------------------------


def _countries_clean(countries: Iterable[str], errors: dict) -> list[str]:
    cleaned: list[str] = []
    for raw in countries or []:
        try:
            code = member_state_validate(str(raw))
        except ValueError as exc:
            errors.setdefault("countries", []).append(str(exc))
            continue
        if code not in cleaned:
            cleaned.append(code)
    if not cleaned and "countries" not in errors:
        errors["countries"] = ["Name at least one country (ISO 3166-1 alpha-3, e.g. SDN)."]
    return cleaned


def _regions(countries: list[str]) -> tuple[list[str], list[str]]:
    regions, subregions = [], []
    for code in countries:
        region, narrower = country_region(code)
        if region and region not in regions:
            regions.append(region)
        subregions.extend(name for name in narrower if name not in subregions)
    return regions, subregions


def situation_create(
    *,
    created_by: User,
    title: str,
    countries: Iterable[str],
    lead_analyst: User | None = None,
    summary: str = "",
    subnational_areas: Iterable[str] = (),
    classification: Any = Classification.CONFIDENTIAL,
    status: str = MonitoringStatus.ACTIVE,
) -> Situation:
    """Open a situation; its creator and lead analyst form the first team."""
    _require(created_by, "cases.add_situation", "Your role cannot open situations.")
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Give the situation a title."]
    codes = _countries_clean(countries, errors)
    level = _classification(classification, created_by, errors)
    if status not in MonitoringStatus.values:
        errors["status"] = [f"Choose one of: {', '.join(MonitoringStatus.values)}."]
    lead = lead_analyst or created_by
    if not access.is_staff(lead):
        errors["lead_analyst"] = [f"{lead.username} is not on the joint-office staff."]
    elif lead.clearance < level:
        errors["lead_analyst"] = [f"{lead.username} is not cleared for this classification."]
    if errors:
        raise ApplicationValidationError(errors)
    regions, subregions = _regions(codes)
    with transaction.atomic():
        for _ in range(20):
            reference = _code("SIT-", 5)
            if not Situation.objects.filter(reference=reference).exists():
                break
        situation = Situation.objects.create(
            reference=reference,
            title=title.strip(),
            countries=codes,
            regions=regions,
            subregions=subregions,
            subnational_areas=[a.strip() for a in subnational_areas if a and a.strip()],
            summary=summary.strip(),
            classification=level,
            status=status,
            closed_at=timezone.now() if status == MonitoringStatus.CLOSED else None,
            lead_analyst=lead,
        )
        audit_record(
            action="situation.create",
            actor=created_by,
            target=situation,
            summary={"reference": reference, "countries": codes, "classification": level},
        )
        for member in {created_by, lead}:
            _member_add(situation, member, created_by)
    return situation


SITUATION_EDITABLE = (
    "title",
    "countries",
    "subnational_areas",
    "summary",
    "status",
    "classification",
    "lead_analyst",
)


def situation_update(
    *, situation: Situation, actor: User, expected_version: int | None, **changes: Any
) -> Situation:
    """Change a situation; a stale version (someone saved first) is a conflict."""
    if not access.situation_manageable(actor, situation):
        raise NotFoundError()
    unknown = set(changes) - set(SITUATION_EDITABLE)
    if unknown:
        raise ApplicationValidationError({f: ["This field cannot be changed."] for f in unknown})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "title" in changes:
        if not str(changes["title"]).strip():
            errors["title"] = ["Give the situation a title."]
        clean["title"] = str(changes["title"]).strip()
    if "countries" in changes:
        clean["countries"] = _countries_clean(changes["countries"], errors)
        clean["regions"], clean["subregions"] = _regions(clean["countries"])
    if "subnational_areas" in changes:
        clean["subnational_areas"] = [a.strip() for a in changes["subnational_areas"] if a.strip()]
    if "summary" in changes:
        clean["summary"] = str(changes["summary"]).strip()
    if "status" in changes:
        if changes["status"] not in MonitoringStatus.values:
            errors["status"] = [f"Choose one of: {', '.join(MonitoringStatus.values)}."]
        clean["status"] = changes["status"]
    if "classification" in changes:
        clean["classification"] = _classification(changes["classification"], actor, errors)
    if "lead_analyst" in changes:
        lead = changes["lead_analyst"]
        if not isinstance(lead, User) or not access.is_staff(lead):
            errors["lead_analyst"] = ["The lead analyst must be on the joint-office staff."]
        clean["lead_analyst"] = lead
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        locked = Situation.objects.select_for_update().get(pk=situation.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(
                f"Someone else saved this situation first (version {locked.version}); "
                "reload it and apply your changes again."
            )
        changed = [f for f, v in clean.items() if getattr(locked, f) != v]
        if "status" in changed:
            # When it was closed, for the reports' "monitored" counts; reopening empties it.
            closing = clean["status"] == MonitoringStatus.CLOSED
            locked.closed_at = timezone.now() if closing else None
        for field, value in clean.items():
            setattr(locked, field, value)
        locked.version += 1
        locked.save()
        if "lead_analyst" in changed:
            _member_add(locked, locked.lead_analyst, actor)
        audit_record(
            action="situation.change",
            actor=actor,
            target=locked,
            summary={"changed": sorted(changed)},
        )
    return locked


def _member_add(situation: Situation, user: User, actor: User) -> bool:
    _, created = SituationMember.objects.get_or_create(
        situation=situation, user=user, defaults={"added_by": actor}
    )
    assign_perm("cases.view_situation", user, situation)
    if created:
        audit_record(
            action="situation.team_add",
            actor=actor,
            target=situation,
            summary={"member": user.username},
        )
    return created


def situation_member_add(*, situation: Situation, user: User, actor: User) -> None:
    """Put someone on the team: they gain need-to-know for its confidential material."""
    if not access.situation_manageable(actor, situation):
        raise NotFoundError()
    if not access.is_staff(user):
        raise ApplicationValidationError({"user": [f"{user.username} is not joint-office staff."]})
    if user.clearance < situation.classification:
        raise ApplicationValidationError(
            {"user": [f"{user.username} is not cleared for this situation's classification."]}
        )
    with transaction.atomic():
        if not _member_add(situation, user, actor):
            raise ApplicationValidationError({"user": [f"{user.username} is already on the team."]})


def situation_member_remove(*, situation: Situation, user: User, actor: User) -> None:
    if not access.situation_manageable(actor, situation):
        raise NotFoundError()
    if user.pk == situation.lead_analyst_id:
        raise ApplicationValidationError(
            {"user": ["The lead analyst stays on the team; name another lead first."]}
        )
    with transaction.atomic():
        deleted, _ = SituationMember.objects.filter(situation=situation, user=user).delete()
        if not deleted:
            raise ApplicationValidationError({"user": [f"{user.username} is not on the team."]})
        remove_perm("cases.view_situation", user, situation)
        audit_record(
            action="situation.team_remove",
            actor=actor,
            target=situation,
            summary={"member": user.username},
        )


# --- Signals: validation ----------------------------------------------------------------------

SIGNAL_FIELDS = (
    "headline",
    "description",
    "occurred_on",
    "occurred_precision",
    "reported_at",
    "country",
    "admin1",
    "place_name",
    "latitude",
    "longitude",
    "category",
    "perpetrators",
    "targeted_group",
    "targeted_group_kind",
    "fatalities_best",
    "fatalities_low",
    "fatalities_high",
    "source",
    "credibility",
    "classification",
    "external_id",
    "original_source_text",
    "language",
)


# Membership checks run once per row of a 16,000-row import: build the sets once.
_CATEGORIES = frozenset(Category.values)
_PRECISIONS = frozenset(DatePrecision.values)
_GROUP_KINDS = frozenset(GroupKind.values)
_CREDIBILITIES = frozenset(Credibility.values)


def latest_possible_date() -> date:
    """The latest date that is not in the future anywhere on Earth (UTC+14)."""
    return (timezone.now() + timedelta(hours=14)).date()


def _int_or_none(value: Any, field: str, errors: dict, *, minimum: int | None = None) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
    except (TypeError, ValueError):
        errors[field] = ["Enter a whole number."]
        return None
    if minimum is not None and number < minimum:
        errors[field] = [f"Must be {minimum} or more; a count cannot be negative."]
        return None
    return number


def _float_or_none(value: Any, field: str, errors: dict) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[field] = ["Enter a number in decimal degrees."]
        return None
    if number != number:  # NaN
        errors[field] = ["Enter a number in decimal degrees."]
        return None
    return number


def signal_validate(data: dict[str, Any], *, actor: User) -> tuple[dict[str, Any], dict]:
    """Check one signal's fields; return the cleaned values and the problems, by field.

    Shared by the form, the API (one and bulk) and the file imports, so that a rule lives once.
    `source` must already be a Source the actor may use; parsing strings into dates is the
    caller's job, range and consistency checks are this function's.
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    headline = str(data.get("headline") or "").strip()
    if not headline:
        errors["headline"] = ["A headline is required: one line saying what happened."]
    elif len(headline) > 300:
        errors["headline"] = [f"Keep the headline to 300 characters (it has {len(headline)})."]
    clean["headline"] = headline[:300]
    clean["description"] = str(data.get("description") or "").strip()

    occurred = data.get("occurred_on")
    if not isinstance(occurred, date) or isinstance(occurred, datetime):
        errors["occurred_on"] = ["Give the date of the event (YYYY-MM-DD)."]
    elif occurred > latest_possible_date():
        errors["occurred_on"] = [f"{occurred:%d %b %Y} is in the future."]
    elif occurred.year < 1900:
        errors["occurred_on"] = ["Dates before 1900 are not plausible here."]
    clean["occurred_on"] = occurred
    precision = data.get("occurred_precision") or DatePrecision.DAY
    if precision not in _PRECISIONS:
        errors["occurred_precision"] = [f"Choose one of: {', '.join(DatePrecision.values)}."]
    clean["occurred_precision"] = precision

    reported = data.get("reported_at") or timezone.now()
    if not isinstance(reported, datetime):
        errors["reported_at"] = ["Give when it was reported (an ISO 8601 date and time)."]
    else:
        if timezone.is_naive(reported):
            reported = timezone.make_aware(reported, timezone.get_fixed_timezone(0))
        if reported > timezone.now() + timedelta(minutes=5):
            errors["reported_at"] = ["The report time is in the future."]
    clean["reported_at"] = reported

    country = str(data.get("country") or "").strip().upper()
    try:
        clean["country"] = member_state_validate(country) if country else ""
    except ValueError as exc:
        errors["country"] = [str(exc)]
        clean["country"] = country
    if not country:
        errors["country"] = ["Name the country (ISO 3166-1 alpha-3, e.g. SDN)."]
    clean["admin1"] = str(data.get("admin1") or "").strip()[:120]
    clean["place_name"] = str(data.get("place_name") or "").strip()[:200]

    lat = _float_or_none(data.get("latitude"), "latitude", errors)
    lon = _float_or_none(data.get("longitude"), "longitude", errors)
    if lat is not None and not -90 <= lat <= 90:
        errors["latitude"] = [f"Latitude {lat:g} is outside -90 to 90."]
    if lon is not None and not -180 <= lon <= 180:
        errors["longitude"] = [f"Longitude {lon:g} is outside -180 to 180."]
    if (lat is None) != (lon is None) and "latitude" not in errors and "longitude" not in errors:
        missing = "longitude" if lon is None else "latitude"
        errors[missing] = ["Give both latitude and longitude, or neither."]
    clean["latitude"], clean["longitude"] = lat, lon

    category = data.get("category")
    if category not in _CATEGORIES:
        errors["category"] = [f"Choose a category: {', '.join(Category.values)}."]
    clean["category"] = category
    clean["perpetrators"] = str(data.get("perpetrators") or "").strip()[:500]
    clean["targeted_group"] = str(data.get("targeted_group") or "").strip()[:300]
    kind = data.get("targeted_group_kind") or ""
    if kind and kind not in _GROUP_KINDS:
        errors["targeted_group_kind"] = [f"Choose one of: {', '.join(GroupKind.values)}."]
    clean["targeted_group_kind"] = kind

    best = _int_or_none(data.get("fatalities_best"), "fatalities_best", errors, minimum=0)
    low = _int_or_none(data.get("fatalities_low"), "fatalities_low", errors, minimum=0)
    high = _int_or_none(data.get("fatalities_high"), "fatalities_high", errors, minimum=0)
    if low is not None and best is not None and low > best:
        errors["fatalities_low"] = ["The low estimate is above the best estimate."]
    if high is not None and best is not None and high < best:
        errors["fatalities_high"] = ["The high estimate is below the best estimate."]
    if best is None and (low is not None or high is not None) and not errors.get("fatalities_best"):
        errors["fatalities_best"] = ["Give a best estimate alongside a low or high one."]
    clean["fatalities_best"], clean["fatalities_low"], clean["fatalities_high"] = best, low, high

    source = data.get("source")
    if not isinstance(source, Source):
        errors["source"] = ["Name the source by its pseudonym (e.g. SRC-4K7Q)."]
    clean["source"] = source

    credibility = _int_or_none(data.get("credibility"), "credibility", errors)
    if credibility is None and "credibility" not in errors:
        errors["credibility"] = ["Grade the information's credibility from 1 to 6."]
    elif credibility is not None and credibility not in _CREDIBILITIES:
        errors["credibility"] = ["Credibility is a grade from 1 (confirmed) to 6 (cannot judge)."]
    clean["credibility"] = credibility

    clean["classification"] = _classification(
        data.get("classification", Classification.CONFIDENTIAL), actor, errors
    )
    clean["external_id"] = str(data.get("external_id") or "").strip()[:100]
    clean["original_source_text"] = str(data.get("original_source_text") or "").strip()
    language = str(data.get("language") or "en").strip().lower()
    if not (2 <= len(language) <= 8 and language.replace("-", "").isalpha()):
        errors["language"] = ["Give a language code such as en, fr or ar."]
    clean["language"] = language
    return clean, errors


def _audit_signal(action: str, actor: User, signal: Signal, **extra: Any) -> None:
    audit_record(
        action=action,
        actor=actor,
        target=signal,
        summary={
            "source": signal.source.pseudonym,
            "classification": signal.classification,
            **extra,
        },
    )


# --- Signals: writes --------------------------------------------------------------------------


def signal_create(*, actor: User, data: dict[str, Any], origin: str = Origin.FORM) -> Signal:
    """File one signal. A re-sent (origin, external_id) is reported against `external_id`."""
    _require(actor, "cases.add_signal", "Your role cannot file signals.")
    clean, errors = signal_validate(data, actor=actor)
    if (
        clean["external_id"]
        and Signal.objects.filter(origin=origin, external_id=clean["external_id"]).exists()
    ):
        errors["external_id"] = [f"A signal with external id {clean['external_id']!r} exists."]
    if errors:
        raise ApplicationValidationError(errors)
    try:
        with transaction.atomic():
            signal = Signal.objects.create(**clean, origin=origin, created_by=actor)
            if signal.classification == Classification.STRICTLY_CONFIDENTIAL:
                # Strictly confidential material reaches named people only; the filer is one.
                assign_perm("cases.view_signal", actor, signal)
            _audit_signal("signal.create", actor, signal, origin=origin)
    except IntegrityError as exc:
        # Two requests racing with the same external id: the database constraint decided.
        raise ApplicationValidationError(
            {"external_id": [f"A signal with external id {clean['external_id']!r} exists."]}
        ) from exc
    return signal


def signals_create_many(
    *, actor: User, rows: list[dict[str, Any]], origin: str = Origin.API
) -> list[Signal]:
    """File many signals, all or nothing; problems are keyed `rows[i].field`."""
    _require(actor, "cases.add_signal", "Your role cannot file signals.")
    errors: dict[str, list[str]] = {}
    cleaned: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        clean, row_errors = signal_validate(row, actor=actor)
        external = clean["external_id"]
        if external:
            if external in seen:
                row_errors["external_id"] = [f"Repeats the external id of row {seen[external]}."]
            seen.setdefault(external, index)
        for field, messages in row_errors.items():
            errors[f"rows[{index}].{field}"] = messages
        cleaned.append(clean)
    if seen:
        existing = set(
            # exclude(external_id="") lets PostgreSQL use the partial unique index.
            Signal.objects.filter(origin=origin, external_id__in=list(seen))
            .exclude(external_id="")
            .values_list("external_id", flat=True)
        )
        for external in existing:
            errors[f"rows[{seen[external]}].external_id"] = [
                f"A signal with external id {external!r} exists."
            ]
    if errors:
        raise ApplicationValidationError(errors, "Nothing was saved: some rows are not valid.")
    objects = [Signal(**clean, origin=origin, created_by=actor) for clean in cleaned]
    try:
        with transaction.atomic():
            created = Signal.objects.bulk_create(objects, batch_size=1000)
            _grant_filer_strictly_confidential(actor, created)
            audit_record(
                action="signal.bulk_create",
                actor=actor,
                object_type="cases.signal",
                summary={
                    "count": len(created),
                    "first_id": created[0].pk if created else None,
                    "last_id": created[-1].pk if created else None,
                    "origin": origin,
                },
            )
    except IntegrityError as exc:
        raise ConflictError("Another request filed some of these external ids first.") from exc
    return created


def _grant_filer_strictly_confidential(actor: User, signals: list[Signal]) -> None:
    from django.contrib.auth.models import Permission

    strict = [s for s in signals if s.classification == Classification.STRICTLY_CONFIDENTIAL]
    if not strict:
        return
    view = Permission.objects.get(content_type__app_label="cases", codename="view_signal")
    SignalUserObjectPermission.objects.bulk_create(
        [SignalUserObjectPermission(user=actor, permission=view, content_object=s) for s in strict]
    )


def signal_update(
    *, signal: Signal, actor: User, expected_version: int, changes: dict[str, Any]
) -> Signal:
    """Change a signal's fields; a stale version is a conflict (the API answers 412)."""
    _require(actor, "cases.change_signal", "Your role cannot change signals.")
    unknown = set(changes) - set(SIGNAL_FIELDS)
    if unknown:
        raise ApplicationValidationError({f: ["This field cannot be changed."] for f in unknown})
    with transaction.atomic():
        locked = Signal.objects.select_for_update().select_related("source").get(pk=signal.pk)
        if locked.version != expected_version:
            raise ConflictError(
                f"The signal changed since you read it (now version {locked.version})."
            )
        current = {field: getattr(locked, field) for field in SIGNAL_FIELDS}
        clean, errors = signal_validate({**current, **changes}, actor=actor)
        if errors:
            raise ApplicationValidationError(
                {f: m for f, m in errors.items() if f in changes} or errors
            )
        changed = sorted(f for f in changes if clean[f] != current[f])
        if (
            "external_id" in changed
            and clean["external_id"]
            and Signal.objects.filter(origin=locked.origin, external_id=clean["external_id"])
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise ApplicationValidationError(
                {"external_id": [f"A signal with external id {clean['external_id']!r} exists."]}
            )
        for field in changed:
            setattr(locked, field, clean[field])
        locked.version += 1
        locked.save()
        _audit_signal("signal.change", actor, locked, changed=changed)
    return locked


# The triage workflow, as data: from each status, the statuses a signal may move to.
SIGNAL_TRANSITIONS: dict[str, set[str]] = {
    SignalStatus.NEW: {SignalStatus.TRIAGED, SignalStatus.DISMISSED, SignalStatus.DUPLICATE},
    SignalStatus.TRIAGED: {SignalStatus.DISMISSED, SignalStatus.DUPLICATE},
    SignalStatus.DISMISSED: {SignalStatus.NEW},
    SignalStatus.DUPLICATE: {SignalStatus.NEW},
}


def _signal_transition(
    signal: Signal, to: str, actor: User, *, reason: str = "", duplicate_of: Signal | None = None
) -> Signal:
    """The one place that assigns Signal.status. Caller holds the row lock."""
    if to not in SIGNAL_TRANSITIONS[signal.status]:
        raise ConflictError(
            f"A {signal.get_status_display().lower()} signal cannot become "
            f"{SignalStatus(to).label.lower()}."
        )
    previous = signal.status
    signal.status = to
    signal.dismissed_reason = reason if to == SignalStatus.DISMISSED else ""
    signal.duplicate_of = duplicate_of if to == SignalStatus.DUPLICATE else None
    signal.version += 1
    signal.save(
        update_fields=["status", "dismissed_reason", "duplicate_of", "version", "updated_at"]
    )
    extra: dict[str, Any] = {"from": previous, "to": to}
    if duplicate_of is not None:
        extra["duplicate_of"] = duplicate_of.pk
    _audit_signal("signal.status", actor, signal, **extra)
    return signal


def _lock(signal: Signal) -> Signal:
    return Signal.objects.select_for_update().select_related("source").get(pk=signal.pk)


def signal_link(*, signal: Signal, situation: Situation, actor: User) -> SignalSituationLink:
    """Link a signal to a situation; a new signal is thereby triaged."""
    _require(actor, "cases.change_signal", "Your role cannot triage signals.")
    with transaction.atomic():
        locked = _lock(signal)
        link, created = SignalSituationLink.objects.get_or_create(
            signal=locked, situation=situation, defaults={"linked_by": actor}
        )
        if not created:
            raise ApplicationValidationError(
                {"situation": [f"Already linked to {situation.reference}."]}
            )
        audit_record(
            action="signal.link",
            actor=actor,
            target=locked,
            summary={"situation": situation.reference},
        )
        if locked.status == SignalStatus.NEW:
            _signal_transition(locked, SignalStatus.TRIAGED, actor)
    return link


def signal_dismiss(*, signal: Signal, actor: User, reason: str) -> Signal:
    _require(actor, "cases.change_signal", "Your role cannot triage signals.")
    if not reason.strip():
        raise ApplicationValidationError({"reason": ["Say why the signal is dismissed."]})
    with transaction.atomic():
        return _signal_transition(_lock(signal), SignalStatus.DISMISSED, actor, reason=reason)


def signal_reopen(*, signal: Signal, actor: User) -> Signal:
    _require(actor, "cases.change_signal", "Your role cannot triage signals.")
    with transaction.atomic():
        return _signal_transition(_lock(signal), SignalStatus.NEW, actor)


def _cluster_together(first: Signal, second: Signal) -> EventCluster:
    """Put two signals (and everything already clustered with them) in one cluster."""
    clusters = {c for c in (first.cluster_id, second.cluster_id) if c}
    if not clusters:
        cluster = EventCluster.objects.create()
    else:
        keep = min(clusters)
        cluster = EventCluster.objects.get(pk=keep)
        others = clusters - {keep}
        if others:
            Signal.objects.filter(cluster_id__in=others).update(cluster=cluster)
            EventCluster.objects.filter(pk__in=others).delete()
    Signal.objects.filter(pk__in=[first.pk, second.pk]).update(cluster=cluster)
    first.cluster, second.cluster = cluster, cluster
    return cluster


def signal_mark_duplicate(*, signal: Signal, original: Signal, actor: User) -> Signal:
    """The same report again: `signal` becomes a duplicate of `original`, in one cluster."""
    _require(actor, "cases.change_signal", "Your role cannot triage signals.")
    if signal.pk == original.pk:
        raise ApplicationValidationError({"original": ["A signal cannot duplicate itself."]})
    with transaction.atomic():
        first, second = sorted([signal, original], key=lambda s: s.pk)
        locked = {s.pk: _lock(s) for s in (first, second)}
        target, kept = locked[signal.pk], locked[original.pk]
        if kept.status == SignalStatus.DUPLICATE:
            raise ApplicationValidationError(
                {"original": [f"#{kept.pk} is itself a duplicate; choose #{kept.duplicate_of_id}."]}
            )
        _cluster_together(target, kept)
        DuplicateDecision.objects.update_or_create(
            signal=target,
            candidate=kept,
            defaults={"verdict": DuplicateDecision.Verdict.CONFIRMED, "decided_by": actor},
        )
        return _signal_transition(target, SignalStatus.DUPLICATE, actor, duplicate_of=kept)


def duplicate_decide(*, signal: Signal, candidate: Signal, same_event: bool, actor: User) -> None:
    """An analyst's verdict on a suggestion, kept so the pair is not suggested again.

    Same event from independent sources: the two join one cluster and corroborate each other.
    Same event from the same source: the later one is a duplicate of the earlier.
    """
    _require(actor, "cases.change_signal", "Your role cannot triage signals.")
    if signal.pk == candidate.pk:
        raise ApplicationValidationError({"candidate": ["Choose another signal."]})
    verdict = (
        DuplicateDecision.Verdict.CONFIRMED if same_event else DuplicateDecision.Verdict.REJECTED
    )
    if same_event and signal.source_id == candidate.source_id:
        later, earlier = sorted([signal, candidate], key=lambda s: s.pk, reverse=True)
        signal_mark_duplicate(signal=later, original=earlier, actor=actor)
        return
    with transaction.atomic():
        first, second = sorted([signal, candidate], key=lambda s: s.pk)
        locked = {s.pk: _lock(s) for s in (first, second)}
        DuplicateDecision.objects.update_or_create(
            signal=locked[signal.pk],
            candidate=locked[candidate.pk],
            defaults={"verdict": verdict, "decided_by": actor},
        )
        if same_event:
            _cluster_together(locked[signal.pk], locked[candidate.pk])
        audit_record(
            action="signal.duplicate_decision",
            actor=actor,
            target=locked[signal.pk],
            summary={"candidate": candidate.pk, "verdict": verdict},
        )


def signals_bulk_triage(
    *,
    actor: User,
    signals: list[Signal],
    action: str,
    situation: Situation | None = None,
    reason: str = "",
    original: Signal | None = None,
) -> dict[str, list]:
    """The inbox's bulk actions. Each signal succeeds or fails on its own; the result says which.

    `action` is one of link, dismiss, duplicate.
    """
    done: list[int] = []
    failed: list[tuple[int, str]] = []
    for signal in signals:
        try:
            if action == "link":
                if situation is None:
                    raise ApplicationValidationError({"situation": ["Choose a situation."]})
                signal_link(signal=signal, situation=situation, actor=actor)
            elif action == "dismiss":
                signal_dismiss(signal=signal, actor=actor, reason=reason)
            elif action == "duplicate":
                if original is None:
                    raise ApplicationValidationError({"original": ["Choose the original signal."]})
                signal_mark_duplicate(signal=signal, original=original, actor=actor)
            else:
                raise ApplicationValidationError({"action": [f"Unknown action {action!r}."]})
            done.append(signal.pk)
        except (ApplicationValidationError, ConflictError) as exc:
            message = exc.message
            if getattr(exc, "fields", None):
                message = "; ".join(m for ms in exc.fields.values() for m in ms)
            failed.append((signal.pk, message))
    return {"done": done, "failed": failed}
