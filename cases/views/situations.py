"""Situation pages: the list, opening and editing a situation, its page and its team."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from assessments.models import RiskLevel
from assessments.views.portfolio import situation_panels
from cases import access, charts, selectors, services, timeline
from cases.forms.situations import (
    SituationFilterForm,
    SituationForm,
    TeamMemberForm,
    countries_named,
)
from cases.models import Situation
from cases.views.common import chosen_level, highest, require_permission, staff_page
from cases.views.gap import timeline_steps
from r2p.countries import country_name, country_region
from r2p.errors import ApplicationValidationError, ConflictError
from r2p.models import Classification, User
from r2p.pagination import keyset_page
from r2p.services import audit_record

CHART_WEEKS = 26


@staff_page
def situation_list(request: HttpRequest) -> HttpResponse:
    form = SituationFilterForm(request.GET)
    filters = form.filters()
    queryset = selectors.situation_list(user=request.user, **filters)
    page = keyset_page(queryset, request.GET, size=50)
    for row in page.rows:
        row.country_names = countries_named(row.countries)
    return render(
        request,
        "cases/situation_list.html",
        {
            "page_classification": highest(*(row.classification for row in page.rows)),
            "form": form,
            "page": page,
            "total": queryset.count(),
            "filtered": any(filters.values()),
            "can_open": request.user.has_perm("cases.add_situation"),
        },
    )


# --- Create and edit --------------------------------------------------------------------------


@staff_page
def situation_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "cases.add_situation")
    form = SituationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            situation = services.situation_create(
                created_by=request.user, lead_analyst=values.pop("lead_analyst", None), **values
            )
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        else:
            messages.success(request, f"Situation {situation.reference} is open.")
            return redirect("cases:situation-detail", pk=situation.pk)
    return render(
        request,
        "cases/situation_form.html",
        {"page_classification": chosen_level(form), "form": form, "situation": None},
        status=400 if form.errors else 200,
    )


@staff_page
def situation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    situation = access.access_situation(request.user, pk)
    if not access.situation_manageable(request.user, situation):
        raise Http404
    form = SituationForm(request.POST or None, user=request.user, situation=situation)
    saved: Situation | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.situation_update(
                situation=situation,
                actor=request.user,
                expected_version=form.cleaned_data.get("version") or situation.version,
                **form.service_values(),
            )
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        except ConflictError:
            # Keep what the person typed; show what was saved meanwhile; the next save is a
            # deliberate decision to replace it, so it carries the version now current.
            saved = situation
            saved.country_names = countries_named(saved.countries)
            form.data = form.data.copy()
            form.data["version"] = str(situation.version)
            form.add_error(
                None,
                "Someone else saved this situation first, while you were editing it. Your "
                "changes are not saved yet: they are still in the form below. Compare them "
                "with the saved version, then save again to replace it.",
            )
            status = 409
        else:
            messages.success(request, f"{situation.reference} is saved.")
            return redirect("cases:situation-detail", pk=situation.pk)
    if form.errors and status == 200:
        status = 400
    return render(
        request,
        "cases/situation_form.html",
        {
            "page_classification": highest(situation.classification, chosen_level(form)),
            "form": form,
            "situation": situation,
            "saved": saved,
        },
        status=status,
    )


# --- The situation page -----------------------------------------------------------------------


def _linked_ceiling(user: User, situation: Situation) -> int | None:
    """The highest classification among the linked signals this person sees (the chart counts
    them all, so the page is marked for all of them)."""
    return (
        access.signals_visible(user)
        .filter(situation_links__situation=situation)
        .aggregate(level=Max("classification"))["level"]
    )


def _situation_page(
    request: HttpRequest,
    situation: Situation,
    *,
    team_form: TeamMemberForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    overview = selectors.situation_overview(situation=situation, user=user, weeks=CHART_WEEKS)
    chart = charts.weekly_category_chart(
        overview.weekly, end=date.today(), weeks=CHART_WEEKS, chart_id="situation-chart"
    )
    manageable = access.situation_manageable(user, situation)
    if manageable and team_form is None:
        team_form = TeamMemberForm(situation=situation)
    # Risk, triggers and response options (issue 4), for those whose role reads assessments.
    risk = situation_panels(user, situation)
    line = timeline.situation_timeline(situation=situation, user=user)
    stalled = next(iter(timeline.inaction(user=user, situation=situation)), None)
    level = highest(
        situation.classification,
        _linked_ceiling(user, situation),
        risk.classification if risk else None,
    )
    if level == Classification.STRICTLY_CONFIDENTIAL:
        audit_record(
            action="situation.read",
            actor=user,
            target=situation,
            summary={
                "strictly_confidential_signals": [
                    s.pk
                    for s in overview.latest
                    if s.classification == Classification.STRICTLY_CONFIDENTIAL
                ]
            },
        )
    countries = []
    for code in situation.countries:
        region, subregions = country_region(code)
        countries.append(
            {"code": code, "name": country_name(code) or code, "region": region, "sub": subregions}
        )
    return render(
        request,
        "cases/situation_detail.html",
        {
            "page_classification": level,
            "situation": situation,
            "countries": countries,
            "overview": overview,
            "chart": chart,
            "manageable": manageable,
            "team_form": team_form,
            "risk": risk,
            "timeline_steps": timeline_steps(line),
            "escalation": _escalation_panel(user, situation),
            "inaction": stalled
            and {"level_word": RiskLevel(stalled.level).label, "days": stalled.days},
        },
        status=status,
    )


def _escalation_panel(user: User, situation: Situation) -> dict:
    """The escalation in progress the person may see, or whether they may start one."""
    from cases.escalations import OPEN_STATUSES

    current = (
        access.escalations_visible(user)
        .filter(situation=situation, status__in=OPEN_STATUSES)
        .first()
    )
    may_start = (
        current is None
        and user.has_perm("cases.add_escalation")
        and access.on_team(user, situation)
        and situation.escalations.filter(status__in=OPEN_STATUSES).count() == 0
    )
    return {"current": current, "may_start": may_start}


@staff_page
def situation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    situation = access.access_situation(request.user, pk)
    return _situation_page(request, situation)


@staff_page
@require_POST
def situation_team_add(request: HttpRequest, pk: int) -> HttpResponse:
    situation = access.access_situation(request.user, pk)
    if not access.situation_manageable(request.user, situation):
        raise Http404
    form = TeamMemberForm(request.POST, situation=situation)
    if form.is_valid():
        member = form.cleaned_data["user"]
        try:
            services.situation_member_add(situation=situation, user=member, actor=request.user)
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        else:
            messages.success(
                request, f"{member.get_full_name() or member.username} is on the team."
            )
            return redirect("cases:situation-detail", pk=situation.pk)
    return _situation_page(request, situation, team_form=form, status=400)


@staff_page
@require_POST
def situation_team_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    situation = access.access_situation(request.user, pk)
    if not access.situation_manageable(request.user, situation):
        raise Http404
    member = get_object_or_404(User, pk=user_id)
    try:
        services.situation_member_remove(situation=situation, user=member, actor=request.user)
    except ApplicationValidationError as exc:
        for problems in exc.fields.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(
            request, f"{member.get_full_name() or member.username} is no longer on the team."
        )
    return redirect("cases:situation-detail", pk=situation.pk)


urlpatterns = [
    path("situations/", situation_list, name="situation-list"),
    path("situations/new/", situation_create, name="situation-create"),
    path("situations/<int:pk>/", situation_detail, name="situation-detail"),
    path("situations/<int:pk>/edit/", situation_edit, name="situation-edit"),
    path("situations/<int:pk>/team/", situation_team_add, name="situation-team-add"),
    path(
        "situations/<int:pk>/team/<int:user_id>/remove/",
        situation_team_remove,
        name="situation-team-remove",
    ),
]
