"""Portfolio pages: the heat map and the map of risk, the trigger calendar, response options,
and the risk panels of a situation's page.

Every page answers 404 to anyone who may not see what it shows (cases.views.common.staff_page
and the access functions); a move the person may see but not make (the service's
ForbiddenError) answers 403 with the service's words. Bad input re-renders the form with the
service's messages beside the fields, status 400; a stale or disallowed move answers 409.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from assessments import access, charts, selectors, services
from assessments.forms.portfolio import (
    MOVES,
    CalendarFilterForm,
    OptionForm,
    OptionMoveForm,
    PortfolioFilterForm,
    TriggerForm,
    instruments_by_pillar,
    latest_factors,
)
from assessments.models import (
    AssessmentStatus,
    Instrument,
    OptionStatus,
    ResponseOption,
    TriggerEvent,
)
from assessments.worldmap import (
    LEVEL_WORDS,
    NO_ASSESSMENT_WORD,
    NOT_MONITORED_WORD,
    CountryRisk,
    world_map_svg,
)
from cases import access as cases_access
from cases.models import Situation
from cases.views.common import highest, require_permission, staff_page
from r2p.countries import countries_in_region, country_name
from r2p.errors import (
    ApplicationValidationError,
    ConflictError,
    ForbiddenError,
)
from r2p.models import Classification, User
from r2p.services import audit_record

TRIGGER_PANEL_DAYS = 90
WRITE_PERMISSION = "assessments.change_assessment"


# --- Shared -------------------------------------------------------------------------------------


def _forbidden(request: HttpRequest, error: ForbiddenError) -> HttpResponse:
    """The person may see the record but not make this move: say why, in the service's words."""
    audit_record(
        action="access.denied",
        actor=request.user,
        summary={"path": request.path[:200], "reason": error.message},
    )
    return render(
        request,
        "assessments/portfolio_forbidden.html",
        {"page_classification": Classification.PUBLIC, "message": error.message},
        status=403,
    )


