"""REST API of the escalation workflow: list, draft and edit escalations, one endpoint per move
(submit, review, return, endorse, transmit, urgent, withdraw), the transition record, and the
maintained list of regional arrangements that a recommended routing names.

Thin views, as in cases/apis.py: each reads its input, calls cases.escalations (the workflow as
data and the one transition function) and shapes the answer. Who sees what is
cases.access.escalations_visible / access_escalation: the situation's need-to-know for the joint
office, what reached the desk for the SG Office, nothing for liaisons, partner systems and
outsiders (404 on every record, empty lists).

Versions: an escalation's ETag names its version (`"escalation-12-v4"`), which every edit and
every move bumps. PATCH must send it back in If-Match (428 without it, 412 when stale). The moves
accept it optionally (412 when stale), or `version` in the body (409 when stale). A move the
workflow does not allow from the current status is 409; the wrong person (role, team, four
eyes) is 403; a move that needs reasons and has none is 400.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.models import ResponseOption
from assessments.serializers import (
    RiskLevelSerializer,
    SituationRefSerializer,
    StrictInputSerializer,
    risk_level,
    situation_ref,
)
from cases import access, escalations
from cases.apis import (
    ETAG_HEADER,
    IF_MATCH,
    ClassificationField,
    EnumField,
    _errors,
    _if_match_version,
    _optional_version,
    _paths,
    _stale_is_412,
    etag,
    if_match_optional,
)
from cases.models import (
    Body,
    Escalation,
    EscalationStatus,
    EscalationTransition,
    RegionalArrangement,
)
from r2p.errors import ApplicationValidationError
from r2p.models import User
from r2p.rest import CursorPagination

ESCALATION = "escalation"

IF_MATCH_OPTIONAL = if_match_optional("version")


def escalation_status(**kwargs: Any) -> EnumField:
    return EnumField(enum="EscalationStatus", choices=EscalationStatus.choices, **kwargs)


def _username(user: User | None) -> str | None:
    return user.username if user is not None else None


def _validated(
    serializer_class: type[serializers.Serializer], request: Request, **kw: Any
) -> dict[str, Any]:
    given = serializer_class(data=request.data, **kw)
    given.is_valid(raise_exception=True)
    return given.validated_data


# --- Shapes -----------------------------------------------------------------------------------


@extend_schema_serializer(component_name="RecommendedRouting")
class RoutingSerializer(serializers.Serializer):
    """One recommended routing. A regional routing names an active arrangement of the
    maintained list (GET /api/v1/regional-arrangements/) by its acronym; a routing to another
    body names it in full."""

    body = EnumField(enum="Body", choices=Body.choices)
    regional_arrangement = serializers.CharField(
        required=False, allow_blank=True, help_text="Acronym, e.g. AU; only for `regional`."
    )
    other_body = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Only for `other`."
    )
    legal_basis = serializers.CharField(
        max_length=300,
        help_text="e.g. Article 99 of the Charter; Chapter VIII for regional arrangements.",
    )
    rationale = serializers.CharField()


@extend_schema_serializer(component_name="EscalationAssessment")
class EscalationAssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    overall = RiskLevelSerializer()


@extend_schema_serializer(component_name="EscalationResponseOption")
class EscalationOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    instrument = serializers.CharField()
    lead_actor = serializers.CharField()
    status = serializers.CharField()


@extend_schema_serializer(component_name="Escalation")
class EscalationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    situation = SituationRefSerializer()
    assessment = EscalationAssessmentSerializer(
        allow_null=True, help_text="The approved assessment it carries."
    )
    summary = serializers.CharField()
    status = escalation_status()
    status_since = serializers.DateTimeField()
    moves = serializers.ListField(
        child=serializers.CharField(),
        help_text="The actions the workflow allows from this status (for someone entitled).",
    )
    drafted_by = serializers.CharField()
    reviewed_by = serializers.CharField(allow_null=True)
    endorsed_by = serializers.CharField(allow_null=True)
    urgent = serializers.BooleanField()
    urgent_justification = serializers.CharField(allow_blank=True)
    response_options = EscalationOptionSerializer(many=True)
    recommended_routing = RoutingSerializer(many=True)
    classification = ClassificationField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="EscalationPage")
class EscalationPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = EscalationSerializer(many=True)


@extend_schema_serializer(component_name="EscalationTransition")
class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = escalation_status()
    to_status = escalation_status()
    actor = serializers.CharField(source="actor.username")
    at = serializers.DateTimeField()
    comment = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="RegionalArrangement")
class RegionalArrangementSerializer(serializers.Serializer):
    acronym = serializers.CharField()
    name = serializers.CharField()


def _rows() -> QuerySet[Escalation]:
    """Escalations with everything the answer shows, in a fixed number of queries."""
    return Escalation.objects.select_related(
        "situation", "assessment", "drafted_by", "reviewed_by", "endorsed_by"
    ).prefetch_related(
        Prefetch(
            "response_options",
            queryset=ResponseOption.objects.select_related("instrument").order_by("pk"),
        )
    )


def _moves(current: str) -> list[str]:
    return sorted(action for action, source in escalations.ESCALATION_MOVES if source == current)


def escalation_data(escalation: Escalation) -> dict[str, Any]:
    assessment = escalation.assessment
    return {
        "id": escalation.pk,
        "reference": escalation.reference,
        "situation": situation_ref(escalation.situation),
        "assessment": None
        if assessment is None
        else {
            "id": assessment.pk,
            "version": assessment.version,
            "overall": risk_level(assessment.overall_level),
        },
        "summary": escalation.summary,
        "status": escalation.status,
        "status_since": escalation.status_since,
        "moves": _moves(escalation.status),
        "drafted_by": escalation.drafted_by.username,
        "reviewed_by": _username(escalation.reviewed_by),
        "endorsed_by": _username(escalation.endorsed_by),
        "urgent": escalation.urgent,
        "urgent_justification": escalation.urgent_justification,
        "response_options": [
            {
                "id": option.pk,
                "instrument": option.instrument.name,
                "lead_actor": option.lead_actor,
                "status": option.status,
            }
            for option in escalation.response_options.all()
        ],
        "recommended_routing": escalation.recommended_routing,
        "classification": escalation.classification,
        "version": escalation.version,
        "created_at": escalation.created_at,
        "updated_at": escalation.updated_at,
    }


def _escalation_response(user: User, pk: int, code: int = status.HTTP_200_OK) -> Response:
    """The detail, read again through access: what this caller may see now."""
    return _response(access.access_escalation(user, pk).pk, code)


def _response(pk: int, code: int = status.HTTP_200_OK) -> Response:
    escalation = _rows().get(pk=pk)
    return Response(
        EscalationSerializer(escalation_data(escalation)).data,
        status=code,
        headers={"ETag": etag(ESCALATION, escalation.pk, escalation.version)},
    )


# --- Input ------------------------------------------------------------------------------------


@extend_schema_field(RoutingSerializer(many=True))
class RoutingListField(serializers.ListField):
    """Documented as a list of RecommendedRouting; read as sent and checked, entry by entry,
    by cases.escalations.routing_clean (the one check the form and the API share)."""

    child = serializers.JSONField()


@extend_schema_serializer(component_name="EscalationInput")
class EscalationInputSerializer(StrictInputSerializer):
    """A draft escalation. Each routing is checked entry by entry (the same check as the
    form's): its errors come keyed `recommended_routing[i].field`. Unknown fields are named."""

    summary = serializers.CharField(
        allow_blank=True, help_text="Why this needs the Secretary-General's attention now."
    )
    response_options = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="Ids of the situation's response options the joint office recommends.",
    )
    recommended_routing = RoutingListField(
        required=False, help_text="Replaces the whole list; an empty list clears it."
    )


class PageFilterSerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, help_text="From `next` or `previous`.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)


# --- Collection, creation, detail -------------------------------------------------------------


class EscalationListApi(APIView):
    """GET: the escalations this caller may see, newest first, in cursor pages."""

    class FilterSerializer(PageFilterSerializer):
        situation = serializers.IntegerField(required=False, min_value=1)
        status = escalation_status(required=False)

    @extend_schema(
        operation_id="escalations_list",
        summary="List escalations",
        tags=["escalations"],
        parameters=[FilterSerializer],
        responses={200: EscalationPageSerializer, **_errors(bad_request="A filter is not valid.")},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        queryset = access.escalations_visible(request.user, _rows())
        if "situation" in given:
            queryset = queryset.filter(situation_id=given["situation"])
        if given.get("status"):
            queryset = queryset.filter(status=given["status"])
        paginator = CursorPagination()
        rows = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(
            [EscalationSerializer(escalation_data(row)).data for row in rows]
        )


class SituationEscalationCreateApi(APIView):
    @extend_schema(
        operation_id="escalations_create",
        summary="Draft an escalation of a situation with an approved assessment",
        tags=["escalations"],
        request=EscalationInputSerializer,
        parameters=[ETAG_HEADER],
        responses={
            201: EscalationSerializer,
            **_errors(
                bad_request=(
                    "Field errors, by field (routings as `recommended_routing[i].field`), or "
                    "no approved assessment yet."
                ),
                forbidden="Only the situation's lead analyst and team draft its escalations.",
                not_found="The situation is missing or not visible.",
                conflict="The situation already has an escalation in progress.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        situation = access.access_situation(request.user, pk)
        data = _validated(EscalationInputSerializer, request)
        escalation = escalations.escalation_create(
            situation=situation,
            actor=request.user,
            summary=data["summary"],
            option_ids=data.get("response_options", []),
            recommended_routing=data.get("recommended_routing", []),
        )
        return _escalation_response(request.user, escalation.pk, status.HTTP_201_CREATED)


class EscalationDetailApi(APIView):
    """GET one escalation with its ETag; PATCH a draft with If-Match."""

    @extend_schema(
        operation_id="escalations_retrieve",
        summary="Read one escalation",
        tags=["escalations"],
        parameters=[ETAG_HEADER],
        responses={200: EscalationSerializer, **_errors(not_found="Missing or not visible.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _escalation_response(request.user, pk)

    @extend_schema(
        operation_id="escalations_partial_update",
        summary="Change a draft's summary, response options or recommended routing",
        tags=["escalations"],
        request=EscalationInputSerializer,
        parameters=[IF_MATCH, ETAG_HEADER],
        responses={
            200: EscalationSerializer,
            **_errors(
                bad_request="Field errors, by field (routings as `recommended_routing[i].field`).",
                forbidden="Only the situation's team edits its escalations.",
                not_found="Missing or not visible.",
                conflict="It is no longer a draft.",
                precondition_failed="The escalation changed since the ETag sent in If-Match.",
                precondition_required="If-Match is missing.",
            ),
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        escalation = access.access_escalation(request.user, pk)
        expected = _if_match_version(request, ESCALATION, escalation.pk)
        data = _validated(EscalationInputSerializer, request, partial=True)
        if not data:
            raise ApplicationValidationError({"non_field_errors": ["Send a field to change."]})
        with _stale_is_412(Escalation, escalation.pk, expected):
            escalations.escalation_update(
                escalation=escalation, actor=request.user, data=data, version=expected
            )
        return _escalation_response(request.user, escalation.pk)


class EscalationTransitionListApi(APIView):
    @extend_schema(
        operation_id="escalations_transitions",
        summary="Every move of the escalation: who, when, from, to, and their comment",
        tags=["escalations"],
        responses={
            200: TransitionSerializer(many=True),
            **_errors(not_found="Missing or not visible."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        escalation = access.access_escalation(request.user, pk)
        rows = EscalationTransition.objects.filter(escalation=escalation).select_related("actor")
        return Response(TransitionSerializer(rows, many=True).data)


class RegionalArrangementListApi(APIView):
    @extend_schema(
        operation_id="regional_arrangements_list",
        summary="The maintained list of active regional and subregional arrangements",
        tags=["escalations"],
        responses={200: RegionalArrangementSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        rows = RegionalArrangement.objects.filter(active=True).order_by("acronym")
        if not access.is_staff(request.user):
            rows = rows.none()
        return Response(RegionalArrangementSerializer(rows, many=True).data)


# --- The moves: one endpoint each ---------------------------------------------------------------


@extend_schema_serializer(component_name="EscalationMove")
class MoveInputSerializer(StrictInputSerializer):
    """A move of the workflow: an optional comment, and optionally the version you saw (or
    If-Match). Unknown fields are named in the 400."""

    comment = serializers.CharField(
        required=False, allow_blank=True, help_text="Optional for this move."
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you saw; 409 when stale."
    )


@extend_schema_serializer(component_name="EscalationMoveWithReasons")
class ReasonedMoveInputSerializer(MoveInputSerializer):
    """A move that needs reasons: without a comment it answers 400 under `comment`."""

    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Required: the reasons (for urgent, the written justification).",
    )


def _move_errors(**more: str) -> dict[int, OpenApiResponse]:
    described = {
        "bad_request": "Field errors, by field (a missing comment where reasons are required).",
        "forbidden": "The caller's role, the team, or four eyes forbids this move.",
        "not_found": "Missing or not visible.",
        "conflict": "The workflow does not allow this move from the current status, or "
        "`version` is stale.",
        "precondition_failed": "The escalation changed since the ETag sent in If-Match.",
    }
    return _errors(**{**described, **more})


class _MoveApi(APIView):
    """One move of the workflow; subclasses name the action and document it."""

    action = ""
    input_serializer: type[MoveInputSerializer] = MoveInputSerializer

    def move(self, request: Request, pk: int) -> Response:
        escalation = access.access_escalation(request.user, pk)
        data = _validated(self.input_serializer, request)
        expected, precondition = _optional_version(
            request, ESCALATION, escalation.pk, data.get("version")
        )
        with _stale_is_412(Escalation, escalation.pk, expected if precondition else None):
            escalations.escalation_transition(
                escalation=escalation,
                actor=request.user,
                action=self.action,
                comment=data.get("comment", ""),
                version=expected,
            )
        # The answer shows the escalation as the caller's own move left it, even when the move
        # takes it out of their sight (the desk's return sends it back to the joint office).
        return _response(escalation.pk)


def _move_schema(action: str, summary: str, reasoned: bool = False) -> Any:
    return extend_schema(
        operation_id=f"escalations_{action}",
        summary=summary,
        tags=["escalations"],
        request=ReasonedMoveInputSerializer if reasoned else MoveInputSerializer,
        parameters=[IF_MATCH_OPTIONAL, ETAG_HEADER],
        responses={200: EscalationSerializer, **_move_errors()},
    )


class EscalationSubmitApi(_MoveApi):
    action = "submit"

    @_move_schema("submit", "Submit a draft for review (the situation's team)")
    def post(self, request: Request, pk: int) -> Response:
        return self.move(request, pk)


class EscalationReviewApi(_MoveApi):
    action = "review"

    @_move_schema("review", "Review it (a senior analyst other than the drafter)")
    def post(self, request: Request, pk: int) -> Response:
        return self.move(request, pk)


class EscalationReturnApi(_MoveApi):
    action = "return"
    input_serializer = ReasonedMoveInputSerializer

    @_move_schema(
        "return",
        "Return it to the drafter with reasons (the reviewer, a Special Adviser, or the desk)",
        reasoned=True,
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.move(request, pk)


class EscalationEndorseApi(_MoveApi):
    action = "endorse"

    @_move_schema("endorse", "Endorse a reviewed escalation (a Special Adviser, not the drafter)")
    def post(self, request: Request, pk: int) -> Response:
        return self.move(request, pk)


class EscalationTransmitApi(_MoveApi):
    action = "transmit"

    @_move_schema("transmit", "Send an endorsed escalation to the Secretary-General's desk")
    def post(self, request: Request, pk: int) -> Response:
        return self.move(request, pk)


class EscalationUrgentApi(_MoveApi):
    action = "urgent"
    input_serializer = ReasonedMoveInputSerializer

    @_move_schema(
        "urgent",
        "Send a draft straight to the desk, with a written justification (a Special Adviser)",
        reasoned=True,
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.move(request, pk)


class EscalationWithdrawApi(_MoveApi):
    action = "withdraw"
    input_serializer = ReasonedMoveInputSerializer

    @_move_schema("withdraw", "Withdraw it, with reasons (the situation's team)", reasoned=True)
    def post(self, request: Request, pk: int) -> Response:
        return self.move(request, pk)


urlpatterns = _paths(
    [
        ("escalations/", EscalationListApi, "api-escalations"),
        (
            "situations/<int:pk>/escalations/",
            SituationEscalationCreateApi,
            "api-situation-escalations",
        ),
        ("escalations/<int:pk>/", EscalationDetailApi, "api-escalation"),
        (
            "escalations/<int:pk>/transitions/",
            EscalationTransitionListApi,
            "api-escalation-transitions",
        ),
        ("escalations/<int:pk>/submit/", EscalationSubmitApi, "api-escalation-submit"),
        ("escalations/<int:pk>/review/", EscalationReviewApi, "api-escalation-review"),
        ("escalations/<int:pk>/return/", EscalationReturnApi, "api-escalation-return"),
        ("escalations/<int:pk>/endorse/", EscalationEndorseApi, "api-escalation-endorse"),
        ("escalations/<int:pk>/transmit/", EscalationTransmitApi, "api-escalation-transmit"),
        ("escalations/<int:pk>/urgent/", EscalationUrgentApi, "api-escalation-urgent"),
        ("escalations/<int:pk>/withdraw/", EscalationWithdrawApi, "api-escalation-withdraw"),
        ("regional-arrangements/", RegionalArrangementListApi, "api-regional-arrangements"),
    ]
)
