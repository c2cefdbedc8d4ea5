"""REST API of the event-file imports: upload a file, follow its import.

    POST /api/v1/imports/        multipart: file, format (acled|ucdp), source (pseudonym),
                                 classification (default PUBLIC) -> 201 with the job
    GET  /api/v1/imports/{id}/   the job's progress, counts and first row errors

Thin views over cases.importers. An upload by someone who may not import answers 403; a job the
caller may not see answers 404, like a missing one.
"""

from __future__ import annotations

from django.urls import path, reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import access_import_job, can_import
from cases.apis import ErrorSerializer
from cases.importers import (
    FIRST_ERRORS_SHOWN,
    FORMATS,
    IMPORT_MAX_BYTES,
    import_job_create,
    import_job_errors,
    import_job_progress,
)
from cases.models import ImportJob
from r2p.models import Classification


@extend_schema_serializer(component_name="ImportRowError")
class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1 is the first row after the header.")
    field = serializers.CharField(help_text="The column, as the file spells it.")
    problem = serializers.CharField()


@extend_schema_serializer(component_name="ImportJob")
class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ImportJob.Status.values)
    status_label = serializers.CharField()
    format = serializers.ChoiceField(choices=ImportJob.Format.values)
    source = serializers.CharField(help_text="The source's pseudonym.")
    classification = serializers.ChoiceField(choices=[c.name for c in Classification])
    rows_total = serializers.IntegerField(allow_null=True)
    rows_done = serializers.IntegerField()
    rows_imported = serializers.IntegerField()
    rows_already_present = serializers.IntegerField()
    rows_failed = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)
    failure = serializers.CharField(allow_blank=True, help_text="Why the whole file failed.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    elapsed_seconds = serializers.FloatField(allow_null=True)
    elapsed_text = serializers.CharField(allow_blank=True)
    finished = serializers.BooleanField()
    problems = serializers.IntegerField(help_text="Row errors in all (a row may have several).")
    first_row_errors = ImportRowErrorSerializer(many=True)


def _job_body(job: ImportJob) -> dict:
    body = import_job_progress(job)
    errors = list(
        import_job_errors(job, limit=FIRST_ERRORS_SHOWN).values("row", "field", "problem")
    )
    body["problems"] = len(errors) if len(errors) < FIRST_ERRORS_SHOWN else job.row_errors.count()
    body["first_row_errors"] = errors
    return ImportJobSerializer(body).data


class ImportJobCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            help_text=f"The CSV file, UTF-8, at most {IMPORT_MAX_BYTES // (1024 * 1024)} MiB."
        )
        format = serializers.ChoiceField(choices=sorted(FORMATS))
        source = serializers.CharField(help_text="The source's pseudonym, e.g. SRC-4K7Q.")
        classification = serializers.ChoiceField(
            choices=[c.name for c in Classification], default=Classification.PUBLIC.name
        )

    @extend_schema(
        operation_id="imports_create",
        summary="Upload an ACLED or UCDP GED file; its import runs in the background",
        request={"multipart/form-data": InputSerializer},
        responses={
            201: ImportJobSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="The file or a field is not acceptable; nothing was stored.",
            ),
            403: OpenApiResponse(ErrorSerializer, description="The caller cannot import files."),
        },
    )
    def post(self, request: Request) -> Response:
        if not can_import(request.user):
            raise exceptions.PermissionDenied("Your role cannot import event files.")
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        job = import_job_create(actor=request.user, **given.validated_data)
        return Response(
            _job_body(job),
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-import", args=[job.pk])},
        )


class ImportJobDetailApi(APIView):
    @extend_schema(
        operation_id="imports_retrieve",
        summary="An import's progress, counts and first row errors",
        responses={
            200: ImportJobSerializer,
            404: OpenApiResponse(ErrorSerializer, description="Missing or not visible."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_job_body(access_import_job(request.user, pk)))


urlpatterns = [
    path("imports/", ImportJobCreateApi.as_view(), name="api-imports"),
    path("imports/<int:pk>/", ImportJobDetailApi.as_view(), name="api-import"),
]