def _next_or(request: HttpRequest, fallback: str) -> str:
    """Back to where the person came from (a page of this site only), or to `fallback`."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return fallback


def _can_write(user: User, situation: Situation) -> bool:
    """Whether to offer the forms; the services decide (assessments.access.require_writer)."""
    return user.has_perm(WRITE_PERMISSION) and access.on_team(user, situation)


def _writable_situations(user: User) -> set[int]:
    """The situations whose triggers and options this person may change, in one query."""
    if not user.has_perm(WRITE_PERMISSION):
        return set()
    return set(
        Situation.objects.filter(Q(lead_analyst=user) | Q(members__user=user))
        .values_list("pk", flat=True)
        .distinct()
    )


# --- The situation page's panels ----------------------------------------------------------------


@dataclass
class SituationPanels:
    """What the situation page shows of risk: level and trend, triggers, response options."""

    points: list[selectors.TrendPoint]
    trend: str
    chart: SafeString | None
    triggers: list[TriggerEvent]
    options: list[ResponseOption]
    can_write: bool
    trigger_form: TriggerForm | None
    classification: int | None  # the highest of the approved versions shown
    assessments_url: str
    options_url: str
    trigger_days: int = TRIGGER_PANEL_DAYS
    default_reminder: int = field(default_factory=lambda: settings.TRIGGER_REMINDER_DAYS)

    @property
    def latest(self) -> selectors.TrendPoint | None:
        return self.points[-1] if self.points else None

    @property
    def crimes(self) -> list[tuple[str, int]]:
        latest = self.latest
        if latest is None:
            return []
        return [
            ("Genocide", latest.genocide),
            ("Crimes against humanity", latest.crimes_against_humanity),
            ("War crimes", latest.war_crimes),
        ]


def situation_panels(user: User, situation: Situation) -> SituationPanels | None:
    """The risk, trigger and option panels of a situation's page, in a fixed number of queries
    (None for people whose role does not read assessments)."""
    if not user.has_perm("assessments.view_assessment"):
        return None
    points = selectors.risk_trend(situation=situation, user=user)
    classification = (
        access.assessments_visible(user)
        .filter(situation=situation, status=AssessmentStatus.APPROVED)
        .aggregate(level=Max("classification"))["level"]
    )
    chart = None
    if points:
        chart = charts.trend_svg(points, title=f"Risk of {situation.reference} by approved version")
    can_write = _can_write(user, situation)
    return SituationPanels(
        points=points,
        trend=selectors.trend_word(points),
        chart=chart,
        triggers=list(
            selectors.upcoming_triggers(user=user, situation=situation, days=TRIGGER_PANEL_DAYS)
        ),
        options=list(
            selectors.option_list(user=user, situation=situation)
            .prefetch_related(None)
            .order_by("-created_at", "-pk")
        ),
        can_write=can_write,
        trigger_form=TriggerForm() if can_write else None,
        classification=classification,
        assessments_url=reverse("assessments:situation-assessments", args=[situation.pk]),
        options_url=reverse("assessments:situation-options", args=[situation.pk]),
    )


# --- Portfolio: the heat map and the map --------------------------------------------------------


@staff_page
def portfolio(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "assessments.view_assessment")
    form = PortfolioFilterForm(request.GET or None)
    filters = form.filters()
    region, months = filters["region"], filters["months"]

    situations = cases_access.situations_visible(user)
    if region:
        situations = situations.filter(
            Q(regions__contains=[region]) | Q(subregions__contains=[region])
        )
    shown = dict(situations.values_list("pk", "classification"))
    heatmap = selectors.portfolio_heatmap(user=user, months=months)
    heatmap = selectors.Heatmap(
        months=heatmap.months, rows=[row for row in heatmap.rows if row.situation_id in shown]
    )
    assessed_level = (
        access.assessments_visible(user)
        .filter(situation__in=situations.values("pk"), status=AssessmentStatus.APPROVED)
        .aggregate(level=Max("classification"))["level"]
    )

    levels = selectors.country_levels(user=user)
    if region:
        in_region = set(countries_in_region(region))
        levels = {iso3: entry for iso3, entry in levels.items() if iso3 in in_region}
    situation_list = reverse("cases:situation-list")
    countries = {
        iso3: CountryRisk(
            iso3=iso3,
            name=country_name(iso3) or iso3,
            level=entry.level,
            url=f"{situation_list}?country={iso3}",
            situations=len(entry.situations),
        )
        for iso3, entry in sorted(levels.items())
    }

    where = f" in {region}" if region else ""
    heatmap_svg = None
    if heatmap.rows:
        heatmap_svg = charts.heatmap_svg(
            heatmap,
            title=f"Overall risk of each situation{where}, month by month",
            url_for=lambda pk: reverse("cases:situation-detail", args=[pk]),
        )
    world = world_map_svg(countries, title=f"Countries{where} by their highest current risk")
    current = [row.cells[-1] for row in heatmap.rows]
    counts = [(level, word, current.count(level)) for level, word in _levels_high_first()]
    return render(
        request,
        "assessments/portfolio.html",
        {
            "page_classification": highest(*shown.values(), assessed_level),
            "form": form,
            "filtered": bool(region) or months != 12,
            "region": region,
            "months": months,
            "heatmap": heatmap,
            "heatmap_svg": heatmap_svg,
            "world": world,
            "countries": sorted(
                countries.values(), key=lambda c: (-(c.level or 0), c.name.casefold())
            ),
            "counts": counts,
            "not_assessed": current.count(None),
            "legend_levels": sorted(LEVEL_WORDS.items()),
            "no_assessment_word": NO_ASSESSMENT_WORD,
            "not_monitored_word": NOT_MONITORED_WORD,
        },
        status=400 if form.errors else 200,
    )


def _levels_high_first() -> list[tuple[int, str]]:
    return sorted(LEVEL_WORDS.items(), reverse=True)


# --- Trigger calendar ---------------------------------------------------------------------------


@dataclass
class CalendarMonth:
    start: date
    triggers: list[TriggerEvent]


def _by_month(triggers: list[TriggerEvent]) -> list[CalendarMonth]:
    months: list[CalendarMonth] = []
    for trigger in triggers:
        start = trigger.occurs_on.replace(day=1)
        if not months or months[-1].start != start:
            months.append(CalendarMonth(start, []))
        months[-1].triggers.append(trigger)
    return months


@staff_page
def trigger_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "assessments.view_triggerevent")
    form = CalendarFilterForm(request.GET or None)
    filters = form.filters()
    triggers = list(
        selectors.upcoming_triggers(user=user, days=filters["days"], mine=filters["mine"])
    )
    return render(
        request,
        "assessments/trigger_list.html",
        {
            "page_classification": highest(*(t.situation.classification for t in triggers)),
            "form": form,
            "days": filters["days"],
            "mine": filters["mine"],
            "months": _by_month(triggers),
            "total": len(triggers),
            "writable": _writable_situations(user),
            "default_reminder": settings.TRIGGER_REMINDER_DAYS,
            "here": request.get_full_path(),
        },
        status=400 if form.errors else 200,
    )


def _trigger_page(
    request: HttpRequest,
    form: TriggerForm,
    *,
    situation: Situation,
    trigger: TriggerEvent | None = None,
    status: int = 200,
) -> HttpResponse:
    if form.errors and status == 200:
        status = 400
    return render(
        request,
        "assessments/trigger_form.html",
        {
            "page_classification": situation.classification,
            "form": form,
            "situation": situation,
            "trigger": trigger,
            "next": _next_or(request, ""),
        },
        status=status,
    )


@staff_page
def situation_trigger_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    situation = cases_access.access_situation(user, pk)
    form = TriggerForm(request.POST or None)
    if request.method == "POST":
        try:
            trigger = services.trigger_create(
                situation=situation, actor=user, data=form.service_data()
            )
        except ForbiddenError as exc:
            return _forbidden(request, exc)
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        else:
            messages.success(
                request,
                f"{trigger.title} ({trigger.occurs_on:%-d %b %Y}) is on the calendar of "
                f"{situation.reference}.",
            )
            return redirect(
                _next_or(request, reverse("cases:situation-detail", args=[situation.pk]))
            )
    else:
        try:
            access.require_writer(user, situation)
        except ForbiddenError as exc:
            return _forbidden(request, exc)
    return _trigger_page(request, form, situation=situation)


@staff_page
def trigger_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    trigger = access.access_trigger(user, pk)
    situation = trigger.situation
    try:
        access.require_writer(user, situation)
    except ForbiddenError as exc:
        return _forbidden(request, exc)
    form = TriggerForm(request.POST or None, initial=TriggerForm.initial_from(trigger))
    if request.method == "POST":
        try:
            services.trigger_update(trigger=trigger, actor=user, data=form.service_data())
        except ForbiddenError as exc:
            return _forbidden(request, exc)
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        else:
            messages.success(request, f"{trigger.title} is saved.")
            return redirect(
                _next_or(request, reverse("cases:situation-detail", args=[situation.pk]))
            )
    return _trigger_page(request, form, situation=situation, trigger=trigger)


@staff_page
@require_POST
def trigger_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    trigger = access.access_trigger(user, pk)
    situation, title = trigger.situation, trigger.title
    try:
        services.trigger_delete(trigger=trigger, actor=user)
    except ForbiddenError as exc:
        return _forbidden(request, exc)
    messages.success(request, f"{title} is off the calendar of {situation.reference}.")
    fallback = reverse("cases:situation-detail", args=[situation.pk])
    target = _next_or(request, fallback)
    # The edit page of a deleted trigger is gone: go to the situation instead.
    if target.startswith(reverse("assessments:trigger-edit", args=[pk])):
        target = fallback
    return redirect(target)


# --- Response options ---------------------------------------------------------------------------


def _catalogue() -> tuple[list[Instrument], list]:
    return list(Instrument.objects.order_by("position")), latest_factors()


def _option_form(data: Any = None, **kwargs: Any) -> tuple[OptionForm, list[Instrument]]:
    instruments, factors = _catalogue()
    return OptionForm(data, instruments=instruments, factors=factors, **kwargs), instruments


@staff_page
def situation_options(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_permission(user, "assessments.view_responseoption")
    situation = cases_access.access_situation(user, pk)
    can_write = _can_write(user, situation)
    form, instruments = _option_form(request.POST or None)
    if request.method == "POST":
        try:
            option = services.option_propose(
                situation=situation, actor=user, data=form.service_data()
            )
        except ForbiddenError as exc:
            return _forbidden(request, exc)
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        else:
            messages.success(request, f"{option.instrument.name} is proposed.")
            return redirect("assessments:option-detail", pk=option.pk)
    options = list(
        selectors.option_list(user=user, situation=situation).order_by("-created_at", "-pk")
    )
    return render(
        request,
        "assessments/option_list.html",
        {
            "page_classification": situation.classification,
            "situation": situation,
            "options": options,
            "open_count": sum(
                o.status not in (OptionStatus.IMPLEMENTED, OptionStatus.ABANDONED) for o in options
            ),
            "can_write": can_write,
            "form": form,
            "pillars": instruments_by_pillar(instruments),
        },
        status=400 if form.errors else 200,
    )


def _option_page(
    request: HttpRequest,
    option: ResponseOption,
    *,
    bound: OptionMoveForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_write = _can_write(user, option.situation)
    moves = []
    if can_write:
        for to in MOVES:
            if to not in services.OPTION_TRANSITIONS.get(option.status, set()):
                continue
            if bound is not None and bound.to == to:
                moves.append(bound)
            else:
                moves.append(OptionMoveForm(to=to, initial={"revision": option.revision}))
    return render(
        request,
        "assessments/option_detail.html",
        {
            "page_classification": option.situation.classification,
            "option": option,
            "situation": option.situation,
            "factors": sorted(option.factors.all(), key=lambda f: f.number),
            "history": list(option.transitions.select_related("actor").order_by("at", "pk")),
            "can_write": can_write,
            "closed": option.status in (OptionStatus.IMPLEMENTED, OptionStatus.ABANDONED),
            "moves": moves,
            "problem": problem,
        },
        status=status,
    )


@staff_page
def option_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "assessments.view_responseoption")
    option = access.access_option(request.user, pk)
    return _option_page(request, option)


@staff_page
@require_POST
def option_transition(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_permission(user, "assessments.view_responseoption")
    option = access.access_option(user, pk)
    to = request.POST.get("to", "")
    if to not in MOVES:
        return _option_page(
            request,
            option,
            problem="Choose one of the moves offered below: recommend, record the adoption, "
            "mark implemented, or abandon.",
            status=400,
        )
    form = OptionMoveForm(request.POST, to=to)
    try:
        option = services.option_transition(
            option=option, actor=user, to=to, **form.service_values()
        )
    except ForbiddenError as exc:
        return _forbidden(request, exc)
    except ApplicationValidationError as exc:
        form.errors_from(exc)
        return _option_page(request, option, bound=form, status=400)
    except ConflictError as exc:
        option = access.access_option(user, pk)
        return _option_page(request, option, problem=exc.message, status=409)
    messages.success(
        request, f"{option.instrument.name} is now {option.get_status_display().lower()}."
    )
    return redirect("assessments:option-detail", pk=option.pk)


@staff_page
def option_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_permission(user, "assessments.view_responseoption")
    option = access.access_option(user, pk)
    try:
        access.require_writer(user, option.situation)
    except ForbiddenError as exc:
        return _forbidden(request, exc)
    form, instruments = _option_form(
        request.POST or None, editing=True, initial=OptionForm.initial_from(option)
    )
    closed = option.status in (OptionStatus.IMPLEMENTED, OptionStatus.ABANDONED)
    status = 409 if closed else 200
    if request.method == "POST" and not closed:
        try:
            services.option_update(
                option=option, actor=user, data=form.service_data(), revision=form.revision_value
            )
        except ForbiddenError as exc:
            return _forbidden(request, exc)
        except ApplicationValidationError as exc:
            form.errors_from(exc)
            status = 400
        except ConflictError as exc:
            # Keep what the person typed; the next save carries the revision now current, so
            # replacing the other person's change is a deliberate second decision.
            option = access.access_option(user, pk)
            closed = option.status in (OptionStatus.IMPLEMENTED, OptionStatus.ABANDONED)
            form.data = form.data.copy()
            form.data["revision"] = str(option.revision)
            form.add_error(
                None,
                exc.message
                if closed
                else "Someone else changed this option while you were editing it. Your "
                "changes are not saved yet: check the option's page, then save again to "
                "replace theirs.",
            )
            status = 409
        else:
            messages.success(request, f"{option.instrument.name} is saved.")
            return redirect("assessments:option-detail", pk=option.pk)
    return render(
        request,
        "assessments/option_form.html",
        {
            "page_classification": option.situation.classification,
            "option": option,
            "situation": option.situation,
            "form": form,
            "closed": closed,
            "pillars": instruments_by_pillar(instruments),
        },
        status=status,
    )


# --- Routes -------------------------------------------------------------------------------------

urlpatterns = [
    path("portfolio/", portfolio, name="portfolio"),
    path("triggers/", trigger_list, name="trigger-list"),
    path("triggers/<int:pk>/edit/", trigger_edit, name="trigger-edit"),
    path("triggers/<int:pk>/delete/", trigger_delete, name="trigger-delete"),
    path("situations/<int:pk>/triggers/add/", situation_trigger_add, name="situation-trigger-add"),
    path("situations/<int:pk>/options/", situation_options, name="situation-options"),
    path("options/<int:pk>/", option_detail, name="option-detail"),
    path("options/<int:pk>/edit/", option_edit, name="option-edit"),
    path("options/<int:pk>/move/", option_transition, name="option-transition"),
]
