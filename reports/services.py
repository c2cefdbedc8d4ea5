"""Writes of reports: request a compilation, compile (the worker), edit the narrative, move the
report through its workflow, publish and freeze, correct, release to member states.

The workflow is REPORT_MOVES, keyed by (action, from status); report_transition is the only
function that assigns Report.status.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from r2p.countries import member_state_validate
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError, NotFoundError
from r2p.models import Classification, User
from r2p.services import audit_record
from r2p.validation import text_value
from reports.figures import Period, figures_compute, last_complete_period
from reports.models import (
    NARRATIVE_SECTIONS,
    OPEN_STATUSES,
    Report,
    ReportKind,
    ReportRelease,
    ReportStatus,
    ReportTransition,
)

logger = logging.getLogger(__name__)

S = ReportStatus


@dataclass(frozen=True)
class Move:
    target: str
    # None: only the system makes this move (the worker finishing or failing a compilation).
    permission: str | None
    needs_comment: bool = False


REPORT_MOVES: dict[tuple[str, str], Move] = {
    ("compiled", S.COMPILING): Move(S.DRAFT, None),
    ("fail", S.COMPILING): Move(S.FAILED, None),
    ("retry", S.FAILED): Move(S.COMPILING, "reports.compile_report"),
    ("recompile", S.DRAFT): Move(S.COMPILING, "reports.compile_report"),
    ("submit", S.DRAFT): Move(S.IN_REVIEW, "reports.compile_report"),
    ("return", S.IN_REVIEW): Move(S.DRAFT, "reports.compile_report", needs_comment=True),
    ("publish", S.IN_REVIEW): Move(S.PUBLISHED, "reports.publish_report"),
    ("supersede", S.PUBLISHED): Move(S.SUPERSEDED, None),
}
ACTIONS = sorted({action for action, _ in REPORT_MOVES})
USER_ACTIONS = sorted({a for (a, _), m in REPORT_MOVES.items() if m.permission})
ACTION_WORDS = {
    "compiled": "compiled",
    "fail": "failed",
    "retry": "retried",
    "recompile": "recompiled",
    "submit": "submitted for review",
    "return": "returned to draft",
    "publish": "published",
    "supersede": "superseded",
}


def _audit(action: str, actor: User | None, report: Report, **summary: Any) -> None:
    audit_record(
        action=f"report.{action}",
        actor=actor,
        actor_username="" if actor else "worker",
        target=report,
        summary={"reference": report.reference, **summary},
    )


def _locked(pk: int) -> Report:
    try:
        return Report.objects.select_for_update().get(pk=pk)
    except Report.DoesNotExist:
        raise NotFoundError() from None


def _move(report: Report, action: str, actor: User | None, comment: str = "") -> Report:
    """Apply one move to a locked report: check it, write the status, the transition row and
    the audit event. The caller holds the transaction."""
    move = REPORT_MOVES.get((action, report.status))
    if move is None:
        raise ConflictError(
            f"{report.reference} is {report.get_status_display().lower()}: it cannot be "
            f"{ACTION_WORDS.get(action, action)} from there."
        )
    if actor is not None and (move.permission is None or not actor.has_perm(move.permission)):
        raise ForbiddenError("Your role cannot make this move.")
    if move.needs_comment and not comment:
        raise ApplicationValidationError({"comment": ["Say why it goes back to draft."]})
    previous = report.status
    report.status = move.target
    report.status_since = timezone.now()
    ReportTransition.objects.create(
        report=report,
        action=action,
        from_status=previous,
        to_status=move.target,
        actor=actor,
        comment=comment,
    )
    _audit(action, actor, report, **{"from": previous, "to": move.target})
    return report


def report_transition(
    *, report: Report, actor: User, action: str, comment: str = "", revision: object = None
) -> Report:
    """Make a person's move on a report: 409 for a move not allowed from its status (or a stale
    revision), 403 for a role that cannot make it, 400 for a missing reason. Publishing freezes
    the report; recompiling and retrying hand it to a worker once the transaction commits."""
    errors: dict[str, list[str]] = {}
    comment = text_value(comment, "comment", errors)
    if errors:
        raise ApplicationValidationError(errors)
    if action not in USER_ACTIONS:
        raise ApplicationValidationError(
            {"action": [f"Unknown action {action!r}; the actions are {', '.join(USER_ACTIONS)}."]}
        )
    with transaction.atomic():
        report = _locked(report.pk)
        _check_revision(report, revision)
        if action == "publish":
            return _publish(report, actor)
        _move(report, action, actor, comment)
        if action in ("retry", "recompile"):
            _compile_reset(report)
        report.revision += 1
        report.save()
        if report.status == S.COMPILING:
            _enqueue(report)
    return report


def _check_revision(report: Report, revision: object) -> None:
    if revision in (None, ""):
        return
    try:
        wanted = int(revision)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApplicationValidationError(
            {"revision": ["Give the revision number you read."]}
        ) from None
    if wanted != report.revision:
        raise ConflictError(
            f"{report.reference} changed since you read it (revision {report.revision}, "
            f"you read {wanted}). Reload it and try again."
        )


# --- Requesting and compiling --------------------------------------------------------------------


def period_parse(
    *,
    kind: str,
    year: object = None,
    quarter: object = None,
    start: object = None,
    end: object = None,
    today: date | None = None,
) -> Period:
    """A report period from a form or an API request, with field-level errors."""
    today = today or timezone.now().date()
    errors: dict[str, list[str]] = {}
    period: Period | None = None
    if kind not in ReportKind.values:
        errors["kind"] = [f"Choose one of {', '.join(ReportKind.values)}."]
    elif kind in (ReportKind.QUARTERLY, ReportKind.ANNUAL):
        try:
            y = int(year)  # type: ignore[arg-type]
            if not 2000 <= y <= 2100:
                raise ValueError
        except (TypeError, ValueError):
            errors["year"] = ["Give a year between 2000 and 2100."]
            y = 0
        if kind == ReportKind.QUARTERLY:
            try:
                q = int(quarter)  # type: ignore[arg-type]
                if q not in (1, 2, 3, 4):
                    raise ValueError
            except (TypeError, ValueError):
                errors["quarter"] = ["Choose a quarter, 1 to 4."]
                q = 0
            if y and q:
                first = date(y, 3 * q - 2, 1)
                following = date(y + (q == 4), (3 * q) % 12 + 1, 1)
                period = Period(first, following - timedelta(days=1))
        elif y:
            period = Period(date(y, 1, 1), date(y, 12, 31))
    else:
        parsed = {}
        for name, value in (("period_start", start), ("period_end", end)):
            if isinstance(value, date):
                parsed[name] = value
                continue
            try:
                parsed[name] = date.fromisoformat(str(value or "").strip())
            except ValueError:
                errors[name] = ["Give a date as YYYY-MM-DD."]
        if not errors:
            if parsed["period_end"] < parsed["period_start"]:
                errors["period_end"] = ["The period must end on or after its first day."]
            elif (parsed["period_end"] - parsed["period_start"]).days > 3 * 366:
                errors["period_end"] = ["A report covers at most three years."]
            else:
                period = Period(parsed["period_start"], parsed["period_end"])
    if period is not None and period.start > today:
        errors["period_start" if kind == ReportKind.CUSTOM else "year"] = [
            "The period has not begun yet."
        ]
    if errors:
        raise ApplicationValidationError(errors)
    assert period is not None
    return period


def audience_parse(value: object) -> int:
    try:
        return int(Classification.parse(value))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise ApplicationValidationError(
            {"audience": ["Choose PUBLIC, CONFIDENTIAL or STRICTLY_CONFIDENTIAL."]}
        ) from None


def report_request(
    *, kind: str, period: Period, audience: int, actor: User | None
) -> tuple[Report, bool]:
    """Ask for the report of a period and audience. Idempotent: while one is being worked on
    (compiling, failed, draft or in review) that one is returned, and a draft is compiled again
    from the records; a new one is created only when there is none. Returns (report, created).
    A published period is corrected with report_correct instead (409 here)."""
    if actor is not None:
        if not actor.has_perm("reports.compile_report"):
            raise ForbiddenError("Your role cannot compile reports.")
        if audience > actor.clearance:
            raise ApplicationValidationError(
                {"audience": ["Your clearance does not cover this audience."]}
            )
    key = {"period_start": period.start, "period_end": period.end, "audience": audience}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                existing = (
                    Report.objects.select_for_update()
                    .filter(status__in=OPEN_STATUSES, **key)
                    .first()
                )
                if existing is not None:
                    if existing.status == S.DRAFT and actor is not None:
                        _move(existing, "recompile", actor)
                        _compile_reset(existing)
                        existing.revision += 1
                        existing.save()
                        _enqueue(existing)
                    return existing, False
                published = Report.objects.filter(status=S.PUBLISHED, **key).first()
                if published is not None:
                    raise ConflictError(
                        f"{published.reference} is published for this period and audience. "
                        "To change it, issue a correction from it."
                    )
                report = _create(kind=kind, key=key, actor=actor)
                _enqueue(report)
                return report, True
        except IntegrityError:
            # Someone else created it between our look and our insert: take theirs.
            continue
    raise ConflictError("Another request for this report is being handled; try again.")


def _create(
    *,
    kind: str,
    key: dict[str, Any],
    actor: User | None,
    supersedes: Report | None = None,
    reason: str = "",
) -> Report:
    last = Report.objects.filter(**key).aggregate(v=Max("version"))["v"] or 0
    report = Report.objects.create(
        kind=kind,
        version=last + 1,
        status=S.COMPILING,
        status_since=timezone.now(),
        requested_by=actor,
        supersedes=supersedes,
        correction_reason=reason,
        **key,
    )
    if supersedes is not None:
        for name, _ in NARRATIVE_SECTIONS:
            setattr(report, name, getattr(supersedes, name))
        report.save()
    ReportTransition.objects.create(
        report=report,
        action="request" if supersedes is None else "correct",
        from_status="",
        to_status=S.COMPILING,
        actor=actor,
        comment=reason,
    )
    _audit("request", actor, report, audience=Classification(report.audience).label)
    return report


def report_correct(*, report: Report, actor: User, reason: str) -> Report:
    """Start a correction of a published report: a new version of the same period and audience,
    compiled afresh with the narrative carried over; publishing it supersedes the old one."""
    errors: dict[str, list[str]] = {}
    reason = text_value(reason, "reason", errors)
    if not errors and not reason:
        errors["reason"] = ["Say what the correction corrects; it is shown on both versions."]
    if errors:
        raise ApplicationValidationError(errors)
    if not actor.has_perm("reports.publish_report"):
        raise ForbiddenError("Your role cannot correct published reports.")
    key = {
        "period_start": report.period_start,
        "period_end": report.period_end,
        "audience": report.audience,
    }
    try:
        with transaction.atomic():
            report = _locked(report.pk)
            if report.status != S.PUBLISHED:
                raise ConflictError(
                    f"Only the published version of {report.reference} is corrected."
                )
            if Report.objects.filter(status__in=OPEN_STATUSES, **key).exists():
                raise ConflictError("A new version of this report is already being prepared.")
            correction = _create(
                kind=report.kind, key=key, actor=actor, supersedes=report, reason=reason
            )
            _enqueue(correction)
    except IntegrityError:
        raise ConflictError("A new version of this report is already being prepared.") from None
    return correction


def _compile_reset(report: Report) -> None:
    report.failure = ""
    report.progress_done = report.progress_total = 0
    report.progress_step = "Waiting for a worker"
    report.started_at = None


def _enqueue(report: Report) -> None:
    from reports.tasks import compile_report_task

    compile_report_task.delay_on_commit(report.pk)


def _progress(pk: int) -> Any:
    def write(done: int, total: int, step: str) -> None:
        # Its own short transaction, so the pages and the API see it while the work goes on.
        Report.objects.filter(pk=pk, status=S.COMPILING).update(
            progress_done=done, progress_total=total, progress_step=step[:120]
        )

    return write


def report_compile(*, report_id: int) -> Report | None:
    """The worker's part: compute the figures of a compiling report and make it a draft.
    Safe to run twice and to run again after a worker died half-way: a report that is no
    longer compiling is left alone, and nothing is written but progress until the end."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None or report.status != S.COMPILING:
        return report
    now = timezone.now()
    Report.objects.filter(pk=report_id, status=S.COMPILING).update(
        started_at=now, attempts=report.attempts + 1, failure=""
    )
    figures = figures_compute(
        period=Period(report.period_start, report.period_end),
        audience=report.audience,
        progress=_progress(report_id),
    )
    with transaction.atomic():
        report = _locked(report_id)
        if report.status != S.COMPILING:
            return report
        report.figures = figures
        report.compiled_at = timezone.now()
        report.progress_step = "Compiled"
        _move(report, "compiled", None)
        report.revision += 1
        report.save()
    return report


