"""Imports pages: upload an event file, follow its import, read and download its row errors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cases import access
from cases.access import access_import_job, can_import, import_jobs_visible
from cases.forms.imports import ImportJobFilterForm, ImportJobForm
from cases.importers import (
    FIRST_ERRORS_SHOWN,
    import_job_create,
    import_job_errors,
    import_job_errors_csv,
    import_job_progress,
    import_job_retry,
)
from cases.models import ImportJob
from r2p.errors import ApplicationValidationError, ConflictError, NotFoundError
from r2p.models import Classification, User
from r2p.pagination import keyset_page


def _may_see_imports(user: User) -> bool:
    return access.is_staff(user) or can_import(user)


def _job(user: User, pk: int) -> ImportJob:
    try:
        return access_import_job(user, pk)
    except NotFoundError:
        raise Http404 from None


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _may_see_imports(user):
        raise Http404
    form = ImportJobFilterForm(request.GET or None)
    filters = form.filters()
    queryset = import_jobs_visible(user).select_related("source", "created_by")
    if filters["status"]:
        queryset = queryset.filter(status=filters["status"])
    if filters["format"]:
        queryset = queryset.filter(format=filters["format"])
    page = keyset_page(queryset, request.GET, size=50)
    return render(
        request,
        "cases/import_list.html",
        {
            "page_classification": max(
                (job.classification for job in page.rows), default=Classification.PUBLIC
            ),
            "form": form,
            "filtered": any(filters.values()),
            "page": page,
            "can_import": can_import(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _may_see_imports(user):
        raise Http404
    if not can_import(user):
        raise PermissionDenied
    form = ImportJobForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(actor=user, **form.service_arguments())
        except ApplicationValidationError as exc:
            for name, problems in exc.fields.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(
                request,
                f"Import {job.pk} is queued: {job.rows_total:,} rows. You may leave this page "
                "and come back; the import goes on.",
            )
            return redirect("cases:import-detail", pk=job.pk)
    return render(
        request,
        "cases/import_form.html",
        {"page_classification": Classification.PUBLIC, "form": form},
    )


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request.user, pk)
    errors = list(import_job_errors(job, limit=FIRST_ERRORS_SHOWN))
    problems = len(errors) if len(errors) < FIRST_ERRORS_SHOWN else job.row_errors.count()
    earlier = list(
        import_jobs_visible(request.user)
        .filter(file_sha256=job.file_sha256, format=job.format, pk__lt=job.pk)
        .order_by("-pk")
        .values_list("pk", flat=True)[:5]
    )
    return render(
        request,
        "cases/import_detail.html",
        {
            "page_classification": job.classification,
            "job": job,
            "progress": import_job_progress(job),
            "errors": errors,
            "problems": problems,
            "earlier": earlier,
            "can_import": can_import(request.user),
        },
    )


@login_required
@require_GET
@never_cache
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The job's counters as JSON, for the page's polling script and for scripts."""
    return JsonResponse(import_job_progress(_job(request.user, pk)))


@login_required
@require_GET
def import_errors_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every row error of the job: row, field, problem."""
    job = _job(request.user, pk)
    response = StreamingHttpResponse(import_job_errors_csv(job), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@login_required
@require_http_methods(["POST"])
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request.user, pk)
    try:
        import_job_retry(job=job, actor=request.user)
    except (ApplicationValidationError, ConflictError) as exc:
        messages.error(
            request,
            exc.message
            if not exc.fields
            else "; ".join(m for ms in exc.fields.values() for m in ms),
        )
    else:
        messages.success(request, "The import was queued again; rows already imported are skipped.")
    return redirect("cases:import-detail", pk=job.pk)


urlpatterns = [
    path("imports/", import_list, name="import-list"),
    path("imports/new/", import_create, name="import-create"),
    path("imports/<int:pk>/", import_detail, name="import-detail"),
    path("imports/<int:pk>/errors.csv", import_errors_csv, name="import-errors-csv"),
    path("imports/<int:pk>/retry/", import_retry, name="import-retry"),
    path("imports/<int:pk>/progress.json", import_progress, name="import-progress"),
]
