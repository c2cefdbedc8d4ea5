"""Assessment and challenge pages: a situation's versions, the assessment page and its forms,
what changed between two versions, and challenges of signals and factor judgments.

Every write is a POST to a small view that calls one service with the revision the person was
looking at. Bad input brings the page back with the messages beside the fields and the first
of them focused (400). A move the person may not make says why (403: the record is visible to
them, so saying so reveals nothing). A stale revision or a closed version says what happened,
shows back what was typed, and links to a fresh page (409).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from assessments import access, selectors, services
from assessments.forms.assessments import (
    ChallengeAcknowledgeForm,
    ChallengeFilterForm,
    ChallengeRaiseForm,
    ChallengeResolveForm,
    EvidenceAddForm,
    FlagsAcknowledgeForm,
    JudgmentForm,
    OverallForm,
    PageForm,
    RevisionForm,
    TransitionForm,
)
from assessments.models import (
    OPEN_ASSESSMENT_STATUSES,
    Assessment,
    AssessmentStatus,
    Challenge,
    ChallengeAcknowledgement,
    ChallengeStatus,
    CrimeType,
    Evidence,
    FactorLevel,
    FlagKind,
    Indicator,
)
from assessments.selectors import AssessmentView, FactorChange, JudgmentView
from cases import access as cases_access
from cases.models import Signal, Situation
from cases.views.common import highest, staff_page
from cases.views.signals import signal_page
from r2p.errors import (
    ApplicationError,
    ApplicationValidationError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
)
from r2p.models import Classification, User
from r2p.pagination import keyset_page
from r2p.services import audit_record

CANDIDATE_SIGNALS = 200
CRIMES = (CrimeType.GENOCIDE, CrimeType.CRIMES_AGAINST_HUMANITY, CrimeType.WAR_CRIMES)
LEVEL_NAMES = {
    "overall": "Overall",
    "genocide": CrimeType.GENOCIDE.label,
    "crimes_against_humanity": CrimeType.CRIMES_AGAINST_HUMANITY.label,
    "war_crimes": CrimeType.WAR_CRIMES.label,
}


def _numbers(numbers: Iterable[int]) -> str:
    """[1, 2, 5] -> "1, 2 and 5"."""
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _read_audit(user: User, level: int, target: object) -> None:
    """Every read of strictly confidential material leaves an audit record."""
    if level == Classification.STRICTLY_CONFIDENTIAL:
        audit_record(action="assessment.read", actor=user, target=target)


def _refused(
    request: HttpRequest,
    error: ApplicationError,
    *,
    level: int,
    back_url: str,
    back_label: str,
    form: PageForm | None = None,
) -> HttpResponse:
    """A write that did not happen: why (403 a move not allowed, 409 a stale or closed record,
    400 a tampered form), what was typed, and the way back to a fresh page."""
    if isinstance(error, ForbiddenError):
        audit_record(
            action="access.denied", actor=request.user, summary={"path": request.path[:200]}
        )
    problems = [m for ms in error.fields.values() for m in ms] if error.fields else []
    return render(
        request,
        "assessments/assessment_refused.html",
        {
            "page_classification": level,
            "error": error,
            "problems": problems,
            "conflict": isinstance(error, ConflictError),
            "forbidden": isinstance(error, ForbiddenError),
            "back_url": back_url,
            "back_label": back_label,
            "kept": form.kept_text() if form is not None else [],
        },
        status=error.http_status,
    )


# --- A situation's versions -------------------------------------------------------------------


def _writer(user: User, situation: Situation) -> bool:
    return user.has_perm("assessments.change_assessment") and access.on_team(user, situation)


@staff_page
def situation_assessments(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    situation = cases_access.access_situation(user, pk)
    versions = list(selectors.assessment_list(user=user, situation=situation))
    open_version = next((a for a in versions if a.status in OPEN_ASSESSMENT_STATUSES), None)
    # The next number counts every version, including one above the reader's clearance: a
    # number says nothing of its content, and the button must name the version it starts.
    highest_number = situation.assessments.aggregate(n=Max("version"))["n"] or 0
    compared = {a.pk: _has_earlier(a, versions) for a in versions}
    writer = _writer(user, situation)
    level = highest(situation.classification, *(a.classification for a in versions))
    _read_audit(user, level, situation)
    return render(
        request,
        "assessments/assessment_versions.html",
        {
            "page_classification": level,
            "situation": situation,
            "versions": [(a, compared[a.pk]) for a in versions],
            "open_version": open_version,
            "writer": writer,
            "can_start": writer and open_version is None,
            "next_number": highest_number + 1,
            "last_approved": next(
                (a for a in versions if a.status == AssessmentStatus.APPROVED), None
            ),
        },
    )


def _has_earlier(assessment: Assessment, versions: list[Assessment]) -> bool:
    return bool(assessment.based_on_id) or any(v.version < assessment.version for v in versions)


@staff_page
@require_POST
def assessment_start(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    situation = cases_access.access_situation(user, pk)
    try:
        assessment = services.assessment_start(situation=situation, actor=user)
    except (ForbiddenError, ConflictError) as exc:
        return _refused(
            request,
            exc,
            level=situation.classification,
            back_url=reverse("assessments:situation-assessments", args=[situation.pk]),
            back_label=f"Back to the assessments of {situation.reference}",
        )
    if assessment.based_on_id:
        based_on = Assessment.objects.filter(pk=assessment.based_on_id).values_list(
            "version", flat=True
        )[0]
        note = f"a copy of approved version {based_on}; change what has changed since."
    else:
        note = "every factor starts as insufficient information."
    messages.success(request, f"Version {assessment.version} is started: {note}")
    return redirect("assessments:assessment-detail", pk=assessment.pk)


# --- The assessment page ----------------------------------------------------------------------


@dataclass
class ChallengeRow:
    challenge: Challenge
    readable: bool  # its target is something the reader may see
    acknowledgement: ChallengeAcknowledgement | None
    home: int  # the factor whose section carries its acknowledgement form
    form: ChallengeAcknowledgeForm | None = None


@dataclass
class FlagRow:
    label: str
    acknowledged: bool


@dataclass
class FactorSection:
    item: JudgmentView
    catalogue: list[Indicator]
    flags: list[FlagRow]
    challenges: list[ChallengeRow]
    form: JudgmentForm | None = None
    evidence_form: EvidenceAddForm | None = None
    flags_form: FlagsAcknowledgeForm | None = None
    challenge_form: ChallengeRaiseForm | None = None
    open_forms: set[str] = field(default_factory=set)

    @property
    def number(self) -> int:
        return self.item.judgment.factor.number

    @property
    def judged(self) -> bool:
        return self.item.judgment.level != FactorLevel.INSUFFICIENT

    @property
    def expanded(self) -> bool:
        """Judged factors, and any with a flag, a challenge or a form just sent, show open;
        the others fold to one line so a reviewer reaches the point without scrolling."""
        return bool(
            self.judged
            or self.item.unresolved
            or self.challenges
            or self.open_forms
            or self.item.evidence
            or self.item.withheld
        )

    @property
    def evidence_total(self) -> int:
        return len(self.item.evidence) + self.item.withheld

    @property
    def flags_acknowledged(self) -> bool:
        return any(flag.acknowledged for flag in self.flags)


def _challenge_rows(
    view: AssessmentView, readable_signals: set[int]
) -> dict[int, list[ChallengeRow]]:
    """Each open challenge under every factor it touches; its form under the first of them."""
    by_factor: dict[int, list[ChallengeRow]] = {}
    home: dict[int, ChallengeRow] = {}
    for item in view.judgments:
        number = item.judgment.factor.number
        for challenge in item.challenges:
            row = home.get(challenge.pk)
            if row is None:
                row = ChallengeRow(
                    challenge=challenge,
                    readable=not challenge.signal_id or challenge.signal_id in readable_signals,
                    acknowledgement=view.acknowledged.get(challenge.pk),
                    home=number,
                )
                home[challenge.pk] = row
            by_factor.setdefault(number, []).append(row)
    return by_factor


_BLOCKER_TARGET = re.compile(r"^(?:Factor (?P<factor>\d+) |Challenge #(?P<challenge>\d+) )")


def _blocker_link(text: str) -> dict[str, str]:
    """A blocker in words, with the section of the page where it is resolved."""
    found = _BLOCKER_TARGET.match(text)
    anchor = ""
    if found and found["factor"]:
        anchor = f"factor-{found['factor']}"
    elif found and found["challenge"]:
        anchor = f"challenge-{found['challenge']}"
    return {"text": text, "anchor": anchor}


def _assessment_page(
    request: HttpRequest,
    assessment: Assessment,
    *,
    bound: dict[str, PageForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    bound = bound or {}
    situation = assessment.situation
    view = selectors.assessment_view(assessment=assessment, user=user)
    team = access.on_team(user, situation)
    writer = team and user.has_perm("assessments.change_assessment")
    editable = assessment.is_editable and writer
    reviewer = user.has_perm("assessments.approve_assessment")
    is_author = assessment.author_id == user.pk
    approved = assessment.status == AssessmentStatus.APPROVED
    can_acknowledge = not approved and (reviewer or team)
    can_challenge = user.has_perm("assessments.add_challenge")

    def form(key: str, make: Callable[[], PageForm]) -> PageForm:
        return bound[key] if key in bound else make()

    readable_signals = {e.signal_id for item in view.judgments for e in item.evidence}
    challenges = _challenge_rows(view, readable_signals)
    sections = []
    for item in view.judgments:
        judgment = item.judgment
        number = judgment.factor.number
        catalogue = view.catalogue_indicators.get(judgment.factor_id, [])
        section = FactorSection(
            item=item,
            catalogue=catalogue,
            flags=[
                FlagRow(FlagKind(flag).label, flag not in item.unresolved)
                for flag in sorted(item.flags)
            ],
            challenges=challenges.get(number, []),
        )
        if editable:
            section.form = form(
                f"judgment-{number}",
                lambda j=judgment, c=catalogue, o=item.indicators: JudgmentForm(
                    assessment=assessment, judgment=j, catalogue=c, observed=o
                ),
            )
            section.evidence_form = form(
                f"evidence-{number}",
                lambda j=judgment: EvidenceAddForm(assessment=assessment, judgment=j),
            )
            if item.unresolved or f"flags-{number}" in bound:
                section.flags_form = form(
                    f"flags-{number}",
                    lambda j=judgment: FlagsAcknowledgeForm(assessment=assessment, judgment=j),
                )
        if can_challenge:
            section.challenge_form = form(
                f"challenge-{number}",
                lambda n=number: ChallengeRaiseForm(prefix=f"challenge-{n}"),
            )
        if can_acknowledge:
            for row in section.challenges:
                if row.home == number and row.acknowledgement is None:
                    row.form = form(
                        f"ack-{row.challenge.pk}",
                        lambda c=row.challenge: ChallengeAcknowledgeForm(prefix=f"ack-{c.pk}"),
                    )
        section.open_forms = {
            name
            for name in ("judgment", "evidence", "flags", "challenge")
            if f"{name}-{number}" in bound
        }
        sections.append(section)

    candidates: list[Signal] = []
    if editable:
        candidates = list(
            cases_access.signals_visible(user, Signal.objects.select_related("source"))
            .filter(situation_links__situation=situation)
            .order_by("-created_at", "-pk")[:CANDIDATE_SIGNALS]
        )
    workflow = {}
    if editable:
        workflow["overall"] = form("overall", lambda: OverallForm(assessment=assessment, user=user))
        workflow["submit"] = form(
            "submit", lambda: TransitionForm(assessment=assessment, move="submit")
        )
    if assessment.status == AssessmentStatus.SUBMITTED and reviewer and not is_author:
        workflow["approve"] = form(
            "approve", lambda: TransitionForm(assessment=assessment, move="approve")
        )
        workflow["return"] = form(
            "return", lambda: TransitionForm(assessment=assessment, move="return")
        )

    level = highest(
        assessment.classification,
        situation.classification,
        *(e.signal.classification for item in view.judgments for e in item.evidence),
        *(s.classification for s in candidates),
    )
    _read_audit(user, level, assessment)
    risk = view.risk
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "page_classification": level,
            "assessment": assessment,
            "situation": situation,
            "view": view,
            "sections": sections,
            "judged": sum(1 for s in sections if s.judged),
            "flagged": sum(1 for s in sections if s.item.unresolved),
            "crimes": [
                (CrimeType(c).label, risk.crimes[c].level, risk.crimes[c].reason) for c in CRIMES
            ],
            "overridden": assessment.override_level is not None,
            "show_blockers": not approved and bool(view.blockers),
            "blockers": [_blocker_link(text) for text in view.blockers],
            "editable": editable,
            "is_author": is_author,
            "workflow": workflow,
            "candidates": candidates,
        },
        status=status,
    )


def _section_url(assessment: Assessment | int, anchor: str = "") -> str:
    pk = assessment if isinstance(assessment, int) else assessment.pk
    url = reverse("assessments:assessment-detail", args=[pk])
    return f"{url}#{anchor}" if anchor else url


@staff_page
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _assessment_page(request, access.access_assessment(request.user, pk))


def _write(
    request: HttpRequest,
    assessment_pk: int,
    key: str,
    form: PageForm,
    call: Callable[[], str],
    *,
    anchor: str,
) -> HttpResponse:
    """Run one service call for one form of the assessment page, and answer as the module
    docstring says: back to the section with a message, or the page with the problems."""
    if form.is_valid():
        try:
            done = call()
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        except (ForbiddenError, ConflictError) as exc:
            assessment = access.access_assessment(request.user, assessment_pk)
            return _refused(
                request,
                exc,
                level=highest(assessment.classification, assessment.situation.classification),
                back_url=_section_url(assessment, anchor),
                back_label=f"Reload version {assessment.version} as it is now",
                form=form,
            )
        else:
            messages.success(request, done)
            return HttpResponseRedirect(_section_url(assessment_pk, anchor))
    assessment = access.access_assessment(request.user, assessment_pk)
    return _assessment_page(request, assessment, bound={key: form}, status=400)


@staff_page
@require_POST
def judgment_update(request: HttpRequest, pk: int) -> HttpResponse:
    judgment = access.access_judgment(request.user, pk)
    assessment = judgment.assessment
    number = judgment.factor.number
    form = JudgmentForm(
        request.POST,
        assessment=assessment,
        judgment=judgment,
        catalogue=list(Indicator.objects.filter(factor_id=judgment.factor_id)),
        observed=[],
    )

    def call() -> str:
        services.judgment_update(
            judgment=judgment,
            actor=request.user,
            data=form.service_data(),
            revision=form.sent_revision,
        )
        return f"Factor {number} is saved."

    return _write(
        request, assessment.pk, f"judgment-{number}", form, call, anchor=f"factor-{number}"
    )


@staff_page
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    judgment = access.access_judgment(request.user, pk)
    assessment = judgment.assessment
    number = judgment.factor.number
    form = EvidenceAddForm(request.POST, assessment=assessment, judgment=judgment)

    def call() -> str:
        evidence = services.evidence_add(
            judgment=judgment,
            actor=request.user,
            signal_id=form.cleaned_data["signal"],
            note=form.cleaned_data.get("note") or "",
            revision=form.sent_revision,
        )
        return f"Signal #{evidence.signal_id} now backs factor {number}."

    return _write(
        request, assessment.pk, f"evidence-{number}", form, call, anchor=f"factor-{number}"
    )


@staff_page
@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    evidence = access.access_evidence(user, pk)
    # Evidence the reader may not see is not theirs to remove (nor to learn about).
    if not cases_access.signals_visible(user).filter(pk=evidence.signal_id).exists():
        raise NotFoundError()
    assessment = evidence.judgment.assessment
    number = evidence.judgment.factor.number
    form = RevisionForm(request.POST, assessment=assessment, prefix="remove")
    signal_id = evidence.signal_id
    try:
        services.evidence_remove(evidence=evidence, actor=user, revision=form.sent_revision)
    except (ApplicationValidationError, ForbiddenError, ConflictError) as exc:
        # The form is one hidden field: there is nothing to show back, only what happened.
        fresh = access.access_assessment(user, assessment.pk)
        return _refused(
            request,
            exc,
            level=highest(fresh.classification, fresh.situation.classification),
            back_url=_section_url(fresh, f"factor-{number}"),
            back_label=f"Reload version {fresh.version} as it is now",
        )
    messages.success(request, f"Signal #{signal_id} no longer backs factor {number}.")
    return HttpResponseRedirect(_section_url(assessment, f"factor-{number}"))


@staff_page
@require_POST
def flags_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    judgment = access.access_judgment(request.user, pk)
    assessment = judgment.assessment
    number = judgment.factor.number
    form = FlagsAcknowledgeForm(request.POST, assessment=assessment, judgment=judgment)

    def call() -> str:
        services.flags_acknowledge(
            judgment=judgment,
            actor=request.user,
            note=form.cleaned_data.get("note") or "",
            revision=form.sent_revision,
        )
        return f"The evidence flags of factor {number} are acknowledged."

    return _write(request, assessment.pk, f"flags-{number}", form, call, anchor=f"factor-{number}")


@staff_page
@require_POST
def assessment_update(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access.access_assessment(request.user, pk)
    form = OverallForm(request.POST, assessment=assessment, user=request.user)

    def call() -> str:
        services.assessment_update(
            assessment=assessment,
            actor=request.user,
            data=form.service_data(),
            revision=form.sent_revision,
        )
        return "The overall judgment is saved."

    return _write(request, assessment.pk, "overall", form, call, anchor="overall")


def _transition(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    assessment = access.access_assessment(request.user, pk)
    form = TransitionForm(request.POST, assessment=assessment, move=move)
    target = {
        "submit": AssessmentStatus.SUBMITTED,
        "approve": AssessmentStatus.APPROVED,
        "return": AssessmentStatus.RETURNED,
    }[move]
    done = {
        "submit": f"Version {assessment.version} is submitted for review.",
        "approve": f"Version {assessment.version} is approved; it no longer changes.",
        "return": f"Version {assessment.version} is returned to its author with your comments.",
    }[move]

    def call() -> str:
        services.assessment_transition(
            assessment=assessment,
            actor=request.user,
            to=target,
            comment=form.cleaned_data.get("comment") or "",
            revision=form.sent_revision,
        )
        return done

    return _write(request, assessment.pk, move, form, call, anchor="workflow")


@staff_page
@require_POST
def assessment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "submit")


@staff_page
@require_POST
def assessment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "approve")


@staff_page
@require_POST
def assessment_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "return")


@staff_page
@require_POST
def challenge_acknowledge(request: HttpRequest, pk: int, challenge_pk: int) -> HttpResponse:
    assessment = access.access_assessment(request.user, pk)
    # Only a challenge of something this version uses; one about a signal the reader may not
    # see is still theirs to weigh (its number and status are on the page), not to read.
    challenge = next(
        (c for c in selectors.challenges_relevant(assessment) if c.pk == challenge_pk), None
    )
    if challenge is None:
        raise NotFoundError()
    form = ChallengeAcknowledgeForm(request.POST, prefix=f"ack-{challenge.pk}")

    def call() -> str:
        services.challenge_acknowledge(
            challenge=challenge,
            assessment=assessment,
            actor=request.user,
            note=form.cleaned_data.get("note") or "",
        )
        return f"Challenge #{challenge.pk} is acknowledged for version {assessment.version}."

    return _write(
        request,
        assessment.pk,
        f"ack-{challenge.pk}",
        form,
        call,
        anchor=f"challenge-{challenge.pk}",
    )


@staff_page
@require_POST
def judgment_challenge(request: HttpRequest, pk: int) -> HttpResponse:
    judgment = access.access_judgment(request.user, pk)
    number = judgment.factor.number
    form = ChallengeRaiseForm(request.POST, prefix=f"challenge-{number}")

    def call() -> str:
        challenge = services.challenge_raise(
            actor=request.user,
            reasoning=form.cleaned_data.get("reasoning") or "",
            judgment=judgment,
            counter_evidence=form.cleaned_data.get("counter_evidence") or [],
        )
        return (
            f"Challenge #{challenge.pk} of factor {number} is open. It stays beside the factor, "
            "in this version and the next, until someone else resolves it."
        )

    return _write(
        request,
        judgment.assessment_id,
        f"challenge-{number}",
        form,
        call,
        anchor=f"factor-{number}",
    )


# --- What changed between two versions --------------------------------------------------------


@dataclass
class FactorDiffRow:
    change: FactorChange
    indicators_added: list[tuple[str, str]]
    indicators_removed: list[tuple[str, str]]
    evidence_added: list[tuple[int, Signal | None]]
    evidence_removed: list[tuple[int, Signal | None]]


def _earlier_version(user: User, assessment: Assessment) -> Assessment | None:
    """The version it was based on, else the one before it: what "what changed" compares."""
    queryset = access.assessments_visible(
        user, Assessment.objects.select_related("situation", "author", "approved_by")
    )
    if assessment.based_on_id:
        based_on = queryset.filter(pk=assessment.based_on_id).first()
        if based_on is not None:
            return based_on
    return (
        queryset.filter(situation_id=assessment.situation_id, version__lt=assessment.version)
        .order_by("-version")
        .first()
    )


@staff_page
def assessment_diff(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    newer = access.access_assessment(user, pk)
    raw = request.GET.get("from", "")
    if raw.strip():
        older = access.access_assessment(user, raw.strip())
        if older.situation_id != newer.situation_id or older.pk == newer.pk:
            raise NotFoundError()
    else:
        older = _earlier_version(user, newer)
    anchor = newer
    if older is not None and older.version > newer.version:
        older, newer = newer, older
    situation = newer.situation
    others = list(
        access.assessments_visible(user)
        .filter(situation=situation)
        .exclude(pk=anchor.pk)
        .order_by("-version")
        .values_list("pk", "version", "status")
    )
    context = {
        "situation": situation,
        "anchor": anchor,
        "older": older,
        "newer": newer,
        "others": [(p, v, AssessmentStatus(s).label) for p, v, s in others],
        "compared_pk": (older.pk if older.pk != anchor.pk else newer.pk) if older else None,
    }
    if older is None:
        level = highest(newer.classification, situation.classification)
        _read_audit(user, level, newer)
        return render(
            request,
            "assessments/assessment_diff.html",
            {**context, "page_classification": level, "diff": None},
        )

    diff = selectors.assessment_diff(older=older, newer=newer)
    changed = diff.changed_factors
    codes = {code for c in changed for code in (*c.indicators_added, *c.indicators_removed)}
    statements: dict[str, str] = {}
    for code, statement, catalogue in Indicator.objects.filter(
        factor__catalogue__in={older.catalogue_id, newer.catalogue_id}, code__in=codes
    ).values_list("code", "statement", "factor__catalogue_id"):
        if code not in statements or catalogue == newer.catalogue_id:
            statements[code] = statement
    signal_ids = {s for c in changed for s in (*c.evidence_added, *c.evidence_removed)}
    shown = {
        s.pk: s
        for s in cases_access.signals_visible(user)
        .filter(pk__in=signal_ids)
        .only("pk", "headline", "classification")
    }
    rows = [
        FactorDiffRow(
            change=c,
            indicators_added=[(code, statements.get(code, "")) for code in c.indicators_added],
            indicators_removed=[(code, statements.get(code, "")) for code in c.indicators_removed],
            evidence_added=[(s, shown.get(s)) for s in c.evidence_added],
            evidence_removed=[(s, shown.get(s)) for s in c.evidence_removed],
        )
        for c in changed
    ]
    unchanged = [f.number for f in diff.factors if not f.changed]
    level = highest(
        older.classification,
        newer.classification,
        situation.classification,
        *(s.classification for s in shown.values()),
    )
    _read_audit(user, level, newer)
    return render(
        request,
        "assessments/assessment_diff.html",
        {
            **context,
            "page_classification": level,
            "diff": diff,
            "levels": [
                (LEVEL_NAMES[name], before, after) for name, (before, after) in diff.levels.items()
            ],
            "rows": rows,
            "unchanged": _numbers(unchanged) if unchanged else "",
            "unchanged_count": len(unchanged),
        },
    )


# --- Challenges -------------------------------------------------------------------------------


def _challenge_level(challenge: Challenge) -> int:
    return highest(
        challenge.signal.classification if challenge.signal_id else None,
        challenge.situation.classification if challenge.situation_id else None,
    )


@staff_page
def challenge_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ChallengeFilterForm(request.GET)
    status = form.chosen_status()
    queryset = access.challenges_visible(
        user,
        Challenge.objects.select_related(
            "author", "resolved_by", "signal", "situation", "judgment__factor"
        ),
    )
    if status:
        queryset = queryset.filter(status=status)
    page = keyset_page(queryset, request.GET, size=50)
    return render(
        request,
        "assessments/challenge_list.html",
        {
            "page_classification": highest(*(_challenge_level(c) for c in page.rows)),
            "form": form,
            "status": status,
            "status_label": ChallengeStatus(status).label.lower() if status else "",
            "page": page,
            "total": queryset.count(),
        },
    )


def _challenge_page(
    request: HttpRequest,
    challenge: Challenge,
    *,
    form: ChallengeResolveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    challenge = Challenge.objects.select_related(
        "author",
        "resolved_by",
        "signal__source",
        "situation",
        "judgment__factor",
        "judgment__assessment",
    ).get(pk=challenge.pk)
    counter = list(
        cases_access.signals_visible(
            user, challenge.counter_evidence.select_related("source")
        ).order_by("pk")
    )
    withheld = challenge.counter_evidence.count() - len(counter)
    visible_assessments = access.assessments_visible(user).values("pk")
    uses: list[Evidence] = []
    if challenge.signal_id:
        uses = list(
            Evidence.objects.filter(
                signal_id=challenge.signal_id, judgment__assessment__in=visible_assessments
            )
            .select_related("judgment__factor", "judgment__assessment__situation")
            .order_by("-judgment__assessment__created_at", "judgment__factor__number")
        )
    acknowledgements = list(
        ChallengeAcknowledgement.objects.filter(
            challenge=challenge, assessment__in=visible_assessments
        )
        .select_related("by", "assessment")
        .order_by("at")
    )
    is_open = challenge.status == ChallengeStatus.OPEN
    may_resolve = user.has_perm("assessments.change_challenge")
    is_author = challenge.author_id == user.pk
    if is_open and may_resolve and not is_author and form is None:
        form = ChallengeResolveForm()
    level = highest(
        _challenge_level(challenge),
        *(s.classification for s in counter),
        *(e.judgment.assessment.classification for e in uses),
        *(e.judgment.assessment.situation.classification for e in uses),
    )
    if challenge.judgment_id:
        level = highest(level, challenge.judgment.assessment.classification)
    _read_audit(user, level, challenge)
    return render(
        request,
        "assessments/challenge_detail.html",
        {
            "page_classification": level,
            "challenge": challenge,
            "counter": counter,
            "withheld": withheld,
            "uses": uses,
            "acknowledgements": acknowledgements,
            "is_open": is_open,
            "may_resolve": may_resolve,
            "is_author": is_author,
            "form": form if is_open and may_resolve and not is_author else None,
        },
        status=status,
    )


@staff_page
def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _challenge_page(request, access.access_challenge(request.user, pk))


@staff_page
@require_POST
def challenge_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = access.access_challenge(request.user, pk)
    form = ChallengeResolveForm(request.POST)
    if form.is_valid():
        try:
            resolved = services.challenge_resolve(
                challenge=challenge,
                actor=request.user,
                outcome=form.cleaned_data.get("outcome") or "",
                note=form.cleaned_data.get("note") or "",
            )
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        except (ForbiddenError, ConflictError) as exc:
            return _refused(
                request,
                exc,
                level=_challenge_level(challenge),
                back_url=reverse("assessments:challenge-detail", args=[challenge.pk]),
                back_label=f"Reload challenge #{challenge.pk}",
                form=form,
            )
        else:
            messages.success(
                request, f"Challenge #{resolved.pk} is {resolved.get_status_display().lower()}."
            )
            return redirect("assessments:challenge-detail", pk=resolved.pk)
    return _challenge_page(request, challenge, form=form, status=400)


@staff_page
@require_POST
def signal_challenge(request: HttpRequest, pk: int) -> HttpResponse:
    signal = cases_access.access_signal(request.user, pk)
    form = ChallengeRaiseForm(request.POST, prefix="challenge")
    if form.is_valid():
        try:
            challenge = services.challenge_raise(
                actor=request.user,
                reasoning=form.cleaned_data.get("reasoning") or "",
                signal_id=signal.pk,
                counter_evidence=form.cleaned_data.get("counter_evidence") or [],
            )
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        except ForbiddenError as exc:
            return _refused(
                request,
                exc,
                level=signal.classification,
                back_url=reverse("cases:signal-detail", args=[signal.pk]),
                back_label=f"Back to signal #{signal.pk}",
                form=form,
            )
        else:
            messages.success(
                request,
                f"Challenge #{challenge.pk} of signal #{signal.pk} is open. It is shown wherever "
                "the signal backs an assessment, until someone else resolves it.",
            )
            return HttpResponseRedirect(
                reverse("cases:signal-detail", args=[signal.pk]) + "#challenges"
            )
    return signal_page(request, signal, challenge_form=form, status=400)


urlpatterns = [
    path(
        "situations/<int:pk>/assessments/",
        situation_assessments,
        name="situation-assessments",
    ),
    path(
        "situations/<int:pk>/assessments/start/",
        assessment_start,
        name="assessment-start",
    ),
    path("assessments/<int:pk>/", assessment_detail, name="assessment-detail"),
    path("assessments/<int:pk>/diff/", assessment_diff, name="assessment-diff"),
    path("assessments/<int:pk>/overall/", assessment_update, name="assessment-update"),
    path("assessments/<int:pk>/submit/", assessment_submit, name="assessment-submit"),
    path("assessments/<int:pk>/approve/", assessment_approve, name="assessment-approve"),
    path("assessments/<int:pk>/return/", assessment_return, name="assessment-return"),
    path(
        "assessments/<int:pk>/challenges/<int:challenge_pk>/acknowledge/",
        challenge_acknowledge,
        name="challenge-acknowledge",
    ),
    path("judgments/<int:pk>/", judgment_update, name="judgment-update"),
    path("judgments/<int:pk>/evidence/", evidence_add, name="evidence-add"),
    path("judgments/<int:pk>/flags/", flags_acknowledge, name="flags-acknowledge"),
    path("judgments/<int:pk>/challenge/", judgment_challenge, name="judgment-challenge"),
    path("evidence/<int:pk>/remove/", evidence_remove, name="evidence-remove"),
    path("challenges/", challenge_list, name="challenge-list"),
    path("challenges/<int:pk>/", challenge_detail, name="challenge-detail"),
    path("challenges/<int:pk>/resolve/", challenge_resolve, name="challenge-resolve"),
    path("signals/<int:pk>/challenge/", signal_challenge, name="signal-challenge"),
]
