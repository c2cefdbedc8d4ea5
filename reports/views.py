"""Reports in the browser: the list and the compile form, a report (live progress while it
compiles, the narrative while a draft, the frozen document once published), its moves, the PDF
and the data annex, corrections and releases. Liaisons read here too: reports.access decides."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from r2p.errors import ApplicationError, ApplicationValidationError, NotFoundError
from r2p.models import Classification
from reports import access, documents, services
from reports.forms import CompileForm, NarrativeForm
from reports.models import NARRATIVE_SECTIONS, Report, ReportStatus
from reports.selectors import report_list, report_progress


def report_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in with the right to read reports; a report outside theirs is a 404 like a
    missing one."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("reports.view_report"):
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotFoundError:
            raise Http404 from None

    return wrapper


def _error_messages(request: HttpRequest, exc: ApplicationError) -> None:
    if exc.fields:
        for problems in exc.fields.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.error(request, exc.message)


@report_page
def report_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_compile = user.has_perm("reports.compile_report")
    form = CompileForm(user=user) if can_compile else None
    status = 200
    if request.method == "POST":
        if not can_compile:
            raise Http404
        form = CompileForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                period = services.period_parse(
                    kind=data["kind"],
                    year=data.get("year"),
                    quarter=data.get("quarter"),
                    start=data.get("period_start"),
                    end=data.get("period_end"),
                )
                report, created = services.report_request(
                    kind=data["kind"], period=period, audience=data["audience"], actor=user
                )
            except ApplicationError as exc:
                form.errors_from(exc)
            else:
                messages.success(
                    request,
                    f"{report.reference} is being compiled."
                    if created or report.status == ReportStatus.COMPILING
                    else f"{report.reference} already exists for this period "
                    f"({report.get_status_display().lower()}); here it is.",
                )
                return redirect("reports:report-detail", pk=report.pk)
        status = 400
    reports = list(report_list(user=user))
    return render(
        request,
        "reports/report_list.html",
        {
            "reports": reports,
            # The band says the highest audience of the reports listed.
            "page_classification": max(
                (r.audience for r in reports), default=Classification.PUBLIC
            ),
            "form": form,
            "can_compile": can_compile,
            "reads_drafts": access.can_read_drafts(user),
        },
        status=status,
    )


@report_page
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = access.access_report(user, pk)
    body = ""
    if report.is_frozen:
        services.report_read(report=report, actor=user, what="page")
        body = report.html
    elif report.figures:
        body = documents.report_body_html(report)
    narrative = None
    if report.status == ReportStatus.DRAFT and user.has_perm("reports.compile_report"):
        narrative = NarrativeForm(
            initial={"revision": report.revision}
            | {name: getattr(report, name) for name, _ in NARRATIVE_SECTIONS}
        )
    return render(
        request,
        "reports/report_detail.html",
        _detail_context(request, report, body, narrative),
    )


def _detail_context(
    request: HttpRequest, report: Report, body: str, narrative: NarrativeForm | None
) -> dict[str, Any]:
    user = request.user
    reads_drafts = access.can_read_drafts(user)
    can_publish = user.has_perm("reports.publish_report")
    return {
        "report": report,
        "body": body,
        "narrative": narrative,
        "progress": report_progress(report),
        "page_classification": report.audience,
        "can_compile": user.has_perm("reports.compile_report"),
        "can_publish": can_publish,
        "reads_drafts": reads_drafts,
        "transitions": list(report.transitions.select_related("actor")) if reads_drafts else [],
        "releases": list(report.releases.all()) if can_publish else [],
        "superseded_by": getattr(report, "superseded_by", None)
        if report.status == ReportStatus.SUPERSEDED
        else None,
        "missing_sections": [
            label for name, label in NARRATIVE_SECTIONS if not getattr(report, name).strip()
        ],
    }


@report_page
@require_GET
def report_progress_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The compilation's progress as JSON, for the page's polling script and for scripts."""
    return JsonResponse(report_progress(access.access_report(request.user, pk)))


@report_page
@require_POST
def report_narrative(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = access.access_report(user, pk)
    if not user.has_perm("reports.compile_report"):
        raise Http404
    form = NarrativeForm(request.POST)
    if form.is_valid():
        try:
            services.report_narrative_update(
                report=report,
                actor=user,
                data={name: form.cleaned_data[name] for name, _ in NARRATIVE_SECTIONS},
                revision=form.cleaned_data["revision"],
            )
        except ApplicationValidationError as exc:
            form.errors_from(exc)
        except ApplicationError as exc:
            _error_messages(request, exc)
            return redirect("reports:report-detail", pk=report.pk)
        else:
            messages.success(request, "The narrative is saved.")
            return redirect("reports:report-detail", pk=report.pk)
    body = documents.report_body_html(report) if report.figures else ""
    return render(
        request,
        "reports/report_detail.html",
        _detail_context(request, report, body, form),
        status=400,
    )


MOVE_DONE = {
    "submit": "The report is submitted for review.",
    "return": "The report is back in draft.",
    "publish": "The report is published. Its HTML, PDF and data annex are frozen.",
    "recompile": "The figures are being compiled again from the records.",
    "retry": "The compilation is being tried again.",
}


@report_page
@require_POST
def report_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    report = access.access_report(user, pk)
    if action not in MOVE_DONE:
        raise Http404
    try:
        services.report_transition(
            report=report,
            actor=user,
            action=action,
            comment=request.POST.get("comment", ""),
            revision=request.POST.get("revision"),
        )
    except ApplicationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(request, MOVE_DONE[action])
    return redirect("reports:report-detail", pk=report.pk)


@report_page
@require_POST
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.access_report(request.user, pk)
    try:
        correction = services.report_correct(
            report=report, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        _error_messages(request, exc)
        return redirect("reports:report-detail", pk=report.pk)
    messages.success(request, f"{correction.reference} is being compiled as the correction.")
    return redirect("reports:report-detail", pk=correction.pk)


@report_page
@require_POST
def report_release(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.access_report(request.user, pk)
    codes = request.POST.get("member_states", "").replace(",", " ").split()
    try:
        created = services.report_release(report=report, actor=request.user, member_states=codes)
    except ApplicationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(
            request,
            f"Released to {', '.join(r.member_state for r in created)}."
            if created
            else "It was already released to those member states.",
        )
    return redirect("reports:report-detail", pk=report.pk)


@report_page
@require_GET
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The frozen PDF of a published report; for drafters, a preview made now of a draft."""
    report = access.access_report(request.user, pk)
    if report.is_frozen:
        services.report_file_read(report=report, actor=request.user, what="pdf")
        return documents.frozen_download(report, "pdf")
    if not report.figures:
        raise Http404
    preview = documents.report_pdf(report, documents.report_body_html(report))
    name = documents.download_name(report, f"draft-{timezone.now():%Y%m%d%H%M}.pdf")
    return documents.download(preview, "application/pdf", name)


@report_page
@require_GET
def report_annex(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    """The data annex of a published report, exactly as frozen."""
    report = access.access_report(request.user, pk)
    services.report_file_read(report=report, actor=request.user, what=f"annex.{extension}")
    return documents.frozen_download(report, extension)
