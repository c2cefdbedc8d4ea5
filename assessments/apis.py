"""REST API of risk assessment: the framework, assessments and their judgments, evidence and
workflow, challenges, the trigger calendar, response options, risk trends and the portfolio.

Thin views, as in cases/apis.py: each reads its input, calls one service or selector and shapes
the answer (assessments/serializers.py). The rules live in assessments.services (the risk rule,
four eyes, the approval gates) and who sees what in assessments.access, so the API cannot skip
them. Anyone who is not joint-office staff (a liaison, a partner system, an outsider) gets 404
from every record and an empty list from every list; a forbidden record looks missing.

Versions: an assessment's ETag names its revision (`"assessment-12-v7"`), which every change
to it, its judgments or its evidence bumps; a response option's ETag names its revision too.
PATCH must send the ETag back in If-Match (428 without it, 412 when it is stale). The workflow
actions and the evidence writes accept it optionally (412 when stale), or `revision` in the
body, the form's way (409 when stale). A move the workflow does not allow is 409; a four-eyes
violation or a role's limit is 403; what blocks an approval is listed under `blockers` in a 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, Prefetch, Q, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import access, selectors, services
from assessments.models import (
    Assessment,
    AssessmentStatus,
    Catalogue,
    Challenge,
    ChallengeAcknowledgement,
    Evidence,
    FactorJudgment,
    Instrument,
    ResponseOption,
    TriggerEvent,
)
from assessments.serializers import (
    AssessmentDetailSerializer,
    AssessmentPageSerializer,
    AssessmentSummarySerializer,
    CatalogueSerializer,
    ChallengePageSerializer,
    ChallengeSerializer,
    CountryLevelSerializer,
    DiffSerializer,
    EvidenceSerializer,
    HeatmapSerializer,
    InstrumentSerializer,
    OptionPageSerializer,
    OptionSerializer,
    StrictInputSerializer,
    TrendSerializer,
    TriggerPageSerializer,
    TriggerSerializer,
    assessment_detail,
    assessment_status,
    assessment_summary,
    catalogue_data,
    challenge_data,
    challenge_status,
    confidence,
    diff_data,
    enum,
    evidence_data,
    factor_level,
    feasibility,
    option_data,
    option_status,
    risk_level,
    situation_ref,
    trigger_data,
    trigger_kind,
)
from cases import access as cases_access
from cases.apis import (
    ETAG_HEADER,
    IF_MATCH,
    ClassificationField,
    _errors,
    _if_match_version,
    _optional_version,
    _paths,
    _stale_is_412,
    etag,
    if_match_optional,
)
from cases.models import SignalSituationLink
from r2p.countries import country_name
from r2p.errors import ApplicationValidationError, NotFoundError
from r2p.models import User
from r2p.rest import CursorPagination

# --- Shared pieces --------------------------------------------------------------------------------

ASSESSMENT = "assessment"
OPTION = "response-option"

IF_MATCH_OPTIONAL = if_match_optional("revision")
IF_MATCH_DELETE = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Optional: the assessment's ETag from your last read; 412 when it changed since.",
)
NEW_ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[204],
    description="The assessment's new ETag.",
)
DIFF_FROM = OpenApiParameter(
    "from",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    required=False,
    description="The other version's id; defaults to the version this one was based on.",
)


def _staff_only(user: User) -> None:
    """Only joint-office staff reach the framework and the assessments; others see nothing."""
    if not cases_access.is_staff(user):
        raise NotFoundError()


def _current_revision(model: type[Model], pk: int) -> int | None:
    return model.objects.filter(pk=pk).values_list("revision", flat=True).first()


def _etag_header(assessment_pk: int) -> dict[str, str]:
    return {"ETag": etag(ASSESSMENT, assessment_pk, _current_revision(Assessment, assessment_pk))}


def _assessment_response(user: User, pk: int, code: int = status.HTTP_200_OK) -> Response:
    """The detail, read again through access and the selector: what this reader may see now."""
    assessment = access.access_assessment(user, pk)
    view = selectors.assessment_view(assessment=assessment, user=user)
    return Response(
        AssessmentDetailSerializer(assessment_detail(view)).data,
        status=code,
        headers={"ETag": etag(ASSESSMENT, assessment.pk, assessment.revision)},
    )


def _judgment(assessment: Assessment, number: int) -> FactorJudgment:
    judgment = (
        FactorJudgment.objects.select_related("factor")
        .filter(assessment=assessment, factor__number=number)
        .first()
    )
    if judgment is None:
        raise NotFoundError(f"Version {assessment.version} has no risk factor {number}.")
    judgment.assessment = assessment
    return judgment


def _writable_assessment(request: Request, pk: int) -> Assessment:
    """An assessment the caller may see, and may write (403 otherwise)."""
    assessment = access.access_assessment(request.user, pk)
    access.require_writer(request.user, assessment.situation)
    return assessment


def _validated(
    serializer_class: type[serializers.Serializer], request: Request, **kw: Any
) -> dict[str, Any]:
    given = serializer_class(data=request.data, **kw)
    given.is_valid(raise_exception=True)
    return given.validated_data


def _some_change(data: dict[str, Any]) -> None:
    if not data:
        raise ApplicationValidationError({"non_field_errors": ["Send a field to change."]})


def _page(
    request: Request,
    view: APIView,
    queryset: QuerySet,
    build: Callable[[Any], Any],
    pagination: type[CursorPagination] = CursorPagination,
) -> Response:
    """One cursor page of `queryset`, each row shaped by `build`."""
    paginator = pagination()
    rows = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response([build(row) for row in rows])


class PageFilterSerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, help_text="From `next` or `previous`.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)


# --- The framework catalogue and the instruments ------------------------------------------------


def _catalogues() -> QuerySet[Catalogue]:
    return Catalogue.objects.order_by("-version").prefetch_related("factors__indicators")


class FrameworkLatestApi(APIView):
    @extend_schema(
        operation_id="framework_latest",
        summary="The latest framework catalogue: risk factors with their indicators",
        tags=["framework"],
        responses={200: CatalogueSerializer, **_errors(not_found="Not joint-office staff.")},
    )
    def get(self, request: Request) -> Response:
        _staff_only(request.user)
        catalogue = _catalogues().first()
        if catalogue is None:
            raise NotFoundError("No framework catalogue is loaded.")
        return Response(CatalogueSerializer(catalogue_data(catalogue)).data)


class FrameworkVersionApi(APIView):
    @extend_schema(
        operation_id="framework_version",
        summary="One released version of the framework catalogue",
        tags=["framework"],
        responses={200: CatalogueSerializer, **_errors(not_found="No such version.")},
    )
    def get(self, request: Request, version: int) -> Response:
        _staff_only(request.user)
        catalogue = _catalogues().filter(version=version).first()
        if catalogue is None:
            raise NotFoundError(f"No version {version} of the framework catalogue.")
        return Response(CatalogueSerializer(catalogue_data(catalogue)).data)


class InstrumentListApi(APIView):
    @extend_schema(
        operation_id="instruments_list",
        summary="The catalogue of response instruments",
        tags=["response options"],
        responses={200: InstrumentSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        instruments = Instrument.objects.order_by("position")
        if not cases_access.is_staff(request.user):
            instruments = instruments.none()
        return Response(InstrumentSerializer(instruments, many=True).data)


# --- Assessments ----------------------------------------------------------------------------------


class AssessmentListApi(APIView):
    """GET: the assessments this caller may see, newest first, in cursor pages."""

    class FilterSerializer(PageFilterSerializer):
        situation = serializers.IntegerField(required=False, min_value=1)
        status = assessment_status(required=False)

    @extend_schema(
        operation_id="assessments_list",
        summary="List assessments",
        tags=["assessments"],
        parameters=[FilterSerializer],
        responses={200: AssessmentPageSerializer, **_errors(bad_request="A filter is not valid.")},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        queryset = selectors.assessment_list(user=request.user).select_related("catalogue")
        if "situation" in given:
            queryset = queryset.filter(situation_id=given["situation"])
        if given.get("status"):
            queryset = queryset.filter(status=given["status"])
        return _page(
            request,
            self,
            queryset,
            lambda a: AssessmentSummarySerializer(assessment_summary(a)).data,
        )


class AssessmentStartApi(APIView):
    @extend_schema(
        operation_id="assessments_start",
        summary="Start a new version: a copy of the last approved one, or a blank one",
        tags=["assessments"],
        request=None,
        parameters=[ETAG_HEADER],
        responses={
            201: AssessmentDetailSerializer,
            **_errors(
                forbidden="Only the situation's team writes its assessments.",
                not_found="The situation is missing or not visible.",
                conflict="A version is still open (draft, submitted or returned).",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        situation = cases_access.access_situation(request.user, pk)
        assessment = services.assessment_start(situation=situation, actor=request.user)
        return _assessment_response(request.user, assessment.pk, status.HTTP_201_CREATED)


class AssessmentDetailApi(APIView):
    """GET one assessment with its judgments, risk, blockers and ETag; PATCH it with If-Match."""

    @extend_schema_serializer(component_name="AssessmentChange")
    class InputSerializer(StrictInputSerializer):
        overall_narrative = serializers.CharField(required=False, allow_blank=True)
        override_level = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=4,
            help_text="1 low, 2 moderate, 3 high, 4 very high; null to use the computed level.",
        )
        override_justification = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text="Required with an override: why the level differs from the computed one.",
        )
        classification = ClassificationField(required=False, parse=False)

    @extend_schema(
        operation_id="assessments_retrieve",
        summary="Read one assessment",
        tags=["assessments"],
        parameters=[ETAG_HEADER],
        responses={
            200: AssessmentDetailSerializer,
            **_errors(not_found="Missing or not visible."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        return _assessment_response(request.user, pk)

    @extend_schema(
        operation_id="assessments_partial_update",
        summary="Change the overall narrative, the override or the classification",
        tags=["assessments"],
        request=InputSerializer,
        parameters=[IF_MATCH, ETAG_HEADER],
        responses={
            200: AssessmentDetailSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="Only the situation's team writes its assessments.",
                not_found="Missing or not visible.",
                conflict="The version is submitted or approved and can no longer be edited.",
                precondition_failed="The assessment changed since the ETag sent in If-Match.",
                precondition_required="If-Match is missing.",
            ),
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        assessment = _writable_assessment(request, pk)
        expected = _if_match_version(request, ASSESSMENT, assessment.pk)
        data = _validated(self.InputSerializer, request, partial=True)
        _some_change(data)
        with _stale_is_412(Assessment, assessment.pk, expected, field="revision"):
            services.assessment_update(
                assessment=assessment, actor=request.user, data=data, revision=expected
            )
        return _assessment_response(request.user, assessment.pk)


class JudgmentApi(APIView):
    @extend_schema_serializer(component_name="FactorJudgmentChange")
    class InputSerializer(StrictInputSerializer):
        level = factor_level(required=False)
        confidence = confidence(required=False)
        narrative = serializers.CharField(required=False, allow_blank=True)
        indicators = serializers.ListField(
            child=serializers.CharField(max_length=8),
            required=False,
            help_text='Codes of the indicators observed, e.g. ["7.3", "7.12"]; replaces them.',
        )

    @extend_schema(
        operation_id="assessments_factor_update",
        summary="Judge one risk factor: level, confidence, narrative, indicators observed",
        tags=["assessments"],
        request=InputSerializer,
        parameters=[IF_MATCH, ETAG_HEADER],
        responses={
            200: AssessmentDetailSerializer,
            **_errors(
                bad_request="Field errors, by field (an unknown indicator code, a bad level).",
                forbidden="Only the situation's team writes its assessments.",
                not_found="The assessment or the factor is missing or not visible.",
                conflict="The version is submitted or approved and can no longer be edited.",
                precondition_failed="The assessment changed since the ETag sent in If-Match.",
                precondition_required="If-Match (the assessment's ETag) is missing.",
            ),
        },
    )
    def patch(self, request: Request, pk: int, number: int) -> Response:
        assessment = _writable_assessment(request, pk)
        judgment = _judgment(assessment, number)
        expected = _if_match_version(request, ASSESSMENT, assessment.pk)
        data = _validated(self.InputSerializer, request, partial=True)
        _some_change(data)
        with _stale_is_412(Assessment, assessment.pk, expected, field="revision"):
            services.judgment_update(
                judgment=judgment, actor=request.user, data=data, revision=expected
            )
        return _assessment_response(request.user, assessment.pk)


class EvidenceAddApi(APIView):
    @extend_schema_serializer(component_name="EvidenceInput")
    class InputSerializer(StrictInputSerializer):
        signal = serializers.IntegerField(min_value=1, help_text="A signal you may see.")
        note = serializers.CharField(
            required=False, allow_blank=True, help_text="What the signal shows for this factor."
        )
        revision = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="assessments_evidence_add",
        summary="Back a factor judgment with a signal",
        description="The answer's ETag is the assessment's new one.",
        tags=["assessments"],
        request=InputSerializer,
        parameters=[IF_MATCH_OPTIONAL, ETAG_HEADER],
        responses={
            201: EvidenceSerializer,
            **_errors(
                bad_request="No such signal you may see, or it already backs this factor.",
                forbidden="Only the situation's team writes its assessments.",
                not_found="The assessment or the factor is missing or not visible.",
                conflict="Not editable, or `revision` is stale.",
                precondition_failed="The assessment changed since the ETag sent in If-Match.",
            ),
        },
    )
    def post(self, request: Request, pk: int, number: int) -> Response:
        assessment = _writable_assessment(request, pk)
        judgment = _judgment(assessment, number)
        data = _validated(self.InputSerializer, request)
        expected, precondition = _optional_version(
            request, ASSESSMENT, assessment.pk, data.get("revision"), field="revision"
        )
        with _stale_is_412(
            Assessment, assessment.pk, expected if precondition else None, field="revision"
        ):
            evidence = services.evidence_add(
                judgment=judgment,
                actor=request.user,
                signal_id=data["signal"],
                note=data.get("note", ""),
                revision=expected,
            )
        evidence = Evidence.objects.select_related("signal__source", "added_by").get(pk=evidence.pk)
        return Response(
            EvidenceSerializer(evidence_data(evidence, number)).data,
            status=status.HTTP_201_CREATED,
            headers=_etag_header(assessment.pk),
        )


class EvidenceDetailApi(APIView):
    @extend_schema(
        operation_id="assessments_evidence_remove",
        summary="Remove an evidence link",
        description="The answer's ETag is the assessment's new one.",
        tags=["assessments"],
        parameters=[IF_MATCH_DELETE, NEW_ETAG],
        responses={
            204: OpenApiResponse(description="Removed."),
            **_errors(
                forbidden="Only the situation's team writes its assessments.",
                not_found="Missing, or its assessment or signal is not visible.",
                conflict="The version is submitted or approved and can no longer be edited.",
                precondition_failed="The assessment changed since the ETag sent in If-Match.",
            ),
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        evidence = access.access_evidence(request.user, pk)
        # Evidence of a signal the caller may not see is counted on the page, never named.
        if not cases_access.signals_visible(request.user).filter(pk=evidence.signal_id).exists():
            raise NotFoundError()
        assessment = evidence.judgment.assessment
        access.require_writer(request.user, assessment.situation)
        expected, precondition = _optional_version(
            request, ASSESSMENT, assessment.pk, None, field="revision"
        )
        with _stale_is_412(
            Assessment, assessment.pk, expected if precondition else None, field="revision"
        ):
            services.evidence_remove(evidence=evidence, actor=request.user, revision=expected)
        return Response(status=status.HTTP_204_NO_CONTENT, headers=_etag_header(assessment.pk))


class FlagsAcknowledgeApi(APIView):
    @extend_schema_serializer(component_name="FlagsAcknowledgement")
    class InputSerializer(StrictInputSerializer):
        note = serializers.CharField(help_text="Why the factor's evidence flags may stand.")
        revision = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="assessments_factor_acknowledge_flags",
        summary="Acknowledge a factor's current evidence flags, with a note",
        tags=["assessments"],
        request=InputSerializer,
        parameters=[IF_MATCH_OPTIONAL, ETAG_HEADER],
        responses={
            200: AssessmentDetailSerializer,
            **_errors(
                bad_request="No note, or the factor has no flag to acknowledge.",
                forbidden="Only the situation's team writes its assessments.",
                not_found="The assessment or the factor is missing or not visible.",
                conflict="Not editable, or `revision` is stale.",
                precondition_failed="The assessment changed since the ETag sent in If-Match.",
            ),
        },
    )
    def post(self, request: Request, pk: int, number: int) -> Response:
        assessment = _writable_assessment(request, pk)
        judgment = _judgment(assessment, number)
        data = _validated(self.InputSerializer, request)
        expected, precondition = _optional_version(
            request, ASSESSMENT, assessment.pk, data.get("revision"), field="revision"
        )
        with _stale_is_412(
            Assessment, assessment.pk, expected if precondition else None, field="revision"
        ):
            services.flags_acknowledge(
                judgment=judgment, actor=request.user, note=data["note"], revision=expected
            )
        return _assessment_response(request.user, assessment.pk)


# --- The workflow ---------------------------------------------------------------------------------


def _move(request: Request, pk: int, to: str, data: dict[str, Any]) -> Response:
    assessment = access.access_assessment(request.user, pk)
    expected, precondition = _optional_version(
        request, ASSESSMENT, assessment.pk, data.get("revision"), field="revision"
    )
    try:
        with _stale_is_412(
            Assessment, assessment.pk, expected if precondition else None, field="revision"
        ):
            services.assessment_transition(
                assessment=assessment,
                actor=request.user,
                to=to,
                comment=data.get("comment", ""),
                revision=expected,
            )
    except ApplicationValidationError as exc:
        if to == AssessmentStatus.APPROVED and set(exc.fields) == {"non_field_errors"}:
            raise ApplicationValidationError(
                {"blockers": exc.fields["non_field_errors"]},
                "Approval is blocked: resolve or acknowledge each item under blockers.",
            ) from None
        raise
    return _assessment_response(request.user, assessment.pk)


def _move_errors(**more: str) -> dict[int, OpenApiResponse]:
    described = {
        "bad_request": "Field errors, by field.",
        "forbidden": "The caller's role or four eyes forbids this move.",
        "not_found": "Missing or not visible.",
        "conflict": "The workflow does not allow this move now, or `revision` is stale.",
        "precondition_failed": "The assessment changed since the ETag sent in If-Match.",
    }
    return _errors(**{**described, **more})


class AssessmentSubmitApi(APIView):
    @extend_schema_serializer(component_name="AssessmentSubmission")
    class InputSerializer(StrictInputSerializer):
        revision = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="assessments_submit",
        summary="Submit a draft or returned version for review",
        tags=["assessments"],
        request=InputSerializer,
        parameters=[IF_MATCH_OPTIONAL, ETAG_HEADER],
        responses={200: AssessmentDetailSerializer, **_move_errors()},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(self.InputSerializer, request)
        return _move(request, pk, AssessmentStatus.SUBMITTED, data)


class AssessmentApproveApi(APIView):
    @extend_schema_serializer(component_name="AssessmentApproval")
    class InputSerializer(StrictInputSerializer):
        comment = serializers.CharField(required=False, allow_blank=True)
        revision = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="assessments_approve",
        summary="Approve a submitted version (a senior analyst other than its author)",
        tags=["assessments"],
        request=InputSerializer,
        parameters=[IF_MATCH_OPTIONAL, ETAG_HEADER],
        responses={
            200: AssessmentDetailSerializer,
            **_move_errors(
                bad_request=(
                    "What blocks approval (unresolved evidence flags, open challenges not "
                    "acknowledged), listed under fields.blockers."
                ),
                conflict="Not submitted (e.g. already approved), or `revision` is stale.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(self.InputSerializer, request)
        return _move(request, pk, AssessmentStatus.APPROVED, data)


class AssessmentReturnApi(APIView):
    @extend_schema_serializer(component_name="AssessmentReturn")
    class InputSerializer(StrictInputSerializer):
        comment = serializers.CharField(help_text="What must change.")
        revision = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="assessments_return",
        summary="Return a submitted version to its team with comments",
        tags=["assessments"],
        request=InputSerializer,
        parameters=[IF_MATCH_OPTIONAL, ETAG_HEADER],
        responses={200: AssessmentDetailSerializer, **_move_errors()},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(self.InputSerializer, request)
        return _move(request, pk, AssessmentStatus.RETURNED, data)


class AssessmentDiffApi(APIView):
    @extend_schema(
        operation_id="assessments_diff",
        summary="What changed between two versions: levels, indicators, evidence",
        tags=["assessments"],
        parameters=[DIFF_FROM],
        responses={
            200: DiffSerializer,
            **_errors(
                bad_request="`from` is not a version of the same situation.",
                not_found="Missing or not visible.",
            ),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        assessment = access.access_assessment(request.user, pk)
        raw = request.query_params.get("from")
        if raw in (None, ""):
            if assessment.based_on_id is None:
                raise ApplicationValidationError(
                    {"from": ["This is a first version; name the version to compare with."]}
                )
            raw = assessment.based_on_id
        try:
            other_pk = serializers.IntegerField(min_value=1).run_validation(raw)
        except serializers.ValidationError as exc:
            raise ApplicationValidationError({"from": [str(m) for m in exc.detail]}) from None
        try:
            other = access.access_assessment(request.user, other_pk)
        except NotFoundError:
            raise ApplicationValidationError(
                {"from": [f"No assessment #{other_pk} that you may see."]}
            ) from None
        if other.situation_id != assessment.situation_id:
            raise ApplicationValidationError(
                {"from": ["Compare two versions of the same situation."]}
            )
        older, newer = sorted((assessment, other), key=lambda a: a.version)
        diff = selectors.assessment_diff(older=older, newer=newer)
        moved = {s for f in diff.factors for s in (*f.evidence_added, *f.evidence_removed)}
        visible = set(
            cases_access.signals_visible(request.user)
            .filter(pk__in=moved)
            .values_list("pk", flat=True)
        )
        return Response(DiffSerializer(diff_data(diff, visible)).data)


# --- Challenges -----------------------------------------------------------------------------------


def _challenges(user: User) -> QuerySet[Challenge]:
    """Visible challenges with what their answer shows: counter-evidence the reader may see,
    acknowledgements by versions the reader may see. A fixed number of queries per page."""
    return access.challenges_visible(
        user,
        Challenge.objects.select_related(
            "signal", "situation", "judgment__assessment", "author", "resolved_by"
        ),
    ).prefetch_related(
        Prefetch("counter_evidence", cases_access.signals_visible(user).order_by("pk")),
        Prefetch(
            "acknowledgements",
            ChallengeAcknowledgement.objects.filter(
                assessment__in=access.assessments_visible(user).values("pk")
            )
            .select_related("assessment", "by")
            .order_by("at", "pk"),
        ),
    )


def _challenge_response(user: User, pk: int, code: int = status.HTTP_200_OK) -> Response:
    challenge = _challenges(user).filter(pk=pk).first()
    if challenge is None:
        raise NotFoundError()
    return Response(ChallengeSerializer(challenge_data(challenge)).data, status=code)


class ChallengeCollectionApi(APIView):
    """GET: visible challenges, newest first. POST: challenge a signal or a factor judgment."""

    class FilterSerializer(PageFilterSerializer):
        status = challenge_status(required=False)
        situation = serializers.IntegerField(
            required=False,
            min_value=1,
            help_text="Challenges of its judgments and of signals linked to it.",
        )

    @extend_schema_serializer(component_name="ChallengeInput")
    class InputSerializer(StrictInputSerializer):
        signal = serializers.IntegerField(
            required=False, min_value=1, help_text="The signal challenged (or judgment)."
        )
        judgment = serializers.IntegerField(
            required=False, min_value=1, help_text="The factor judgment challenged (its id)."
        )
        reasoning = serializers.CharField()
        counter_evidence = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            max_length=100,
            help_text="Ids of signals you may see that argue against it.",
        )

    @extend_schema(
        operation_id="challenges_list",
        summary="List challenges",
        tags=["challenges"],
        parameters=[FilterSerializer],
        responses={200: ChallengePageSerializer, **_errors(bad_request="A filter is not valid.")},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        queryset = _challenges(request.user)
        if given.get("status"):
            queryset = queryset.filter(status=given["status"])
        if "situation" in given:
            linked = SignalSituationLink.objects.filter(situation_id=given["situation"])
            queryset = queryset.filter(
                Q(situation_id=given["situation"]) | Q(signal__in=linked.values("signal_id"))
            )
        return _page(request, self, queryset, lambda c: ChallengeSerializer(challenge_data(c)).data)

    @extend_schema(
        operation_id="challenges_create",
        summary="Challenge a signal or a factor judgment, with reasoning",
        tags=["challenges"],
        request=InputSerializer,
        responses={
            201: ChallengeSerializer,
            **_errors(
                bad_request="Field errors, by field (e.g. neither or both targets).",
                forbidden="The caller's role cannot raise challenges.",
                not_found="Not joint-office staff.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        _staff_only(request.user)
        data = _validated(self.InputSerializer, request)
        judgment = None
        if data.get("judgment") is not None:
            try:
                judgment = access.access_judgment(request.user, data["judgment"])
            except NotFoundError:
                raise ApplicationValidationError(
                    {"judgment": [f"No factor judgment #{data['judgment']} that you may see."]}
                ) from None
        challenge = services.challenge_raise(
            actor=request.user,
            reasoning=data["reasoning"],
            signal_id=data.get("signal"),
            judgment=judgment,
            counter_evidence=data.get("counter_evidence", []),
        )
        return _challenge_response(request.user, challenge.pk, status.HTTP_201_CREATED)


class ChallengeDetailApi(APIView):
    @extend_schema(
        operation_id="challenges_retrieve",
        summary="Read one challenge",
        tags=["challenges"],
        responses={200: ChallengeSerializer, **_errors(not_found="Missing or not visible.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _challenge_response(request.user, pk)


class ChallengeResolveApi(APIView):
    @extend_schema_serializer(component_name="ChallengeResolution")
    class InputSerializer(StrictInputSerializer):
        outcome = enum("ChallengeOutcome", [("upheld", "Upheld"), ("dismissed", "Dismissed")])
        note = serializers.CharField()

    @extend_schema(
        operation_id="challenges_resolve",
        summary="Uphold or dismiss a challenge (someone other than its author)",
        tags=["challenges"],
        request=InputSerializer,
        responses={
            200: ChallengeSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="The caller's role cannot resolve challenges, or wrote it.",
                not_found="Missing or not visible.",
                conflict="Already resolved.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        challenge = access.access_challenge(request.user, pk)
        data = _validated(self.InputSerializer, request)
        services.challenge_resolve(
            challenge=challenge, actor=request.user, outcome=data["outcome"], note=data["note"]
        )
        return _challenge_response(request.user, challenge.pk)


class ChallengeAcknowledgeApi(APIView):
    @extend_schema_serializer(component_name="ChallengeAcknowledgementInput")
    class InputSerializer(StrictInputSerializer):
        assessment = serializers.IntegerField(
            min_value=1, help_text="The version whose approval weighs this challenge."
        )
        note = serializers.CharField(help_text="How the challenge was weighed.")

    @extend_schema(
        operation_id="challenges_acknowledge",
        summary="Acknowledge an open challenge for one assessment version, with a note",
        tags=["challenges"],
        request=InputSerializer,
        responses={
            201: ChallengeSerializer,
            **_errors(
                bad_request="Field errors, by field (e.g. not about that assessment).",
                forbidden="Only the situation's team or a reviewer acknowledges challenges.",
                not_found="Missing or not visible.",
                conflict="Resolved, or already acknowledged for that version.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        challenge = access.access_challenge(request.user, pk)
        data = _validated(self.InputSerializer, request)
        try:
            assessment = access.access_assessment(request.user, data["assessment"])
        except NotFoundError:
            raise ApplicationValidationError(
                {"assessment": [f"No assessment #{data['assessment']} that you may see."]}
            ) from None
        services.challenge_acknowledge(
            challenge=challenge, assessment=assessment, actor=request.user, note=data["note"]
        )
        return _challenge_response(request.user, challenge.pk, status.HTTP_201_CREATED)


# --- Trigger calendar -----------------------------------------------------------------------------


class TriggerPagination(CursorPagination):
    """Soonest first."""

    ordering = ("occurs_on", "pk")


def _trigger_response(trigger_pk: int, code: int = status.HTTP_200_OK) -> Response:
    trigger = TriggerEvent.objects.select_related("situation", "created_by").get(pk=trigger_pk)
    return Response(
        TriggerSerializer(trigger_data(trigger, timezone.localdate())).data, status=code
    )


@extend_schema_serializer(component_name="TriggerInput")
class TriggerInputSerializer(StrictInputSerializer):
    kind = trigger_kind()
    title = serializers.CharField(max_length=200)
    occurs_on = serializers.DateField()
    description = serializers.CharField(required=False, allow_blank=True)
    remind_days_before = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=365,
        help_text="Days ahead to remind the team; null for the configured default.",
    )


class TriggerListApi(APIView):
    class FilterSerializer(PageFilterSerializer):
        situation = serializers.IntegerField(required=False, min_value=1)
        days = serializers.IntegerField(
            required=False, default=90, min_value=1, max_value=366, help_text="Default 90."
        )

    @extend_schema(
        operation_id="triggers_list",
        summary="Trigger events in the coming days, soonest first",
        tags=["triggers"],
        parameters=[FilterSerializer],
        responses={200: TriggerPageSerializer, **_errors(bad_request="A filter is not valid.")},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        queryset = selectors.upcoming_triggers(user=request.user, days=given["days"])
        if "situation" in given:
            queryset = queryset.filter(situation_id=given["situation"])
        today = timezone.localdate()
        return _page(
            request,
            self,
            queryset.select_related("created_by"),
            lambda t: TriggerSerializer(trigger_data(t, today)).data,
            TriggerPagination,
        )


class TriggerCreateApi(APIView):
    @extend_schema(
        operation_id="triggers_create",
        summary="Put a trigger event on a situation's calendar",
        tags=["triggers"],
        request=TriggerInputSerializer,
        responses={
            201: TriggerSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="Only the situation's team keeps its calendar.",
                not_found="The situation is missing or not visible.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        situation = cases_access.access_situation(request.user, pk)
        access.require_writer(request.user, situation)
        data = _validated(TriggerInputSerializer, request)
        trigger = services.trigger_create(situation=situation, actor=request.user, data=data)
        return _trigger_response(trigger.pk, status.HTTP_201_CREATED)


class TriggerDetailApi(APIView):
    """GET, PATCH or DELETE one trigger event. Triggers carry no version: the last write wins."""

    @extend_schema(
        operation_id="triggers_retrieve",
        summary="Read one trigger event",
        tags=["triggers"],
        responses={200: TriggerSerializer, **_errors(not_found="Missing or not visible.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _trigger_response(access.access_trigger(request.user, pk).pk)

    @extend_schema(
        operation_id="triggers_partial_update",
        summary="Change a trigger event (a new date earns a new reminder)",
        tags=["triggers"],
        request=TriggerInputSerializer,
        responses={
            200: TriggerSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="Only the situation's team keeps its calendar.",
                not_found="Missing or not visible.",
            ),
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        trigger = access.access_trigger(request.user, pk)
        access.require_writer(request.user, trigger.situation)
        data = _validated(TriggerInputSerializer, request, partial=True)
        _some_change(data)
        services.trigger_update(trigger=trigger, actor=request.user, data=data)
        return _trigger_response(trigger.pk)

    @extend_schema(
        operation_id="triggers_destroy",
        summary="Take a trigger event off the calendar",
        tags=["triggers"],
        responses={
            204: OpenApiResponse(description="Removed."),
            **_errors(
                forbidden="Only the situation's team keeps its calendar.",
                not_found="Missing or not visible.",
            ),
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        trigger = access.access_trigger(request.user, pk)
        services.trigger_delete(trigger=trigger, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Response options -----------------------------------------------------------------------------


def _option_response(user: User, pk: int, code: int = status.HTTP_200_OK) -> Response:
    option = selectors.option_list(user=user).filter(pk=pk).first()
    if option is None:
        raise NotFoundError()
    return Response(
        OptionSerializer(option_data(option)).data,
        status=code,
        headers={"ETag": etag(OPTION, option.pk, option.revision)},
    )


@extend_schema_serializer(component_name="ResponseOptionInput")
class OptionInputSerializer(StrictInputSerializer):
    instrument = serializers.CharField(help_text="An instrument's key, e.g. special-envoy.")
    rationale = serializers.CharField()
    factors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=14),
        required=False,
        max_length=14,
        help_text="Numbers of the risk factors it addresses.",
    )
    lead_actor = serializers.CharField(max_length=200, help_text="The lead actor or body.")
    expected_effect = serializers.CharField(required=False, allow_blank=True)
    risks = serializers.CharField(required=False, allow_blank=True)
    feasibility = feasibility()


class OptionListApi(APIView):
    class FilterSerializer(PageFilterSerializer):
        situation = serializers.IntegerField(required=False, min_value=1)
        status = option_status(required=False)

    @extend_schema(
        operation_id="response_options_list",
        summary="List response options, newest first",
        tags=["response options"],
        parameters=[FilterSerializer],
        responses={200: OptionPageSerializer, **_errors(bad_request="A filter is not valid.")},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        queryset = selectors.option_list(user=request.user)
        if "situation" in given:
            queryset = queryset.filter(situation_id=given["situation"])
        if given.get("status"):
            queryset = queryset.filter(status=given["status"])
        return _page(request, self, queryset, lambda o: OptionSerializer(option_data(o)).data)


class OptionProposeApi(APIView):
    @extend_schema(
        operation_id="response_options_propose",
        summary="Propose a response option for a situation",
        tags=["response options"],
        request=OptionInputSerializer,
        parameters=[ETAG_HEADER],
        responses={
            201: OptionSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="Only the situation's team proposes its options.",
                not_found="The situation is missing or not visible.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        situation = cases_access.access_situation(request.user, pk)
        access.require_writer(request.user, situation)
        data = _validated(OptionInputSerializer, request)
        option = services.option_propose(situation=situation, actor=request.user, data=data)
        return _option_response(request.user, option.pk, status.HTTP_201_CREATED)


class OptionDetailApi(APIView):
    @extend_schema(
        operation_id="response_options_retrieve",
        summary="Read one response option with its history",
        tags=["response options"],
        parameters=[ETAG_HEADER],
        responses={200: OptionSerializer, **_errors(not_found="Missing or not visible.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _option_response(request.user, pk)

    @extend_schema(
        operation_id="response_options_partial_update",
        summary="Change a response option",
        tags=["response options"],
        request=OptionInputSerializer,
        parameters=[IF_MATCH, ETAG_HEADER],
        responses={
            200: OptionSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="Only the situation's team changes its options.",
                not_found="Missing or not visible.",
                conflict="The option is implemented or abandoned.",
                precondition_failed="The option changed since the ETag sent in If-Match.",
                precondition_required="If-Match is missing.",
            ),
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        option = access.access_option(request.user, pk)
        access.require_writer(request.user, option.situation)
        expected = _if_match_version(request, OPTION, option.pk)
        data = _validated(OptionInputSerializer, request, partial=True)
        _some_change(data)
        with _stale_is_412(ResponseOption, option.pk, expected, field="revision"):
            services.option_update(option=option, actor=request.user, data=data, revision=expected)
        return _option_response(request.user, option.pk)


class OptionTransitionApi(APIView):
    @extend_schema_serializer(component_name="ResponseOptionMove")
    class InputSerializer(StrictInputSerializer):
        to = option_status(help_text="recommended, adopted, implemented or abandoned.")
        note = serializers.CharField(
            required=False, allow_blank=True, help_text="Required when abandoning: why."
        )
        adopted_by = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=200,
            help_text="Required when adopted: the body or person that adopted it.",
        )
        adopted_on = serializers.DateField(
            required=False, allow_null=True, help_text="Required when adopted."
        )
        revision = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="response_options_transition",
        summary="Move a response option along its lifecycle",
        tags=["response options"],
        request=InputSerializer,
        parameters=[IF_MATCH_OPTIONAL, ETAG_HEADER],
        responses={
            200: OptionSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="Only the situation's team moves its options.",
                not_found="Missing or not visible.",
                conflict="The lifecycle does not allow this move, or `revision` is stale.",
                precondition_failed="The option changed since the ETag sent in If-Match.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        option = access.access_option(request.user, pk)
        access.require_writer(request.user, option.situation)
        data = _validated(self.InputSerializer, request)
        expected, precondition = _optional_version(
            request, OPTION, option.pk, data.get("revision"), field="revision"
        )
        with _stale_is_412(
            ResponseOption, option.pk, expected if precondition else None, field="revision"
        ):
            services.option_transition(
                option=option,
                actor=request.user,
                to=data["to"],
                note=data.get("note", ""),
                adopted_by=data.get("adopted_by", ""),
                adopted_on=data.get("adopted_on"),
                revision=expected,
            )
        return _option_response(request.user, option.pk)


# --- Trend, heat map, map ------------------------------------------------------------------------


class RiskTrendApi(APIView):
    @extend_schema(
        operation_id="situations_risk_trend",
        summary="A situation's risk levels over time, from its approved versions",
        tags=["portfolio"],
        responses={200: TrendSerializer, **_errors(not_found="Missing or not visible.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        situation = cases_access.access_situation(request.user, pk)
        points = selectors.risk_trend(situation=situation, user=request.user)
        data = {
            "situation": situation_ref(situation),
            "trend": selectors.trend_word(points),
            "current": risk_level(points[-1].overall) if points else None,
            "points": [
                {
                    "at": p.at,
                    "version": p.version,
                    "overall": risk_level(p.overall),
                    "genocide": risk_level(p.genocide),
                    "crimes_against_humanity": risk_level(p.crimes_against_humanity),
                    "war_crimes": risk_level(p.war_crimes),
                }
                for p in points
            ],
        }
        return Response(TrendSerializer(data).data)


class HeatmapApi(APIView):
    class FilterSerializer(serializers.Serializer):
        months = serializers.IntegerField(
            required=False, default=12, min_value=1, max_value=120, help_text="Default 12."
        )

    @extend_schema(
        operation_id="portfolio_heatmap",
        summary="Situations by month: the overall level in force at each month's end",
        tags=["portfolio"],
        parameters=[FilterSerializer],
        responses={200: HeatmapSerializer, **_errors(bad_request="A filter is not valid.")},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        heatmap = selectors.portfolio_heatmap(
            user=request.user, months=filters.validated_data["months"]
        )
        data = {
            "months": heatmap.months,
            "rows": [
                {
                    "situation": {"id": r.situation_id, "reference": r.reference, "title": r.title},
                    "cells": [risk_level(level) for level in r.cells],
                }
                for r in heatmap.rows
            ],
        }
        return Response(HeatmapSerializer(data).data)


class CountryLevelsApi(APIView):
    @extend_schema(
        operation_id="portfolio_countries",
        summary="Countries of monitored situations with their highest current risk level",
        tags=["portfolio"],
        responses={200: CountryLevelSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        countries = selectors.country_levels(user=request.user)
        data = [
            {
                "iso3": iso3,
                "name": country_name(iso3) or iso3,
                "level": risk_level(entry.level),
                "situations": [
                    {"id": pk, "reference": reference, "title": title}
                    for pk, reference, title in entry.situations
                ],
            }
            for iso3, entry in sorted(countries.items())
        ]
        return Response(CountryLevelSerializer(data, many=True).data)


# --- Routes ---------------------------------------------------------------------------------------

_FACTOR = "assessments/<int:pk>/factors/<int:number>/"

urlpatterns = _paths(
    [
        ("framework/", FrameworkLatestApi, "api-framework"),
        ("framework/<int:version>/", FrameworkVersionApi, "api-framework-version"),
        ("instruments/", InstrumentListApi, "api-instruments"),
        ("assessments/", AssessmentListApi, "api-assessments"),
        ("situations/<int:pk>/assessments/", AssessmentStartApi, "api-situation-assessments"),
        ("assessments/<int:pk>/", AssessmentDetailApi, "api-assessment"),
        (_FACTOR, JudgmentApi, "api-assessment-factor"),
        (f"{_FACTOR}evidence/", EvidenceAddApi, "api-assessment-factor-evidence"),
        (f"{_FACTOR}acknowledge-flags/", FlagsAcknowledgeApi, "api-assessment-factor-flags"),
        ("evidence/<int:pk>/", EvidenceDetailApi, "api-evidence"),
        ("assessments/<int:pk>/submit/", AssessmentSubmitApi, "api-assessment-submit"),
        ("assessments/<int:pk>/approve/", AssessmentApproveApi, "api-assessment-approve"),
        ("assessments/<int:pk>/return/", AssessmentReturnApi, "api-assessment-return"),
        ("assessments/<int:pk>/diff/", AssessmentDiffApi, "api-assessment-diff"),
        ("challenges/", ChallengeCollectionApi, "api-challenges"),
        ("challenges/<int:pk>/", ChallengeDetailApi, "api-challenge"),
        ("challenges/<int:pk>/resolve/", ChallengeResolveApi, "api-challenge-resolve"),
        ("challenges/<int:pk>/acknowledge/", ChallengeAcknowledgeApi, "api-challenge-acknowledge"),
        ("triggers/", TriggerListApi, "api-triggers"),
        ("situations/<int:pk>/triggers/", TriggerCreateApi, "api-situation-triggers"),
        ("triggers/<int:pk>/", TriggerDetailApi, "api-trigger"),
        ("response-options/", OptionListApi, "api-response-options"),
        ("situations/<int:pk>/response-options/", OptionProposeApi, "api-situation-options"),
        ("response-options/<int:pk>/", OptionDetailApi, "api-response-option"),
        (
            "response-options/<int:pk>/transition/",
            OptionTransitionApi,
            "api-response-option-transition",
        ),
        ("situations/<int:pk>/risk-trend/", RiskTrendApi, "api-situation-risk-trend"),
        ("portfolio/heatmap/", HeatmapApi, "api-portfolio-heatmap"),
        ("portfolio/countries/", CountryLevelsApi, "api-portfolio-countries"),
    ]
)
