"""Source pages. A source shows as its pseudonym and grade; who it is appears only on its own
page, only to the people access.source_identity_get allows, and every such read is audited."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from cases import access, selectors, services
from cases.forms.sources import IdentityGrantForm, RegradeForm, SourceFilterForm, SourceForm
from cases.models import Reliability, Signal, Source
from cases.views.common import chosen_level, highest, require_permission, staff_page
from r2p.errors import ApplicationValidationError
from r2p.pagination import keyset_page

RECENT_SIGNALS = 10


@staff_page
def source_list(request: HttpRequest) -> HttpResponse:
    form = SourceFilterForm(request.GET)
    filters = form.filters()
    queryset = selectors.source_list(user=request.user)
    if filters["source_type"]:
        queryset = queryset.filter(source_type=filters["source_type"])
    if filters["reliability"]:
        queryset = queryset.filter(reliability=filters["reliability"])
    page = keyset_page(queryset, request.GET, size=50)
    return render(
        request,
        "cases/source_list.html",
        {
            "page_classification": highest(*(row.classification for row in page.rows)),
            "form": form,
            "page": page,
            "total": queryset.count(),
            "filtered": any(filters.values()),
            "can_register": request.user.has_perm("cases.add_source"),
        },
    )


@staff_page
def source_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "cases.add_source")
    form = SourceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_create(created_by=request.user, **form.service_values())
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        else:
            messages.success(
                request,
                f"The source is registered as {source.pseudonym}. Use the pseudonym everywhere; "
                "only you and the source-protection officers see who it is.",
            )
            return redirect("cases:source-detail", pk=source.pk)
    return render(
        request,
        "cases/source_form.html",
        {"page_classification": chosen_level(form), "form": form},
        status=400 if form.errors else 200,
    )


def _source_page(
    request: HttpRequest,
    source: Source,
    *,
    regrade_form: RegradeForm | None = None,
    grant_form: IdentityGrantForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    identity = access.source_identity_get(user, source)
    signals = list(
        access.signals_visible(user, Signal.objects.select_related("source"))
        .filter(source=source)
        .order_by("-id")[:RECENT_SIGNALS]
    )
    if user.has_perm("cases.change_source"):
        regrade_form = regrade_form or RegradeForm()
    if user.has_perm("cases.protect_sources"):
        grant_form = grant_form or IdentityGrantForm(source=source)
    return render(
        request,
        "cases/source_detail.html",
        {
            "page_classification": highest(
                source.classification, *(s.classification for s in signals)
            ),
            "source": source,
            "reliability": Reliability(source.reliability),
            "identity": identity,
            "history": list(source.grade_history.select_related("changed_by")),
            "signals": signals,
            "signal_count": source.signals.count(),
            "regrade_form": regrade_form,
            "grant_form": grant_form,
        },
        status=status,
    )


@staff_page
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _source_page(request, access.access_source(request.user, pk))


@staff_page
@require_POST
def source_regrade(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "cases.change_source")
    source = access.access_source(request.user, pk)
    form = RegradeForm(request.POST)
    if form.is_valid():
        try:
            source = services.source_reliability_change(
                source=source,
                reliability=form.cleaned_data["reliability"],
                reason=form.cleaned_data["reason"],
                changed_by=request.user,
            )
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        else:
            messages.success(request, f"{source.pseudonym} is now graded {source.reliability}.")
            return redirect("cases:source-detail", pk=source.pk)
    return _source_page(request, source, regrade_form=form, status=400)


@staff_page
@require_POST
def source_identity_grant(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "cases.protect_sources")
    source = access.access_source(request.user, pk)
    form = IdentityGrantForm(request.POST, source=source)
    if form.is_valid():
        colleague = form.cleaned_data["user"]
        try:
            services.source_identity_grant(source=source, user=colleague, granted_by=request.user)
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        else:
            messages.success(
                request,
                f"{colleague.get_full_name() or colleague.username} may now see who "
                f"{source.pseudonym} is.",
            )
            return redirect("cases:source-detail", pk=source.pk)
    return _source_page(request, source, grant_form=form, status=400)


urlpatterns = [
    path("sources/", source_list, name="source-list"),
    path("sources/new/", source_create, name="source-create"),
    path("sources/<int:pk>/", source_detail, name="source-detail"),
    path("sources/<int:pk>/regrade/", source_regrade, name="source-regrade"),
    path("sources/<int:pk>/identity-grants/", source_identity_grant, name="source-identity-grant"),
]
