"""Signal pages: the browser form for one signal, and a signal's own page with its triage."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from assessments import access as assessments_access
from assessments.forms.assessments import ChallengeRaiseForm
from assessments.models import Challenge
from cases import access, selectors, services
from cases.forms.signals import DismissForm, SignalForm, SituationLinkForm
from cases.models import (
    Credibility,
    Origin,
    Reliability,
    Signal,
    SignalSituationLink,
    SignalStatus,
)
from cases.views.common import chosen_level, highest, require_permission, staff_page
from r2p.countries import country_name
from r2p.errors import ApplicationValidationError, ConflictError
from r2p.models import AuditEvent, Classification, User
from r2p.services import audit_record

HISTORY_ROWS = 100


def signal_audit_history(signal: Signal, *, limit: int = HISTORY_ROWS) -> list[AuditEvent]:
    """What happened to this signal, newest first, from the audit trail."""
    return list(
        AuditEvent.objects.filter(object_type="cases.signal", object_id=str(signal.pk)).order_by(
            "-id"
        )[:limit]
    )


def _visible(user: User) -> QuerySet[Signal]:
    return access.signals_visible(user, Signal.objects.select_related("source"))


def _back_to(request: HttpRequest, signal: Signal) -> HttpResponse:
    """Back to the signal's page, or to the inbox when the change took it out of sight.

    A dismissed CONFIDENTIAL signal that no situation links is visible only to named people.
    """
    if _visible(request.user).filter(pk=signal.pk).exists():
        return redirect("cases:signal-detail", pk=signal.pk)
    messages.info(
        request,
        f"Signal #{signal.pk} is now out of your view: at its classification and status only "
        "named colleagues may see it.",
    )
    return redirect("cases:inbox")


# --- The form ---------------------------------------------------------------------------------


@staff_page
def signal_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "cases.add_signal")
    form = SignalForm(request.POST or None, user=request.user)
    if request.method == "POST":
        valid = form.is_valid()
        data = form.service_data()
        if not valid:
            # Report every problem at once, not only the ones the form could parse.
            _, problems = services.signal_validate(data, actor=request.user)
            if problems:
                form.service_errors_add(ApplicationValidationError(problems))
        else:
            try:
                signal = services.signal_create(actor=request.user, data=data, origin=Origin.FORM)
            except ApplicationValidationError as exc:
                form.service_errors_add(exc)
            else:
                messages.success(
                    request,
                    f"Signal #{signal.pk} is filed and waits in the inbox for triage.",
                )
                return _back_to(request, signal)
    return render(
        request,
        "cases/signal_form.html",
        {"page_classification": chosen_level(form), "form": form},
        status=400 if form.errors else 200,
    )


# --- The signal page --------------------------------------------------------------------------


def signal_page(
    request: HttpRequest,
    signal: Signal,
    *,
    link_form: SituationLinkForm | None = None,
    dismiss_form: DismissForm | None = None,
    challenge_form: ChallengeRaiseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The signal's page; a form that failed comes back bound, with its problems beside it.

    Also the answer of assessments' challenge form when it fails (the same page, status 400).
    """
    user = request.user
    if signal.classification == Classification.STRICTLY_CONFIDENTIAL:
        audit_record(action="signal.read", actor=user, target=signal)
    can_triage = user.has_perm("cases.change_signal")
    allowed = services.SIGNAL_TRANSITIONS[signal.status]

    cluster = []
    if signal.cluster_id:
        cluster = list(
            _visible(user).filter(cluster_id=signal.cluster_id).exclude(pk=signal.pk).order_by("id")
        )
    duplicate_of = None
    if signal.duplicate_of_id:
        duplicate_of = _visible(user).filter(pk=signal.duplicate_of_id).first()
    links = list(
        SignalSituationLink.objects.filter(
            signal=signal, situation__in=access.situations_visible(user)
        )
        .select_related("situation", "linked_by")
        .order_by("linked_at")
    )
    candidates: list[Signal] = []
    if can_triage and signal.status != SignalStatus.DUPLICATE:
        candidates = selectors.signal_duplicate_candidates(signal=signal, user=user)

    if can_triage:
        link_form = link_form or SituationLinkForm(user=user, signal=signal)
        if SignalStatus.DISMISSED in allowed:
            dismiss_form = dismiss_form or DismissForm()
    else:
        link_form = dismiss_form = None

    # Challenges of this signal: shown wherever the signal is, with their status.
    challenges = list(
        assessments_access.challenges_visible(user, Challenge.objects.select_related("author"))
        .filter(signal=signal)
        .order_by("-created_at", "-pk")
    )
    if challenge_form is None and user.has_perm("assessments.add_challenge"):
        challenge_form = ChallengeRaiseForm(prefix="challenge")

    shown = [signal, *cluster, *candidates, *([duplicate_of] if duplicate_of else [])]
    return render(
        request,
        "cases/signal_detail.html",
        {
            "page_classification": highest(*(s.classification for s in shown)),
            "signal": signal,
            "country": country_name(signal.country) or signal.country,
            "reliability": Reliability(signal.source.reliability),
            "credibility": Credibility(signal.credibility),
            "corroboration": selectors.signal_corroboration([signal])[signal.pk],
            "cluster": cluster,
            "duplicate_of": duplicate_of,
            "links": links,
            "candidates": candidates,
            "history": signal_audit_history(signal),
            "can_triage": can_triage,
            "can_reopen": can_triage and SignalStatus.NEW in allowed,
            "link_form": link_form,
            "dismiss_form": dismiss_form,
            "challenges": challenges,
            "challenge_form": challenge_form,
        },
        status=status,
    )


