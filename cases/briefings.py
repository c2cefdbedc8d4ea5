"""Briefings: what the Secretary-General reads about an escalation.

A briefing is compiled from the records into a snapshot (`Briefing.content`, plain JSON) and
hashed (SHA-256 of its canonical JSON). While the escalation is in the joint office the WORKING
briefing is recompiled in place; at endorsement (or on the urgent path) it is FROZEN: one
immutable row per escalation that nothing changes afterwards, whatever happens to the records.

Every item of the snapshot carries its own `classification`, so that a releasable version for a
lower level is the same content with the items above that level left out and a visible note in
their place. Sources appear by pseudonym and Admiralty grade only, never by identity.

The same HTML (templates/cases/_briefing_body.html) is read in the browser and made into a PDF
by WeasyPrint with cases/static/cases/briefing.css, the marking in the header and footer of
every page.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from copy import deepcopy
from datetime import date, datetime
from typing import Any

from django.contrib.staticfiles import finders
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from cases import access
from cases.models import (
    USUAL_LEGAL_BASIS,
    Body,
    Briefing,
    BriefingStatus,
    Dissent,
    Escalation,
    EscalationStatus,
    ReleasableBriefing,
)
from r2p.countries import country_name, member_state_validate
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError, NotFoundError
from r2p.models import Classification, User
from r2p.services import audit_record

S = EscalationStatus
SCHEMA = 1
KEY_SIGNALS = 15
DISSENT_LIMIT = 20_000
# While the escalation is in these statuses the working briefing follows the records.
RECOMPILED_IN = (S.DRAFT, S.IN_REVIEW, S.REVIEWED)
RECOMPILE_ON = frozenset({"submit", "review", "return"})
FREEZE_ON = frozenset({"endorse", "urgent"})
REVIEWER_PERMISSIONS = (
    "cases.review_escalation",
    "cases.endorse_escalation",
    "cases.decide_escalation",
)

# The legal basis written beside a recommended routing when the joint office gave none.
DEFAULT_LEGAL_BASIS = USUAL_LEGAL_BASIS  # cases.models

# The sections of a briefing, in reading order: (key, heading).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("situation", "The situation"),
    ("escalation", "Why now"),
    ("risk", "Risk of atrocity crimes"),
    ("trend", "Risk trend"),
    ("factors", "Risk factors"),
    ("signals", "Key signals"),
    ("flags", "Evidence flags"),
    ("challenges", "Open challenges"),
    ("options", "Recommended response options"),
    ("routing", "Recommended routing"),
    ("dissents", "Dissenting views"),
)
SECTION_TITLES = dict(SECTIONS)


# --- Hashing ------------------------------------------------------------------------------------


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of `content` (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- Compiling ----------------------------------------------------------------------------------


def briefing_content(*, escalation: Escalation, today: date | None = None) -> dict[str, Any]:
    """The snapshot of the records behind `escalation`, as plain JSON. Reads only; see
    briefing_compile for the write. A fixed number of queries whatever the counts."""
    from assessments.models import Assessment, AssessmentStatus, CrimeType, Evidence, FlagKind
    from assessments.risk import risk_compute
    from assessments.selectors import challenge_target_label, challenges_relevant, flags_of
    from cases.selectors import signal_corroboration

    escalation = (
        Escalation.objects.select_related(
            "situation", "assessment", "drafted_by", "reviewed_by", "endorsed_by"
        )
        .prefetch_related("response_options__instrument")
        .get(pk=escalation.pk)
    )
    situation = escalation.situation
    assessment = escalation.assessment
    sections: dict[str, list[dict[str, Any]]] = {key: [] for key, _ in SECTIONS}

    sections["situation"].append(
        {
            "classification": situation.classification,
            "reference": situation.reference,
            "title": situation.title,
            "countries": [
                {"code": code, "name": country_name(code) or code} for code in situation.countries
            ],
            "subnational_areas": list(situation.subnational_areas),
            "summary": situation.summary,
        }
    )
    sections["escalation"].append(
        {
            "classification": escalation.classification,
            "summary": escalation.summary,
            "urgent": escalation.urgent,
            "urgent_justification": escalation.urgent_justification,
            "status": escalation.get_status_display(),
            "drafted_by": _name(escalation.drafted_by),
            "reviewed_by": _name(escalation.reviewed_by),
            "endorsed_by": _name(escalation.endorsed_by),
        }
    )

    if assessment is not None:
        level = assessment.classification
        judgments = list(
            assessment.judgments.select_related("factor")
            .prefetch_related(
                Prefetch("evidence", Evidence.objects.select_related("signal__source"))
            )
            .order_by("factor__number")
        )
        risk = risk_compute({j.factor.number: j.level for j in judgments})
        sections["risk"].append(
            {
                "classification": level,
                "version": assessment.version,
                "approved_at": _iso(assessment.approved_at),
                "overall": int(assessment.overall_level),
                "computed": int(assessment.computed_level),
                "overall_reason": risk.overall_reason,
                "override": assessment.override_level,
                "override_justification": assessment.override_justification,
                "crimes": [
                    {
                        "crime": crime,
                        "label": CrimeType(crime).label,
                        "level": int(getattr(assessment, f"{crime}_level")),
                        "reason": result.reason,
                    }
                    for crime, result in risk.crimes.items()
                ],
                "narrative": assessment.overall_narrative,
            }
        )
        for judgment in judgments:
            evidence = list(judgment.evidence.all())
            sections["factors"].append(
                {
                    "classification": level,
                    "number": judgment.factor.number,
                    "title": judgment.factor.title,
                    "level": judgment.level,
                    "level_label": judgment.get_level_display(),
                    "confidence": judgment.get_confidence_display(),
                    "evidence": len(evidence),
                    "narrative": judgment.narrative,
                }
            )
            for flag in sorted(flags_of(judgment.level, evidence)):
                sections["flags"].append(
                    {
                        "classification": level,
                        "factor": judgment.factor.number,
                        "flag": FlagKind(flag).label,
                        "acknowledged": flag in judgment.acknowledged_flags,
                    }
                )

        # Key signals: the evidence of the assessment, most corroborated first.
        backing: dict[int, set[int]] = {}
        signals = {}
        for judgment in judgments:
            for item in judgment.evidence.all():
                signals[item.signal_id] = item.signal
                backing.setdefault(item.signal_id, set()).add(judgment.factor.number)
        corroboration = signal_corroboration(list(signals.values()))
        ranked = sorted(
            signals.values(),
            key=lambda s: (-corroboration[s.pk], -s.occurred_on.toordinal(), -s.pk),
        )
        for signal in ranked[:KEY_SIGNALS]:
            sections["signals"].append(
                {
                    "classification": signal.classification,
                    "id": signal.pk,
                    "headline": signal.headline,
                    "occurred_on": _iso(signal.occurred_on),
                    "country": signal.country,
                    "country_name": country_name(signal.country) or signal.country,
                    "grade": f"{signal.source.reliability}{signal.credibility}",
                    "source": signal.source.pseudonym,
                    "reliability": signal.source.get_reliability_display(),
                    "corroboration": corroboration[signal.pk],
                    "factors": sorted(backing[signal.pk]),
                }
            )

        # Challenges: which record, and where they stand; their reasoning stays in the record.
        for challenge in challenges_relevant(assessment):
            sections["challenges"].append(
                {
                    "classification": level,
                    "id": challenge.pk,
                    "target": challenge_target_label(challenge),
                    "status": challenge.get_status_display(),
                }
            )

        # The trend: every approved version of the situation, oldest first.
        for row in (
            Assessment.objects.filter(situation=situation, status=AssessmentStatus.APPROVED)
            .order_by("approved_at", "version")
            .values(
                "classification",
                "version",
                "approved_at",
                "overall_level",
                "genocide_level",
                "crimes_against_humanity_level",
                "war_crimes_level",
            )
        ):
            sections["trend"].append(
                {
                    "classification": row["classification"],
                    "version": row["version"],
                    "approved_at": _iso(row["approved_at"]),
                    "overall": row["overall_level"],
                    "genocide": row["genocide_level"],
                    "crimes_against_humanity": row["crimes_against_humanity_level"],
                    "war_crimes": row["war_crimes_level"],
                }
            )

    for option in sorted(escalation.response_options.all(), key=lambda o: o.pk):
        sections["options"].append(
            {
                "classification": situation.classification,
                "id": option.pk,
                "instrument": option.instrument.name,
                "pillar": option.instrument.get_pillar_display(),
                "lead_actor": option.lead_actor,
                "rationale": option.rationale,
                "feasibility": option.get_feasibility_display(),
            }
        )

    for routing in escalation.recommended_routing or []:
        sections["routing"].append(
            {"classification": escalation.classification, **routing_entry(routing)}
        )

    for dissent in Dissent.objects.filter(escalation=escalation).select_related("author"):
        sections["dissents"].append(
            {
                "classification": escalation.classification,
                "author": _name(dissent.author),
                "text": dissent.text,
                "at": _iso(dissent.created_at),
            }
        )

    return {
        "schema": SCHEMA,
        "reference": escalation.reference,
        "situation_reference": situation.reference,
        "date": (today or timezone.localdate()).isoformat(),
        "urgent": escalation.urgent,
        "sections": [
            {"key": key, "title": title, "items": sections[key], "withheld": 0}
            for key, title in SECTIONS
        ],
    }


def routing_entry(routing: dict[str, Any]) -> dict[str, str]:
    """One recommended routing as the briefing shows it: the body named in full and its legal
    basis (the joint office's, or the default for the body)."""
    from cases.models import RegionalArrangement

    body = str(routing.get("body") or "")
    label = Body(body).label if body in Body.values else body
    if body == Body.REGIONAL and routing.get("regional_arrangement"):
        arrangement = RegionalArrangement.objects.filter(
            acronym=routing["regional_arrangement"]
        ).first()
        label = str(arrangement) if arrangement else str(routing["regional_arrangement"])
    elif body == Body.OTHER and routing.get("other_body"):
        label = str(routing["other_body"])
    return {
        "body": body,
        "body_label": label,
        "legal_basis": str(routing.get("legal_basis") or DEFAULT_LEGAL_BASIS.get(body, "")),
        "rationale": str(routing.get("rationale") or ""),
    }


def content_classification(content: dict[str, Any]) -> int:
    """The highest classification of anything in `content` (PUBLIC when it holds nothing)."""
    return max(
        (item["classification"] for section in content["sections"] for item in section["items"]),
        default=Classification.PUBLIC,
    )


def _lock(escalation: Escalation) -> Escalation:
    return Escalation.objects.select_for_update().get(pk=escalation.pk)


def briefing_compile(*, escalation: Escalation) -> Briefing:
    """Compile the working briefing of `escalation` from the records, replacing the previous
    working copy in place (under the escalation's row lock). Past the joint office, once the
    briefing is frozen, the frozen briefing is returned unchanged."""
    frozen = current_frozen(escalation)
    if frozen is not None and escalation.status not in RECOMPILED_IN:
        return frozen
    return _compile_working(escalation)


def current_frozen(escalation: Escalation) -> Briefing | None:
    """The frozen briefing the desk reads: the one of the latest endorsement."""
    return escalation.briefings.filter(
        status=BriefingStatus.FROZEN, superseded_at__isnull=True
    ).first()


def briefing_freeze(*, escalation: Escalation) -> Briefing:
    """Turn the current working briefing into the escalation's frozen briefing: an immutable
    snapshot from now on. A briefing frozen at an earlier endorsement (the escalation was
    returned since) is marked superseded, never changed. 409 when there is nothing to freeze."""
    with transaction.atomic():
        escalation = _lock(escalation)
        working = (
            Briefing.objects.select_for_update()
            .filter(escalation=escalation, status=BriefingStatus.WORKING)
            .first()
        )
        if working is None:
            raise ConflictError(
                f"{escalation.reference} has no compiled briefing to freeze; compile it first."
            )
        now = timezone.now()
        superseded = escalation.briefings.filter(
            status=BriefingStatus.FROZEN, superseded_at__isnull=True
        ).update(superseded_at=now)
        working.status = BriefingStatus.FROZEN
        working.frozen_at = now
        working.save(update_fields=["status", "frozen_at"])
        audit_record(
            action="briefing.freeze",
            actor_username="workflow",
            target=working,
            summary={
                "escalation": escalation.reference,
                "hash": working.content_hash,
                "superseded": superseded,
            },
        )
    return working


def briefing_on_transition(escalation: Escalation, action: str) -> Briefing | None:
    """Keep the briefing in step with the workflow; escalation_transition calls it after a
    move, inside its transaction. Submit, review and return recompile the working copy;
    endorse and the urgent path compile it one last time and freeze it (superseding the
    briefing of an earlier endorsement, if the escalation was returned since)."""
    if action in RECOMPILE_ON and escalation.status in RECOMPILED_IN:
        return _compile_working(escalation)
    if action in FREEZE_ON:
        _compile_working(escalation)
        return briefing_freeze(escalation=escalation)
    return None


def _compile_working(escalation: Escalation) -> Briefing:
    """Compile the working copy even when an earlier frozen briefing exists (after a return)."""
    with transaction.atomic():
        locked = _lock(escalation)
        content = briefing_content(escalation=locked)
        digest = content_hash(content)
        working, _ = Briefing.objects.select_for_update().get_or_create(
            escalation=locked,
            status=BriefingStatus.WORKING,
            defaults={
                "content": content,
                "content_hash": digest,
                "classification": max(content_classification(content), locked.classification),
                "compiled_at": timezone.now(),
            },
        )
        if working.content_hash != digest:
            working.content = content
            working.content_hash = digest
            working.classification = max(content_classification(content), locked.classification)
            working.compiled_at = timezone.now()
            working.save()
    return working


# --- Dissents -----------------------------------------------------------------------------------


def dissent_add(*, escalation: Escalation, actor: User, text: str) -> Dissent:
    """A reviewer's dissenting view, attached to the escalation and compiled into its working
    briefing. Any reviewer (review, endorse or decide permission) who may see the escalation;
    refused once the briefing is frozen, since it travels with the briefing."""
    if not any(actor.has_perm(p) for p in REVIEWER_PERMISSIONS):
        raise ForbiddenError("Only reviewers attach dissenting views.")
    escalation = access.access_escalation(actor, escalation.pk)
    if not isinstance(text, str) or not text.strip():
        raise ApplicationValidationError({"text": ["Write the dissenting view."]})
    text = text.strip()
    if len(text) > DISSENT_LIMIT:
        raise ApplicationValidationError(
            {"text": [f"Keep this under {DISSENT_LIMIT:,} characters."]}
        )
    with transaction.atomic():
        escalation = _lock(escalation)
        if escalation.status not in RECOMPILED_IN:
            raise ConflictError(
                f"The briefing of {escalation.reference} is frozen: attach dissents before "
                "endorsement."
            )
        dissent = Dissent.objects.create(escalation=escalation, author=actor, text=text)
        audit_record(
            action="escalation.dissent",
            actor=actor,
            target=escalation,
            summary={"dissent": dissent.pk},
        )
        _compile_working(escalation)
    return dissent


# --- Releasable versions ------------------------------------------------------------------------


def withheld_note(count: int, level: int) -> str:
    item = "item" if count == 1 else "items"
    return f"{count} {item} withheld above {Classification(level).label}"


def content_for_level(content: dict[str, Any], level: int) -> tuple[dict[str, Any], int]:
    """`content` with every item above `level` left out; a section left with nothing keeps
    only its heading and the note. Returns the new content and how many items were withheld."""
    released = deepcopy(content)
    total = 0
    for section in released["sections"]:
        kept = [item for item in section["items"] if item["classification"] <= level]
        dropped = len(section["items"]) - len(kept)
        section["items"] = kept
        section["withheld"] = dropped
        if dropped:
            section["withheld_note"] = withheld_note(dropped, level)
        total += dropped
    released["release_level"] = int(level)
    return released, total


def briefing_release(
    *,
    briefing: Briefing,
    level: object,
    actor: User,
    shared_with: Iterable[str] | None = None,
) -> ReleasableBriefing:
    """A version of a frozen briefing for `level` (at most the briefing's own), shared with
    the member states named by ISO 3166-1 alpha-3 code. The SG Office only."""
    if not actor.has_perm("cases.decide_escalation"):
        raise ForbiddenError("Only the Secretary-General's Office releases briefings.")
    escalation = access.access_escalation(actor, briefing.escalation_id)
    if not actor.has_clearance(briefing.classification):
        raise ForbiddenError("Your clearance does not cover this briefing.")
    errors: dict[str, list[str]] = {}
    try:
        level = Classification.parse(level)  # type: ignore[arg-type]
    except (ValueError, KeyError):
        errors["level"] = ["Choose PUBLIC, CONFIDENTIAL or STRICTLY CONFIDENTIAL."]
    else:
        if level > briefing.classification:
            errors["level"] = [
                f"The briefing is {Classification(briefing.classification).label}; a releasable "
                "version is for that level or lower."
            ]
    codes: list[str] = []
    problems: list[str] = []
    if shared_with is None:
        shared_with = []
    if isinstance(shared_with, str) or not isinstance(shared_with, Iterable):
        problems.append("Send a list of ISO 3166-1 alpha-3 codes.")
    else:
        for code in shared_with:
            try:
                checked = member_state_validate(str(code))
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if checked not in codes:
                codes.append(checked)
    if problems:
        errors["shared_with"] = problems
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
        if briefing.status != BriefingStatus.FROZEN:
            raise ConflictError("Only a frozen briefing is released; endorse the escalation first.")
        if ReleasableBriefing.objects.filter(briefing=briefing, level=level).exists():
            raise ConflictError(
                f"A {Classification(level).label} version of this briefing exists already."
            )
        content, withheld = content_for_level(briefing.content, level)
        release = ReleasableBriefing.objects.create(
            briefing=briefing,
            level=level,
            content=content,
            content_hash=content_hash(content),
            withheld=withheld,
            shared_with=codes,
            created_by=actor,
        )
        audit_record(
            action="briefing.release",
            actor=actor,
            target=escalation,
            summary={
                "briefing": briefing.pk,
                "level": Classification(level).label,
                "withheld": withheld,
                "shared_with": codes,
            },
        )
    return release


# --- HTML and PDF -------------------------------------------------------------------------------


def briefing_context(content: dict[str, Any], *, level_label: str) -> dict[str, Any]:
    """What the briefing templates read: the sections by key, the trend chart drawn from the
    snapshot (never from today's records), dates as dates."""
    from assessments.charts import trend_svg
    from assessments.scale import RISK_WORDS
    from assessments.selectors import TrendPoint

    sections = {section["key"]: section for section in content["sections"]}
    as_of = date.fromisoformat(content["date"])
    points = [
        TrendPoint(
            at=datetime.fromisoformat(p["approved_at"]),
            version=p["version"],
            overall=p["overall"],
            genocide=p["genocide"],
            crimes_against_humanity=p["crimes_against_humanity"],
            war_crimes=p["war_crimes"],
        )
        for p in sections["trend"]["items"]
        if p["approved_at"]
    ]
    chart = (
        trend_svg(
            points,
            title=f"Risk trend, {content['situation_reference']}",
            until=as_of,
            chart_id=f"trend-{content['reference'].lower()}",
        )
        if points
        else ""
    )
    for item in sections["risk"]["items"]:
        item["overall_label"] = RISK_WORDS[item["overall"]]
        item["computed_label"] = RISK_WORDS[item["computed"]]
        item["override_label"] = RISK_WORDS.get(item["override"] or 0, "")
        for crime in item["crimes"]:
            crime["level_label"] = RISK_WORDS[crime["level"]]
    for section in sections.values():
        for item in section["items"]:
            for key in ("approved_at", "at"):
                if isinstance(item.get(key), str):
                    item[f"{key}_date"] = datetime.fromisoformat(item[key])
            if isinstance(item.get("occurred_on"), str):
                item["occurred_on_date"] = date.fromisoformat(item["occurred_on"])
    return {
        "content": content,
        "sections": sections,
        "ordered": [sections[key] for key, _ in SECTIONS if key in sections],
        "level_label": level_label,
        "level_css": level_label.lower().replace(" ", "-"),
        "as_of": as_of,
        "trend_chart": chart,
    }


def briefing_html(content: dict[str, Any], *, level_label: str) -> str:
    """The briefing as a standalone HTML document (what the PDF is made from)."""
    return render_to_string(
        "cases/briefing_pdf.html", briefing_context(deepcopy(content), level_label=level_label)
    )


def page_marking_css(level_label: str, reference: str) -> str:
    """The @page rules that put the marking above and below every printed page and the
    document's reference in the footer (briefings and reports alike)."""

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return (
        "@page { @top-center { content: " + quoted(level_label) + "; }"
        " @bottom-center { content: " + quoted(level_label) + "; }"
        " @bottom-left { content: " + quoted(reference) + "; } }"
    )


def briefing_pdf(content: dict[str, Any], *, level_label: str) -> bytes:
    """The briefing as PDF (WeasyPrint, from briefing_html and briefing.css): the marking at
    the top and bottom of every page, the reference and page numbers in the footer."""
    from weasyprint import CSS, HTML

    stylesheet = finders.find("cases/briefing.css")
    if not stylesheet:
        raise RuntimeError("cases/briefing.css is missing from the static files.")
    html = briefing_html(content, level_label=level_label)
    return HTML(string=html, base_url=None).write_pdf(
        stylesheets=[
            CSS(filename=stylesheet),
            CSS(string=page_marking_css(level_label, content["reference"])),
        ]
    )


def level_label_of(level: int) -> str:
    return Classification(level).label


# --- What a reader reads ------------------------------------------------------------------------


def briefing_current(*, user: User, pk: object) -> tuple[Escalation, Briefing]:
    """The briefing an escalation's readers see: while it is in the joint office the working
    copy compiled from the records now; afterwards the frozen one (or, for an escalation
    withdrawn before endorsement, its last working copy). NotFoundError otherwise."""
    escalation = access.access_escalation(user, pk)
    if escalation.status in RECOMPILED_IN:
        return escalation, briefing_compile(escalation=escalation)
    current = (
        current_frozen(escalation)
        or escalation.briefings.filter(status=BriefingStatus.WORKING).first()
    )
    if current is None:
        raise NotFoundError(f"{escalation.reference} has no briefing.")
    return escalation, current


def briefing_readable(*, user: User, briefing: Briefing) -> tuple[dict[str, Any], int, int]:
    """The briefing's content as this reader may read it, its level, and how many items were
    withheld: the whole of it when cleared for it, else the version for their clearance (a
    briefing may cite material above the escalation's own marking). Every read of a strictly
    confidential briefing is written to the audit trail here, for the pages and the API alike."""
    if user.clearance >= briefing.classification:
        content, level, withheld = briefing.content, briefing.classification, 0
    else:
        content, withheld = content_for_level(briefing.content, user.clearance)
        level = user.clearance
    if briefing.classification == Classification.STRICTLY_CONFIDENTIAL:
        audit_record(
            action="briefing.read",
            actor=user,
            target=briefing,
            summary={"hash": briefing.content_hash, "level": Classification(level).label},
        )
    return content, level, withheld
