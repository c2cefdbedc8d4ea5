"""Briefings in the browser: read, download as PDF, release a version for a lower level, and
the liaisons' reading of the versions released to their member state."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from cases import access, briefings
from cases.models import ReleasableBriefing
from cases.views.common import staff_page
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError, NotFoundError
from r2p.models import Classification, User


@staff_page
def briefing(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _, current = briefings.briefing_current(user=user, pk=pk)
    # A briefing may cite material above the escalation's marking: a reader cleared below it
    # reads the version for their clearance, with what was left out marked.
    content, level, withheld = briefings.briefing_readable(user=user, briefing=current)
    return render(
        request,
        "cases/briefing.html",
        {
            **briefings.briefing_context(content, level_label=briefings.level_label_of(level)),
            "page_classification": level,
            "briefing": current,
            "withheld_for_reader": withheld,
            "pdf_url": reverse("cases:briefing-pdf", args=[pk]),
            "back_url": reverse("cases:escalation-detail", args=[pk]),
            "releases": list(current.releasable.order_by("level")),
            "can_release": user.has_perm("cases.decide_escalation")
            and current.status == "frozen"
            and not withheld,
            "levels": [c for c in Classification if c <= current.classification],
        },
    )


def _pdf(content: dict, label: str, name: str) -> HttpResponse:
    response = HttpResponse(
        briefings.briefing_pdf(content, level_label=label), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@staff_page
def briefing_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    _, current = briefings.briefing_current(user=request.user, pk=pk)
    content, level, _ = briefings.briefing_readable(user=request.user, briefing=current)
    label = briefings.level_label_of(level)
    return _pdf(content, label, f"briefing-{content['reference']}")


@staff_page
@require_POST
def briefing_release(request: HttpRequest, pk: int) -> HttpResponse:
    _, current = briefings.briefing_current(user=request.user, pk=pk)
    codes = [c for c in request.POST.get("shared_with", "").replace(",", " ").split() if c]
    try:
        release = briefings.briefing_release(
            briefing=current,
            level=request.POST.get("level", ""),
            actor=request.user,
            shared_with=codes,
        )
    except ApplicationValidationError as exc:
        for problems in exc.fields.values():
            for problem in problems:
                messages.error(request, problem)
    except (ForbiddenError, ConflictError) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"A {Classification(release.level).label} version is released"
            + (f" to {', '.join(release.shared_with)}." if release.shared_with else "."),
        )
        return redirect("cases:release-detail", pk=release.pk)
    return redirect("cases:briefing", pk=pk)


# --- Released versions: the SG Office, and the liaisons they are shared with ------------------


def _release(user: User, pk: int) -> ReleasableBriefing:
    try:
        return access.access_release(user, pk)  # the read is audited there
    except NotFoundError:
        raise Http404 from None


@login_required
def release_list(request: HttpRequest) -> HttpResponse:
    releases = list(access.releases_visible(request.user).order_by("-created_at", "-pk"))
    if not releases and not access.is_liaison(request.user):
        raise Http404
    return render(
        request,
        "cases/release_list.html",
        {
            "releases": releases,
            "page_classification": max((r.level for r in releases), default=0),
        },
    )


@login_required
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    release = _release(request.user, pk)
    label = briefings.level_label_of(release.level)
    return render(
        request,
        "cases/briefing.html",
        {
            **briefings.briefing_context(release.content, level_label=label),
            "page_classification": release.level,
            "release": release,
            "pdf_url": reverse("cases:release-pdf", args=[pk]),
            "back_url": reverse("cases:release-list"),
        },
    )


@login_required
def release_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    release = _release(request.user, pk)
    label = briefings.level_label_of(release.level)
    return _pdf(release.content, label, f"briefing-{release.content['reference']}-{label}")


urlpatterns = [
    path("escalations/<int:pk>/briefing/", briefing, name="briefing"),
    path("escalations/<int:pk>/briefing.pdf", briefing_pdf, name="briefing-pdf"),
    path("escalations/<int:pk>/briefing/release/", briefing_release, name="briefing-release"),
    path("briefings/", release_list, name="release-list"),
    path("briefings/<int:pk>/", release_detail, name="release-detail"),
    path("briefings/<int:pk>/pdf/", release_pdf, name="release-pdf"),
]