def report_compiles_requeue_stalled(*, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Give again to a worker every compilation that no worker has started for a while (its
    task never reached the broker, or was lost with it). A worker that died half-way needs no
    help: its unacknowledged task is delivered again by the broker. Compiling twice is harmless."""
    cutoff = timezone.now() - older_than
    stalled = list(
        Report.objects.filter(
            status=S.COMPILING, started_at__isnull=True, status_since__lt=cutoff
        ).values_list("pk", flat=True)
    )
    from reports.tasks import compile_report_task

    for report_id in stalled:
        compile_report_task.delay(report_id)
    return stalled


def report_fail(*, report_id: int, reason: str) -> None:
    """Record why a compilation failed, so that it shows and can be retried."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status != S.COMPILING:
            return
        report.failure = reason[:2000]
        _move(report, "fail", None)
        report.save()


def scheduled_report_request(
    *, kind: str, audience: object = "PUBLIC", today: date | None = None
) -> Report:
    """Beat: the report of the quarter or year just ended (one per period; see report_request)."""
    if kind not in (ReportKind.QUARTERLY, ReportKind.ANNUAL):
        raise ValueError(f"A scheduled report is quarterly or annual, not {kind!r}.")
    period = last_complete_period(kind, today or timezone.now().date())
    try:
        report, _ = report_request(
            kind=kind, period=period, audience=audience_parse(audience), actor=None
        )
    except ConflictError:
        # Already published for that period: nothing to do.
        return Report.objects.get(
            period_start=period.start,
            period_end=period.end,
            audience=audience_parse(audience),
            status=S.PUBLISHED,
        )
    return report


# --- Narrative, publication, release -----------------------------------------------------------


def report_narrative_update(
    *, report: Report, actor: User, data: dict[str, Any], revision: object = None
) -> Report:
    """Edit the narrative sections of a draft (the SG Office). 409 once it left draft."""
    if not actor.has_perm("reports.compile_report"):
        raise ForbiddenError("Your role cannot edit reports.")
    errors: dict[str, list[str]] = {}
    values = {
        name: text_value(data[name], name, errors) for name, _ in NARRATIVE_SECTIONS if name in data
    }
    unknown = sorted(set(data) - {name for name, _ in NARRATIVE_SECTIONS} - {"revision"})
    for name in unknown:
        errors[name] = ["Not a narrative section of a report."]
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        report = _locked(report.pk)
        _check_revision(report, revision)
        if report.status != S.DRAFT:
            raise ConflictError(
                f"{report.reference} is {report.get_status_display().lower()}: only a draft "
                "is edited."
            )
        changed = [name for name, value in values.items() if getattr(report, name) != value]
        for name in changed:
            setattr(report, name, values[name])
        if changed:
            report.revision += 1
            report.save()
            _audit("narrative", actor, report, fields=changed)
    return report


def _publish(report: Report, actor: User) -> Report:
    from reports.documents import report_freeze

    missing = {
        name: [f"Write the {label.lower()} before publishing."]
        for name, label in NARRATIVE_SECTIONS
        if not getattr(report, name).strip()
    }
    if missing and report.status == S.IN_REVIEW:
        raise ApplicationValidationError(missing, "Every narrative section must be written.")
    now = timezone.now()
    _move(report, "publish", actor)
    report.published_at, report.published_by = now, actor
    files = report_freeze(report)
    for name, content in files.items():
        setattr(report, name, content)
        raw = content if isinstance(content, bytes) else content.encode()
        setattr(report, f"{name}_sha256", hashlib.sha256(raw).hexdigest())
    report.content_hash = hashlib.sha256(
        "".join(getattr(report, f"{n}_sha256") for n in files).encode()
    ).hexdigest()
    report.revision += 1
    previous = report.supersedes
    if previous is not None:
        old = _locked(previous.pk)
        old.superseded_at = now
        _move(old, "supersede", None, comment=report.correction_reason)
        old.save(update_fields=["status", "status_since", "superseded_at"])
    report.save()
    return report


def report_release(*, report: Report, actor: User, member_states: list[str]) -> list[ReportRelease]:
    """Release a published report to member states' liaisons (one row per state, who, when)."""
    if not actor.has_perm("reports.publish_report"):
        raise ForbiddenError("Your role cannot release reports.")
    errors: list[str] = []
    codes: list[str] = []
    for raw in member_states:
        if not str(raw).strip():
            continue
        try:
            code = member_state_validate(str(raw))
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if code not in codes:
            codes.append(code)
    if not codes and not errors:
        errors.append("Name at least one member state (ISO 3166-1 alpha-3, e.g. NOR).")
    if errors:
        raise ApplicationValidationError({"member_states": errors})
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status != S.PUBLISHED:
            raise ConflictError("Only a published report (the current version) is released.")
        if report.audience == Classification.PUBLIC:
            raise ConflictError("A public report is read by every liaison; it needs no release.")
        created = []
        for code in codes:
            release, new = ReportRelease.objects.get_or_create(
                report=report, member_state=code, defaults={"released_by": actor}
            )
            if new:
                created.append(release)
        if created:
            _audit("release", actor, report, member_states=[r.member_state for r in created])
    return created


def report_file_read(*, report: Report, actor: User, what: str) -> Report:
    """A frozen file (the PDF, an annex) of a published report, its read audited; a report not
    published yet has none (NotFoundError)."""
    if not report.is_frozen:
        raise NotFoundError("The report is not published yet.")
    report_read(report=report, actor=actor, what=what)
    return report


def report_read(*, report: Report, actor: User, what: str) -> None:
    """Write a read of a published report (page, PDF, annex) to the audit trail."""
    audit_record(
        action="report.read",
        actor=actor,
        target=report,
        summary={"reference": report.reference, "what": what, "hash": report.content_hash},
    )
