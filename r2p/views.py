"""HTML pages of the shared core, and the health endpoints."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assessments import selectors as assessment_selectors
from assessments.selectors import Dashboard
from cases import access as cases_access
from r2p import selectors, services
from r2p.models import Classification, User
from r2p.navigation import sections_for
from r2p.pagination import keyset_page
from r2p.roles import ROLES_BY_NAME

logger = logging.getLogger(__name__)

TRIGGER_DAYS = 90  # what assessments.selectors.dashboard lists


def _dashboard(user: User) -> tuple[Dashboard | None, int]:
    """The analyst's dashboard (issue 4) and the highest classification it shows; None for
    people whose role does not read assessments."""
    if not (cases_access.is_staff(user) and user.has_perm("assessments.view_assessment")):
        return None, Classification.PUBLIC
    board = assessment_selectors.dashboard(user=user)
    shown = [
        *(row.situation.classification for row in board.my_situations),
        *(a.classification for a in board.awaiting_my_review),
        *(a.classification for a, _ in board.flagged),
        *(t.situation.classification for t in board.triggers),
        *(c.signal.classification for c in board.open_challenges if c.signal_id),
        *(c.situation.classification for c in board.open_challenges if c.situation_id),
    ]
    return board, max(shown, default=Classification.PUBLIC)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = [ROLES_BY_NAME[name] for name in user.role_names if name in ROLES_BY_NAME]
    board, level = _dashboard(user)
    escalation_context = _escalation_dashboard(user)
    if escalation_context:
        level = max(
            [
                level,
                *(e.classification for e in escalation_context["escalation_board"].waiting_on_me),
                *(i.situation.classification for i in escalation_context["inaction"]),
            ]
        )
    return render(
        request,
        "r2p/home.html",
        {
            "page_classification": level,
            "roles": roles,
            "sections": [s for s in sections_for(user) if s.url_name != "home"],
            "activity": selectors.user_recent_activity(user=user, limit=15),
            "dashboard": board,
            "reviewer": user.has_perm("assessments.approve_assessment"),
            "can_open": user.has_perm("cases.add_situation"),
            "trigger_days": TRIGGER_DAYS,
            **escalation_context,
        },
    )


def _escalation_dashboard(user: User) -> dict:
    """Escalations waiting on the person, where cases stall, inaction alerts (issue 5)."""
    if not user.has_perm("cases.view_escalation"):
        return {}
    from cases import escalations, timeline
    from cases.views.gap import stall_rows

    return {
        "escalation_board": escalations.escalation_board(user=user),
        "stalls": stall_rows(timeline.stage_stalls(user=user)),
        "inaction": timeline.inaction(user=user),
    }


@login_required
@permission_required("r2p.view_auditevent", raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    queryset, filterset = selectors.audit_event_list(filters=request.GET.dict())
    page = keyset_page(queryset, request.GET, size=50)
    return render(
        request,
        "r2p/audit_list.html",
        {
            # Usernames, addresses and object references of classified records: internal.
            "page_classification": Classification.CONFIDENTIAL,
            "filterset": filterset,
            "page": page,
            "last_verification": selectors.audit_last_verification(),
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_change_record(user=self.request.user)
        messages.success(self.request, "Your password was changed.")
        return response


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and serving requests; nothing else is checked."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        logger.warning("readyz: database unreachable: %s", exc)
        return "the database does not answer"
    return None


def _check_redis() -> str | None:
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        logger.warning("readyz: redis unreachable: %s", exc)
        return "Redis does not answer"
    return None


def _check_worker() -> str | None:
    from r2p.celery import app

    try:
        replies = app.control.ping(timeout=settings.READYZ_WORKER_TIMEOUT)
    except Exception as exc:
        logger.warning("readyz: worker ping failed: %s", exc)
        return "the worker could not be reached through the broker"
    if not replies:
        return f"no worker answered within {settings.READYZ_WORKER_TIMEOUT:g} s"
    return None


@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to do real work: the database, Redis, and at least one Celery worker answer."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    checks["worker"] = _check_worker() if checks["redis"] is None else "Redis does not answer"
    failing = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {name: (problem or "ok") for name, problem in checks.items()},
    }
    return JsonResponse(body, status=503 if failing else 200)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        services.audit_record(
            action="access.denied", actor=user, summary={"path": request.path[:200]}
        )
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors' queries and no request data: the database may be what failed.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)