@staff_page
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return signal_page(request, access.access_signal(request.user, pk))


@staff_page
@require_POST
def signal_link(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "cases.change_signal")
    signal = access.access_signal(request.user, pk)
    form = SituationLinkForm(request.POST, user=request.user, signal=signal)
    if form.is_valid():
        situation = form.cleaned_data["situation"]
        try:
            services.signal_link(signal=signal, situation=situation, actor=request.user)
        except (ApplicationValidationError, ConflictError) as exc:
            form.errors_from(exc)
        else:
            messages.success(request, f"Linked to {situation.reference} {situation.title}.")
            return redirect("cases:signal-detail", pk=signal.pk)
    return signal_page(request, signal, link_form=form, status=400)


@staff_page
@require_POST
def signal_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "cases.change_signal")
    signal = access.access_signal(request.user, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.signal_dismiss(
                signal=signal, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        except ConflictError as exc:
            messages.error(request, exc.message)
            return redirect("cases:signal-detail", pk=signal.pk)
        else:
            messages.success(request, f"Signal #{signal.pk} is dismissed.")
            return _back_to(request, signal)
    return signal_page(request, signal, dismiss_form=form, status=400)


@staff_page
@require_POST
def signal_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "cases.change_signal")
    signal = access.access_signal(request.user, pk)
    try:
        services.signal_reopen(signal=signal, actor=request.user)
    except (ApplicationValidationError, ConflictError) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Signal #{signal.pk} is back in the inbox.")
    return redirect("cases:signal-detail", pk=signal.pk)


@staff_page
@require_POST
def signal_duplicate_decide(request: HttpRequest, pk: int, candidate_pk: int) -> HttpResponse:
    require_permission(request.user, "cases.change_signal")
    signal = access.access_signal(request.user, pk)
    candidate = access.access_signal(request.user, candidate_pk)
    verdict = request.POST.get("verdict")
    if verdict not in ("same", "different"):
        messages.error(request, "Say whether the two report the same event or not.")
        return redirect("cases:signal-detail", pk=signal.pk)
    try:
        services.duplicate_decide(
            signal=signal, candidate=candidate, same_event=verdict == "same", actor=request.user
        )
    except (ApplicationValidationError, ConflictError) as exc:
        problems = [m for ms in exc.fields.values() for m in ms] or [exc.message]
        for problem in problems:
            messages.error(request, problem)
    else:
        if verdict == "same":
            messages.success(request, f"#{signal.pk} and #{candidate.pk} report the same event.")
        else:
            messages.success(
                request, f"#{candidate.pk} is a different event; it will not be suggested again."
            )
    return _back_to(request, signal)


urlpatterns = [
    path("signals/new/", signal_create, name="signal-create"),
    path("signals/<int:pk>/", signal_detail, name="signal-detail"),
    path("signals/<int:pk>/link/", signal_link, name="signal-link"),
    path("signals/<int:pk>/dismiss/", signal_dismiss, name="signal-dismiss"),
    path("signals/<int:pk>/reopen/", signal_reopen, name="signal-reopen"),
    path(
        "signals/<int:pk>/duplicates/<int:candidate_pk>/",
        signal_duplicate_decide,
        name="signal-duplicate-decide",
    ),
]
