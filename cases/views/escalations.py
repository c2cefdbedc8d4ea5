"""Escalation pages: the list, an escalation's page with its moves and dissents, drafting one
from a situation and editing the draft, the Secretary-General's desk and the decision form,
and the referrals it makes.

Every write is a POST that calls one service. Bad input brings the form back with the messages
beside the fields (400). A move the person may not make says why (403: the escalation is
visible to them); a stale version or a move no longer possible says what happened (409).
Anything the person may not see answers 404, like something that does not exist.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import access, briefings, decisions, escalations
from cases.forms.escalations import (
    DecisionForm,
    DissentForm,
    EscalationCreateForm,
    EscalationEditForm,
    EscalationMoveForm,
    ReferralUpdateForm,
    routing_errors,
    routing_forms,
    routings_read,
    usual_legal_bases,
)
from cases.models import Body, Escalation, EscalationStatus, Referral, RegionalArrangement
from cases.views.common import highest, require_permission, staff_page
from r2p.errors import ApplicationError, ApplicationValidationError, ConflictError, ForbiddenError
from r2p.models import User
from r2p.services import audit_record


def _waited(since) -> str:
    """`3 days 4 hours`, `5 hours`, `under an hour`."""
    delta: timedelta = timezone.now() - since
    days, hours = delta.days, delta.seconds // 3600
    if days:
        return f"{days} day{'s' * (days != 1)}" + (f" {hours} h" if hours else "")
    return f"{hours} hour{'s' * (hours != 1)}" if hours else "under an hour"


def _briefing_url(escalation: Escalation) -> str | None:
    try:
        return reverse("cases:briefing", args=[escalation.pk])
    except NoReverseMatch:
        return None


def _refused(
    request: HttpRequest, error: ApplicationError, *, level: int, back_url: str, back_label: str
) -> HttpResponse:
    if isinstance(error, ForbiddenError):
        audit_record(
            action="access.denied", actor=request.user, summary={"path": request.path[:200]}
        )
    problems = [m for ms in error.fields.values() for m in ms] if error.fields else []
    return render(
        request,
        "cases/escalation_refused.html",
        {
            "page_classification": level,
            "error": error,
            "problems": problems,
            "conflict": isinstance(error, ConflictError),
            "forbidden": isinstance(error, ForbiddenError),
            "back_url": back_url,
            "back_label": back_label,
        },
        status=error.http_status,
    )


# Moves that turn back rather than forward: shown apart from the way forward, never primary.
SIDE_ACTIONS = frozenset({"return", "withdraw"})


def _moves_for(user: User, escalation: Escalation, *, on_team: bool) -> list[dict]:
    """The moves ESCALATION_MOVES allows this person from the escalation's status, each with
    its button wording. The desk's own moves (decide, send back for more information) go
    through the decision form, which records the decision."""
    if escalation.status == EscalationStatus.AT_DESK:
        return []
    moves = []
    for (action, status), move in escalations.ESCALATION_MOVES.items():
        if status != escalation.status or not user.has_perm(move.permission):
            continue
        if move.team_only and not on_team:
            continue
        if move.not_drafter and escalation.drafted_by_id == user.pk:
            continue
        moves.append(
            {
                "action": action,
                "label": escalations.ACTION_BUTTONS[action],
                "needs_comment": move.needs_comment,
                "primary": action in escalations.FORWARD_ACTIONS,
                "side": action in SIDE_ACTIONS,
            }
        )
    # The way forward first; returning and withdrawing after it.
    return sorted(moves, key=lambda m: (m["side"], not m["primary"]))


# --- List and page ---------------------------------------------------------------------------

# Whose step it is in each open status, in words, for the rows that are not the viewer's.
NEXT_BY: dict[str, str] = {
    EscalationStatus.DRAFT: "The drafter",
    EscalationStatus.IN_REVIEW: "A senior analyst",
    EscalationStatus.REVIEWED: "A Special Adviser",
    EscalationStatus.ENDORSED: "A Special Adviser",
    EscalationStatus.AT_DESK: "The SG Office",
}


@staff_page
def escalation_list(request: HttpRequest) -> HttpResponse:
    rows = list(
        access.escalations_visible(request.user)
        .select_related("situation", "assessment")
        .order_by("-status_since", "-pk")[:200]
    )
    overdue = set(
        escalations.escalations_overdue()
        .filter(pk__in=[r.pk for r in rows])
        .values_list("pk", flat=True)
    )
    for row in rows:
        row.waited = _waited(row.status_since)
        row.overdue = row.pk in overdue
        # waiting_on lists everyone (queries per row); is_waited_on answers the same question
        # for the viewer from the row and their permissions, so the page's queries stay fixed.
        row.your_turn = escalations.is_waited_on(request.user, row)
        row.next_by = NEXT_BY.get(row.status, "")
    return render(
        request,
        "cases/escalation_list.html",
        {
            "page_classification": highest(*(r.classification for r in rows)),
            "rows": rows,
            "your_turn_count": sum(row.your_turn for row in rows),
        },
    )


def _routing_named(routing: list[dict]) -> list[dict]:
    """The recommended routing with each body's full name: the arrangement's own name for a
    regional one, the name given for another body."""
    bodies = dict(Body.choices)
    acronyms = [r["regional_arrangement"] for r in routing if r.get("regional_arrangement")]
    names = (
        dict(
            RegionalArrangement.objects.filter(acronym__in=acronyms).values_list("acronym", "name")
        )
        if acronyms
        else {}
    )
    named = []
    for r in routing:
        body, acronym = r.get("body"), r.get("regional_arrangement")
        if body == Body.REGIONAL and acronym:
            name = f"{names.get(acronym, acronym)} ({acronym})"
            kind = "Regional or subregional arrangement"
        elif body == Body.OTHER and r.get("other_body"):
            name, kind = r["other_body"], "Other body"
        else:
            name, kind = bodies.get(body, body), ""
        named.append({**r, "name": name, "kind": kind})
    return named


def _escalation_page(
    request: HttpRequest,
    escalation: Escalation,
    *,
    move_form=None,
    dissent_form=None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    escalation = (
        Escalation.objects.select_related(
            "situation", "assessment", "drafted_by", "reviewed_by", "endorsed_by"
        )
        .prefetch_related("response_options__instrument")
        .get(pk=escalation.pk)
    )
    transitions = list(escalation.transitions.select_related("actor"))
    for row in transitions:
        move = escalations.ESCALATION_MOVES.get((row.action, row.from_status))
        row.words = move.label if move else row.action
    on_team = access.on_team(user, escalation.situation)
    moves = _moves_for(user, escalation, on_team=on_team)
    dissents = list(escalation.dissents.select_related("author"))
    may_dissent = escalation.status in briefings.RECOMPILED_IN and any(
        user.has_perm(p) for p in briefings.REVIEWER_PERMISSIONS
    )
    decisions_made = list(
        escalation.decisions.select_related("decided_by").prefetch_related(
            "referrals__regional_arrangement"
        )
    )
    return render(
        request,
        "cases/escalation_detail.html",
        {
            "page_classification": highest(
                escalation.classification,
                escalation.assessment.classification if escalation.assessment else None,
            ),
            "escalation": escalation,
            "waited": _waited(escalation.status_since),
            "transitions": transitions,
            "recommended": _routing_named(escalation.recommended_routing),
            "dissents": dissents,
            "dissent_form": (dissent_form or DissentForm()) if may_dissent else None,
            "decisions": decisions_made,
            "moves": moves,
            "forward_moves": [m for m in moves if not m["side"]],
            "side_moves": [m for m in moves if m["side"]],
            "move_form": move_form,
            "can_edit": escalation.status == EscalationStatus.DRAFT
            and on_team
            and user.has_perm("cases.add_escalation"),
            "can_decide": escalation.status == EscalationStatus.AT_DESK
            and user.has_perm("cases.decide_escalation"),
            "briefing_url": _briefing_url(escalation),
        },
        status=status,
    )


@staff_page
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _escalation_page(request, access.access_escalation(request.user, pk))


@staff_page
@require_POST
def escalation_move(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = access.access_escalation(request.user, pk)
    form = EscalationMoveForm(request.POST)
    if not form.is_valid():
        return _escalation_page(request, escalation, move_form=form, status=400)
    try:
        moved = escalations.escalation_transition(
            escalation=escalation,
            actor=request.user,
            action=form.cleaned_data["action"],
            comment=form.cleaned_data.get("comment") or "",
            version=form.cleaned_data.get("version"),
        )
    except ApplicationValidationError as exc:
        for name, problems in exc.fields.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
        return _escalation_page(request, escalation, move_form=form, status=400)
    except (ForbiddenError, ConflictError) as exc:
        return _refused(
            request,
            exc,
            level=escalation.classification,
            back_url=reverse("cases:escalation-detail", args=[escalation.pk]),
            back_label=f"Reload {escalation.reference} as it is now",
        )
    done = escalations.ACTION_DONE.get(request.POST.get("action", ""), "{ref} is saved.")
    messages.success(request, done.format(ref=moved.reference))
    return redirect("cases:escalation-detail", pk=moved.pk)


_ROUTING_KEY = re.compile(r"^recommended_routing\[(\d+)\]\.")


# --- Drafting one ----------------------------------------------------------------------------


@staff_page
def escalation_create(request: HttpRequest, pk: int) -> HttpResponse:
    situation = access.access_situation(request.user, pk)
    require_permission(request.user, "cases.add_escalation")
    if not access.on_team(request.user, situation):
        raise Http404
    form = EscalationCreateForm(request.POST or None, situation=situation)
    rows = routing_forms(request.POST or None, dated=False)
    if request.method == "POST":
        form.is_valid()
        routings, positions = routings_read(rows)
        try:
            escalation = escalations.escalation_create(
                situation=situation,
                actor=request.user,
                summary=form.data.get("summary", ""),
                option_ids=form.option_ids(),
                recommended_routing=routings,
            )
        except ApplicationValidationError as exc:
            _service_errors_to_rows(exc, form, rows, positions)
        except (ForbiddenError, ConflictError) as exc:
            return _refused(
                request,
                exc,
                level=situation.classification,
                back_url=reverse("cases:situation-detail", args=[situation.pk]),
                back_label=f"Back to {situation.reference}",
            )
        else:
            messages.success(request, f"Escalation {escalation.reference} is drafted.")
            return redirect("cases:escalation-detail", pk=escalation.pk)
    return render(
        request,
        "cases/escalation_form.html",
        {
            "page_classification": situation.classification,
            "situation": situation,
            "form": form,
            "rows": rows,
            "usual_bases": usual_legal_bases(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _service_errors_to_rows(
    exc: ApplicationValidationError, form: EscalationCreateForm, rows: list, positions: list[int]
) -> None:
    """recommended_routing[i].field -> routings.i.field, the row of the form it came from."""
    fields = {_ROUTING_KEY.sub(r"routings.\1.", key): found for key, found in exc.fields.items()}
    routing_errors(ApplicationValidationError(fields), form, rows, positions)


@staff_page
def escalation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = access.access_escalation(request.user, pk)
    back = reverse("cases:escalation-detail", args=[escalation.pk])
    refused: ApplicationError | None = None
    if not (
        request.user.has_perm("cases.add_escalation")
        and access.on_team(request.user, escalation.situation)
    ):
        refused = ForbiddenError("Only the situation's team edits its escalations.")
    elif escalation.status != EscalationStatus.DRAFT:
        refused = ConflictError(
            f"{escalation.reference} is {escalation.get_status_display().lower()}; only a draft "
            "is edited."
        )
    if refused is not None:
        return _refused(
            request,
            refused,
            level=escalation.classification,
            back_url=back,
            back_label=f"Back to {escalation.reference}",
        )
    situation = escalation.situation
    chosen = escalation.response_options.values_list("pk", flat=True)
    form = EscalationEditForm(
        request.POST or None,
        situation=situation,
        initial={
            "summary": escalation.summary,
            "response_options": [str(option) for option in chosen],
            "version": escalation.version,
        },
    )
    rows = routing_forms(request.POST or None, dated=False, initial=escalation.recommended_routing)
    if request.method == "POST":
        form.is_valid()
        routings, positions = routings_read(rows)
        try:
            escalations.escalation_update(
                escalation=escalation,
                actor=request.user,
                data={
                    "summary": form.data.get("summary", ""),
                    "response_options": form.option_ids(),
                    "recommended_routing": routings,
                },
                version=form.data.get("version") or None,
            )
        except ApplicationValidationError as exc:
            _service_errors_to_rows(exc, form, rows, positions)
        except (ForbiddenError, ConflictError) as exc:
            return _refused(
                request,
                exc,
                level=escalation.classification,
                back_url=back,
                back_label=f"Reload {escalation.reference} as it is now",
            )
        else:
            messages.success(request, f"The draft of {escalation.reference} is saved.")
            return redirect("cases:escalation-detail", pk=escalation.pk)
    return render(
        request,
        "cases/escalation_form.html",
        {
            "page_classification": escalation.classification,
            "situation": situation,
            "escalation": escalation,
            "form": form,
            "rows": rows,
            "usual_bases": usual_legal_bases(),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_page
@require_POST
def escalation_dissent(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = access.access_escalation(request.user, pk)
    form = DissentForm(request.POST)
    form.is_valid()
    try:
        briefings.dissent_add(
            escalation=escalation, actor=request.user, text=form.data.get("text", "")
        )
    except ApplicationValidationError as exc:
        form.errors_from(exc)
        return _escalation_page(request, escalation, dissent_form=form, status=400)
    except (ForbiddenError, ConflictError) as exc:
        return _refused(
            request,
            exc,
            level=escalation.classification,
            back_url=reverse("cases:escalation-detail", args=[escalation.pk]),
            back_label=f"Back to {escalation.reference}",
        )
    messages.success(request, f"Your dissenting view is attached to {escalation.reference}.")
    return redirect(reverse("cases:escalation-detail", args=[escalation.pk]) + "#dissents")


# --- The desk --------------------------------------------------------------------------------


@staff_page
def desk(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "cases.decide_escalation")
    rows = list(decisions.desk_queue(user=request.user))
    overdue = set(
        escalations.escalations_overdue()
        .filter(pk__in=[r.pk for r in rows])
        .values_list("pk", flat=True)
    )
    for row in rows:
        row.waited = _waited(row.status_since)
        row.overdue = row.pk in overdue
    return render(
        request,
        "cases/desk.html",
        {"page_classification": highest(*(r.classification for r in rows)), "rows": rows},
    )


@staff_page
def escalation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "cases.decide_escalation")
    escalation = access.access_escalation(request.user, pk)
    back = reverse("cases:escalation-detail", args=[escalation.pk])
    if escalation.status != EscalationStatus.AT_DESK:
        return _refused(
            request,
            ConflictError(
                f"{escalation.reference} is {escalation.get_status_display().lower()}, not at "
                "the desk: there is nothing to decide."
            ),
            level=escalation.classification,
            back_url=back,
            back_label=f"Open {escalation.reference}",
        )
    form = DecisionForm(request.POST or None, initial={"version": escalation.version})
    rows = routing_forms(request.POST or None, initial=escalation.recommended_routing)
    if request.method == "POST":
        form.is_valid()
        routings, positions = routings_read(rows)
        try:
            decision = decisions.escalation_decide(
                escalation=escalation,
                actor=request.user,
                outcome=form.data.get("outcome", ""),
                rationale=form.data.get("rationale", ""),
                # The rows only matter for a routing; a hold or send-back ignores them.
                routings=routings if form.data.get("outcome") == "route" else [],
                version=form.data.get("version") or None,
            )
        except ApplicationValidationError as exc:
            routing_errors(exc, form, rows, positions)
        except (ForbiddenError, ConflictError) as exc:
            return _refused(
                request,
                exc,
                level=escalation.classification,
                back_url=back,
                back_label=f"Reload {escalation.reference} as it is now",
            )
        else:
            messages.success(
                request,
                f"The decision on {escalation.reference} is recorded: "
                f"{decision.get_outcome_display().lower()}.",
            )
            return redirect("cases:desk")
    assessment = escalation.assessment
    return render(
        request,
        "cases/escalation_decide.html",
        {
            "page_classification": highest(
                escalation.classification, assessment.classification if assessment else None
            ),
            "escalation": escalation,
            "form": form,
            "rows": rows,
            "usual_bases": usual_legal_bases(),
            "briefing_url": _briefing_url(escalation),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Referrals -------------------------------------------------------------------------------


@staff_page
def referral_list(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    rows = list(decisions.referral_list(user=request.user, overdue=overdue_only)[:500])
    today = timezone.localdate()
    for row in rows:
        row.overdue = decisions.referral_overdue(row, today)
        row.body_name = decisions.referral_body_name(row)
    return render(
        request,
        "cases/referral_list.html",
        {
            "page_classification": highest(*(r.decision.escalation.classification for r in rows)),
            "rows": rows,
            "overdue_only": overdue_only,
        },
    )


def _referral_page(
    request: HttpRequest, referral: Referral, *, form=None, status: int = 200
) -> HttpResponse:
    escalation = referral.decision.escalation
    may_update = (
        referral.status in decisions.OPEN_REFERRAL_STATUSES
        and decisions.referral_may_update(request.user, referral)
    )
    if may_update and form is None:
        form = ReferralUpdateForm(
            initial={
                "status": referral.status,
                "version": referral.version,
                "follow_up_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
            }
        )
    return render(
        request,
        "cases/referral_detail.html",
        {
            "page_classification": escalation.classification,
            "referral": referral,
            "escalation": escalation,
            "body_name": decisions.referral_body_name(referral),
            "overdue": decisions.referral_overdue(referral),
            "updates": list(referral.updates.select_related("actor")),
            "form": form if may_update else None,
        },
        status=status,
    )


@staff_page
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = decisions.access_referral(request.user, pk)
    if request.method != "POST":
        return _referral_page(request, referral)
    form = ReferralUpdateForm(request.POST)
    form.is_valid()
    try:
        decisions.referral_update(
            referral=referral,
            actor=request.user,
            status=form.data.get("status", ""),
            note=form.data.get("note", ""),
            follow_up_on=form.data.get("follow_up_on") or None,
            action_taken=form.data.get("action_taken", ""),
            version=form.data.get("version") or None,
        )
    except ApplicationValidationError as exc:
        form.errors_from(exc)
        return _referral_page(request, referral, form=form, status=400)
    except (ForbiddenError, ConflictError) as exc:
        return _refused(
            request,
            exc,
            level=referral.decision.escalation.classification,
            back_url=reverse("cases:referral-detail", args=[referral.pk]),
            back_label="Reload the referral as it is now",
        )
    messages.success(request, "The follow-up is recorded.")
    return redirect("cases:referral-detail", pk=referral.pk)


urlpatterns = [
    path("escalations/", escalation_list, name="escalation-list"),
    path("escalations/<int:pk>/", escalation_detail, name="escalation-detail"),
    path("escalations/<int:pk>/edit/", escalation_edit, name="escalation-edit"),
    path("escalations/<int:pk>/move/", escalation_move, name="escalation-move"),
    path("escalations/<int:pk>/dissent/", escalation_dissent, name="escalation-dissent"),
    path("escalations/<int:pk>/decide/", escalation_decide, name="escalation-decide"),
    path("situations/<int:pk>/escalate/", escalation_create, name="escalation-create"),
    path("desk/", desk, name="desk"),
    path("referrals/", referral_list, name="referral-list"),
    path("referrals/<int:pk>/", referral_detail, name="referral-detail"),
]
