"""REST API of the reports to the General Assembly.

Partner systems and liaisons: `GET /api/v1/reports/` (the published reports they may read) and
each report's data annex (`annex.json`, `annex.csv`) and PDF, every read audited. The SG Office
also: ask for a compilation (`POST /api/v1/reports/`, idempotent per period and audience), follow
its progress (`GET /api/v1/reports/{id}/`), write the narrative, move it through review to
publication, correct and release it. Thin views over reports.services; reports.access decides
who sees what (404 for anything else).

Versions: a report's ETag names its revision (`"report-12-v4"`), which every change bumps. A
change sends it back in If-Match (412 when stale) or as `revision` in the body (409 when stale).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.serializers import StrictInputSerializer
from cases.apis import (
    ETAG_HEADER,
    _errors,
    _optional_version,
    _stale_is_412,
    etag,
    if_match_optional,
)
from cases.apis_desk import _PdfOrJson
from r2p.errors import ApplicationValidationError, ForbiddenError, NotFoundError
from r2p.models import Classification
from r2p.rest import CursorPagination
from reports import access, documents, services
from reports.models import NARRATIVE_SECTIONS, Report, ReportKind, ReportStatus
from reports.selectors import report_list, report_progress


class ProgressSerializer(serializers.Serializer):
    steps_done = serializers.IntegerField()
    steps_total = serializers.IntegerField()
    step = serializers.CharField()
    percent = serializers.IntegerField()
    attempts = serializers.IntegerField()
    elapsed_seconds = serializers.FloatField(allow_null=True)
    failure = serializers.CharField(help_text="Why the last compilation failed, if it did.")
    finished = serializers.BooleanField()


class LinksSerializer(serializers.Serializer):
    self = serializers.CharField()
    pdf = serializers.CharField(allow_null=True)
    annex_json = serializers.CharField(allow_null=True)
    annex_csv = serializers.CharField(allow_null=True)
    page = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    audience = serializers.CharField(help_text="PUBLIC, CONFIDENTIAL or STRICTLY CONFIDENTIAL")
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    revision = serializers.IntegerField(
        help_text="Send it back to change the report (or the ETag in If-Match)."
    )
    progress = ProgressSerializer()
    published_at = serializers.DateTimeField(allow_null=True)
    content_hash = serializers.CharField(help_text="SHA-256 over the published files' hashes.")
    supersedes = serializers.IntegerField(allow_null=True)
    superseded_by = serializers.IntegerField(allow_null=True)
    correction_reason = serializers.CharField()
    links = LinksSerializer()


class ReportDetailSerializer(ReportSerializer):
    executive_summary = serializers.CharField()
    progress_by_pillar = serializers.CharField()
    recommendations = serializers.CharField()
    figures = serializers.JSONField(help_text="The tables, as in the data annex.")
    files = serializers.DictField(
        child=serializers.CharField(), help_text="SHA-256 of each published file."
    )


class ReportPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ReportSerializer(many=True)


def report_data(report: Report, *, detail: bool = False) -> dict[str, Any]:
    frozen = report.is_frozen
    superseded_by = getattr(report, "superseded_by", None)
    data: dict[str, Any] = {
        "id": report.pk,
        "reference": report.reference,
        "title": report.title,
        "kind": report.kind,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "audience": Classification(report.audience).label,
        "version": report.version,
        "status": report.status,
        "revision": report.revision,
        "progress": report_progress(report),
        "published_at": report.published_at,
        "content_hash": report.content_hash,
        "supersedes": report.supersedes_id,
        "superseded_by": superseded_by.pk if superseded_by else None,
        "correction_reason": report.correction_reason,
        "links": {
            "self": reverse("api-report-detail", args=[report.pk]),
            "pdf": reverse("api-report-pdf", args=[report.pk]) if frozen else None,
            "annex_json": reverse("api-report-annex", args=[report.pk]) if frozen else None,
            "annex_csv": reverse("api-report-annex-csv", args=[report.pk]) if frozen else None,
            "page": reverse("reports:report-detail", args=[report.pk]),
        },
    }
    if detail:
        data.update({name: getattr(report, name) for name, _ in NARRATIVE_SECTIONS})
        data["figures"] = report.figures
        data["files"] = {
            name: getattr(report, f"{name}_sha256")
            for name in ("html", "pdf", "annex_csv", "annex_json")
            if frozen
        }
    return data


REPORT = "report"

IF_MATCH_OR_REVISION = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "The report's ETag from your last read; 412 when it changed since. Required unless "
        "`revision` is in the body (409 when stale)."
    ),
)
IF_MATCH_OPTIONAL = if_match_optional("revision")


def _detail_response(report: Report) -> Response:
    return Response(
        ReportDetailSerializer(report_data(report, detail=True)).data,
        headers={"ETag": etag(REPORT, report.pk, report.revision)},
    )


class _ReportApi(APIView):
    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not request.user.has_perm("reports.view_report"):
            # Not a reader of reports: nothing here exists for them.
            raise NotFoundError()


class ReportListApi(_ReportApi):
    class FilterSerializer(serializers.Serializer):
        cursor = serializers.CharField(required=False, help_text="From `next` or `previous`.")
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)
        status = serializers.ChoiceField(choices=ReportStatus.choices, required=False)

    class CompileSerializer(StrictInputSerializer):
        kind = serializers.ChoiceField(choices=ReportKind.choices)
        year = serializers.IntegerField(required=False, help_text="For quarterly and annual.")
        quarter = serializers.IntegerField(required=False, help_text="1-4, for quarterly.")
        period_start = serializers.DateField(required=False, help_text="For custom.")
        period_end = serializers.DateField(required=False, help_text="For custom, included.")
        audience = serializers.CharField(
            required=False,
            default="PUBLIC",
            help_text="PUBLIC (default), CONFIDENTIAL or STRICTLY_CONFIDENTIAL.",
        )

    @extend_schema(
        operation_id="reports_list",
        summary="The reports you may read: published ones for partners and liaisons, drafts "
        "too for the SG Office",
        tags=["reports"],
        parameters=[FilterSerializer],
        responses={200: ReportPageSerializer, **_errors(bad_request="A filter is not valid.")},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        reports = report_list(user=request.user)
        if "status" in filters.validated_data:
            reports = reports.filter(status=filters.validated_data["status"])
        paginator = CursorPagination()
        rows = paginator.paginate_queryset(reports, request, view=self)
        return paginator.get_paginated_response(
            [ReportSerializer(report_data(row)).data for row in rows]
        )

    @extend_schema(
        operation_id="reports_compile",
        summary="Compile the report of a period for an audience (idempotent: the one being "
        "worked on is returned, a draft compiled again)",
        tags=["reports"],
        request=CompileSerializer,
        responses={
            202: ReportSerializer,
            **_errors(
                bad_request="The period or the audience is not valid.",
                forbidden="Your role cannot compile reports.",
                conflict="Published already (correct it instead), or in review.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        if not request.user.has_perm("reports.compile_report"):
            raise ForbiddenError("Your role cannot compile reports.")
        given = self.CompileSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        period = services.period_parse(
            kind=data["kind"],
            year=data.get("year"),
            quarter=data.get("quarter"),
            start=data.get("period_start"),
            end=data.get("period_end"),
        )
        report, _ = services.report_request(
            kind=data["kind"],
            period=period,
            audience=services.audience_parse(data["audience"]),
            actor=request.user,
        )
        return Response(ReportSerializer(report_data(report)).data, status=status.HTTP_202_ACCEPTED)


class ReportDetailApi(_ReportApi):
    @extend_schema(
        operation_id="reports_retrieve",
        summary="One report: its status, compilation progress, narrative and figures",
        tags=["reports"],
        parameters=[ETAG_HEADER],
        responses={200: ReportDetailSerializer, **_errors(not_found="Missing or not yours.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        report = access.access_report(request.user, pk)
        if report.is_frozen:
            services.report_read(report=report, actor=request.user, what="api")
        return _detail_response(report)


class ReportNarrativeApi(_ReportApi):
    class NarrativeSerializer(StrictInputSerializer):
        executive_summary = serializers.CharField(
            required=False, allow_blank=True, trim_whitespace=False
        )
        progress_by_pillar = serializers.CharField(
            required=False, allow_blank=True, trim_whitespace=False
        )
        recommendations = serializers.CharField(
            required=False, allow_blank=True, trim_whitespace=False
        )
        revision = serializers.IntegerField(
            required=False, help_text="The revision you read, unless If-Match carries the ETag."
        )

    @extend_schema(
        operation_id="reports_narrative_update",
        summary="Write the narrative sections of a draft",
        tags=["reports"],
        request=NarrativeSerializer,
        parameters=[IF_MATCH_OR_REVISION, ETAG_HEADER],
        responses={
            200: ReportDetailSerializer,
            **_errors(
                bad_request="A section is not valid, or no revision was given.",
                forbidden="Your role cannot edit reports.",
                conflict="Not a draft, or changed since the revision you sent.",
                not_found="Missing or not yours.",
                precondition_failed="The report changed since the ETag sent in If-Match.",
            ),
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        report = access.access_report(request.user, pk)
        given = self.NarrativeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        revision, precondition = _optional_version(
            request, REPORT, report.pk, data.pop("revision", None), field="revision"
        )
        if revision is None:
            raise ApplicationValidationError(
                {"revision": ["Give the revision you read, or send the report's ETag in If-Match."]}
            )
        with _stale_is_412(Report, report.pk, revision if precondition else None, field="revision"):
            report = services.report_narrative_update(
                report=report, actor=request.user, data=data, revision=revision
            )
        return _detail_response(report)


class ReportMoveApi(_ReportApi):
    class MoveSerializer(StrictInputSerializer):
        comment = serializers.CharField(required=False, allow_blank=True, default="")
        revision = serializers.IntegerField(required=False, help_text="The revision you read.")

    @extend_schema(
        operation_id="reports_move",
        summary="Move a report: submit, return (with a comment), publish, recompile or retry",
        tags=["reports"],
        request=MoveSerializer,
        parameters=[IF_MATCH_OPTIONAL, ETAG_HEADER],
        responses={
            200: ReportSerializer,
            **_errors(
                bad_request="Unknown action, a missing comment or an unwritten section.",
                forbidden="Your role cannot make this move.",
                conflict="Not allowed from the report's status, or a stale revision.",
                not_found="Missing or not yours.",
                precondition_failed="The report changed since the ETag sent in If-Match.",
            ),
        },
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        report = access.access_report(request.user, pk)
        given = self.MoveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        revision, precondition = _optional_version(
            request, REPORT, report.pk, given.validated_data.get("revision"), field="revision"
        )
        with _stale_is_412(Report, report.pk, revision if precondition else None, field="revision"):
            report = services.report_transition(
                report=report,
                actor=request.user,
                action=action,
                comment=given.validated_data["comment"],
                revision=revision,
            )
        return Response(
            ReportSerializer(report_data(report)).data,
            headers={"ETag": etag(REPORT, report.pk, report.revision)},
        )


class ReportCorrectApi(_ReportApi):
    class CorrectSerializer(StrictInputSerializer):
        reason = serializers.CharField(help_text="What the correction corrects.")

    @extend_schema(
        operation_id="reports_correct",
        summary="Start a correction of a published report (a new version that supersedes it "
        "when published)",
        tags=["reports"],
        request=CorrectSerializer,
        responses={
            202: ReportSerializer,
            **_errors(
                bad_request="No reason given.",
                forbidden="Your role cannot correct reports.",
                conflict="Not the published version, or a correction is already under way.",
                not_found="Missing or not yours.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        report = access.access_report(request.user, pk)
        given = self.CorrectSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        correction = services.report_correct(
            report=report, actor=request.user, reason=given.validated_data["reason"]
        )
        return Response(
            ReportSerializer(report_data(correction)).data, status=status.HTTP_202_ACCEPTED
        )


class ReportReleaseApi(_ReportApi):
    class ReleaseSerializer(StrictInputSerializer):
        member_states = serializers.ListField(
            child=serializers.CharField(), help_text="ISO 3166-1 alpha-3 codes, e.g. NOR."
        )

    @extend_schema(
        operation_id="reports_release",
        summary="Release a published, non-public report to member states' liaisons",
        tags=["reports"],
        request=ReleaseSerializer,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The states it is released to."),
            **_errors(
                bad_request="An unknown member state.",
                forbidden="Your role cannot release reports.",
                conflict="Not published, or public already.",
                not_found="Missing or not yours.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        report = access.access_report(request.user, pk)
        given = self.ReleaseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.report_release(
            report=report, actor=request.user, member_states=given.validated_data["member_states"]
        )
        return Response(
            {"member_states": list(report.releases.values_list("member_state", flat=True))}
        )


class _FileApi(_PdfOrJson, _ReportApi):
    # The file is returned as is; errors stay JSON (the desk's negotiation, _PdfOrJson).

    def frozen(self, request: Request, pk: int, what: str) -> Report:
        report = access.access_report(request.user, pk)
        return services.report_file_read(report=report, actor=request.user, what=what)


class ReportAnnexApi(_FileApi):
    @extend_schema(
        operation_id="reports_annex_json",
        summary="The data annex of a published report as JSON, exactly as frozen (the read is "
        "audited)",
        tags=["reports"],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Every table of the report."),
            **_errors(not_found="Missing, not published, or not yours."),
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        report = self.frozen(request, pk, "annex.json")
        # The stored text, not a re-serialisation: its SHA-256 is the published one.
        return documents.frozen_download(report, "json")


class ReportAnnexCsvApi(_FileApi):
    @extend_schema(
        operation_id="reports_annex_csv",
        summary="The data annex of a published report as CSV (the read is audited)",
        tags=["reports"],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per figure."),
            **_errors(not_found="Missing, not published, or not yours."),
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        report = self.frozen(request, pk, "annex.csv")
        return documents.frozen_download(report, "csv")


class ReportPdfApi(_FileApi):
    @extend_schema(
        operation_id="reports_pdf",
        summary="The PDF of a published report, exactly as frozen (the read is audited)",
        tags=["reports"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            **_errors(not_found="Missing, not published, or not yours."),
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        report = self.frozen(request, pk, "pdf")
        return documents.frozen_download(report, "pdf")
