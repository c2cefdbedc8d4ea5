"""REST API of the Secretary-General's desk: the queue, the decision on an escalation and the
referrals it makes, the follow-up of each referral, the briefing (JSON or PDF), and the
releasable versions of a briefing that member-state liaisons read.

Thin views, as in cases/apis.py and cases/apis_escalations.py: each reads its input, calls one
service of cases.decisions or cases.briefings and shapes the answer. Routings are passed to
escalation_decide as sent, so its field errors come back exactly as it words and keys them
(`routings.1.legal_basis`), all at once.

Who sees what: escalations, decisions, referrals and briefings through
cases.access.escalations_visible / access_escalation (404 for anything else, empty lists);
releasable briefings through `releases_visible` below: the SG Office sees them all, a liaison
only those shared with their member state, and nobody else any. A reader whose clearance is
below the briefing's gets the version for their clearance, items above it withheld with a note.
Reads of strictly confidential briefings, and every read of a released version, are audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.models import ResponseOption
from assessments.serializers import StrictInputSerializer
from cases import access, briefings, decisions, escalations
from cases.apis import (
    ETAG_HEADER,
    ClassificationField,
    EnumField,
    PreconditionFailed,
    _errors,
    _if_match_version,
    _optional_version,
    _paths,
    _stale_is_412,
    etag,
)
from cases.apis_escalations import (
    ESCALATION,
    IF_MATCH_OPTIONAL,
    EscalationSerializer,
    escalation_data,
)
from cases.models import (
    Body,
    BriefingStatus,
    Decision,
    DecisionOutcome,
    Escalation,
    Referral,
    ReferralStatus,
    ReferralUpdate,
    ReleasableBriefing,
)
from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError, NotFoundError
from r2p.models import Classification, User
from r2p.rest import CursorPagination
from r2p.roles import ROLES_BY_SLUG

REFERRAL = "referral"
PDF = "application/pdf"
# While the escalation is in the joint office its briefing is the working copy, compiled now.
IN_THE_JOINT_OFFICE = briefings.RECOMPILED_IN
LIAISON_ROLE = ROLES_BY_SLUG["liaison"].name


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    given = serializer_class(data=request.data)
    given.is_valid(raise_exception=True)
    return given.validated_data


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Shapes -----------------------------------------------------------------------------------


def referral_status(**kwargs: Any) -> EnumField:
    return EnumField(enum="ReferralStatus", choices=ReferralStatus.choices, **kwargs)


@extend_schema_serializer(component_name="EscalationRef")
class EscalationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


@extend_schema_serializer(component_name="DeskEntry")
class DeskEntrySerializer(serializers.Serializer):
    escalation = EscalationSerializer()
    waiting_since = serializers.DateTimeField(help_text="When it reached the desk.")
    overdue = serializers.BooleanField(help_text="It has waited longer than the desk's target.")


@extend_schema_serializer(component_name="Referral")
class ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.IntegerField(help_text="The decision that made it.")
    escalation = EscalationRefSerializer()
    body = EnumField(enum="Body", choices=Body.choices)
    body_label = serializers.CharField(help_text="The body named in full.")
    regional_arrangement = serializers.CharField(allow_null=True, help_text="Its acronym.")
    other_body = serializers.CharField(allow_blank=True)
    legal_basis = serializers.CharField()
    rationale = serializers.CharField()
    sent_on = serializers.DateField()
    transmittal_reference = serializers.CharField(allow_blank=True)
    status = referral_status()
    action_taken = serializers.CharField(allow_blank=True)
    follow_up_on = serializers.DateField()
    overdue = serializers.BooleanField(help_text="Still open and its follow-up date has passed.")
    moves = serializers.ListField(
        child=referral_status(),
        help_text="The statuses it may move to next; empty once it is closed.",
    )
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="ReferralFollowUp")
class ReferralFollowUpSerializer(serializers.Serializer):
    status = referral_status()
    note = serializers.CharField(allow_blank=True)
    follow_up_on = serializers.DateField()
    actor = serializers.CharField()
    at = serializers.DateTimeField()


@extend_schema_serializer(component_name="ReferralDetail")
class ReferralDetailSerializer(ReferralSerializer):
    updates = ReferralFollowUpSerializer(many=True, help_text="Every follow-up, oldest first.")


@extend_schema_serializer(component_name="ReferralPage")
class ReferralPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReferralSerializer(many=True)


@extend_schema_serializer(component_name="Decision")
class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    escalation = EscalationRefSerializer()
    outcome = EnumField(enum="DecisionOutcome", choices=DecisionOutcome.choices)
    rationale = serializers.CharField()
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField()
    referrals = ReferralSerializer(many=True, help_text="One per routing; none unless routed.")


@extend_schema_serializer(component_name="BriefingSection")
class BriefingSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    items = serializers.ListField(
        child=serializers.DictField(),
        help_text="Each item carries its own `classification` (0-2).",
    )
    withheld = serializers.IntegerField(help_text="Items left out above the version's level.")
    withheld_note = serializers.CharField(required=False)


@extend_schema_serializer(component_name="BriefingContent")
class BriefingContentSerializer(serializers.Serializer):
    """The snapshot compiled from the records (cases.briefings.briefing_content)."""

    schema = serializers.IntegerField()
    reference = serializers.CharField()
    situation_reference = serializers.CharField()
    date = serializers.DateField()
    urgent = serializers.BooleanField()
    sections = BriefingSectionSerializer(many=True)
    release_level = serializers.IntegerField(
        required=False, help_text="Present in a version for a lower level: that level (0-2)."
    )


@extend_schema_serializer(component_name="EscalationBriefing")
class BriefingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    escalation = EscalationRefSerializer()
    status = EnumField(enum="BriefingStatus", choices=BriefingStatus.choices)
    classification = ClassificationField(help_text="The briefing's own, highest level.")
    compiled_at = serializers.DateTimeField()
    frozen_at = serializers.DateTimeField(allow_null=True)
    content_hash = serializers.CharField(
        help_text="SHA-256 of the canonical JSON of the whole briefing (sorted keys, no spaces)."
    )
    complete = serializers.BooleanField(
        help_text="True when `content` is the whole briefing (then `content_hash` is its hash); "
        "false when items above your clearance are withheld."
    )
    level = ClassificationField(help_text="The level of `content` as given to you.")
    withheld = serializers.IntegerField(help_text="Items withheld above your clearance.")
    content = BriefingContentSerializer()


@extend_schema_serializer(component_name="BriefingRelease")
class ReleaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="The escalation's reference.")
    level = ClassificationField()
    withheld = serializers.IntegerField(help_text="Items of the briefing left out.")
    shared_with = serializers.ListField(
        child=serializers.CharField(), help_text="ISO 3166-1 alpha-3 codes of member states."
    )
    content_hash = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="BriefingReleaseDetail")
class ReleaseDetailSerializer(ReleaseSerializer):
    content = BriefingContentSerializer()


@extend_schema_serializer(component_name="BriefingReleasePage")
class ReleasePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReleaseSerializer(many=True)


def _escalation_ref(escalation: Escalation) -> dict[str, Any]:
    return {"id": escalation.pk, "reference": escalation.reference}


def referral_data(referral: Referral, escalation: Escalation, today: date) -> dict[str, Any]:
    arrangement = referral.regional_arrangement
    return {
        "id": referral.pk,
        "decision": referral.decision_id,
        "escalation": _escalation_ref(escalation),
        "body": referral.body,
        "body_label": decisions.referral_body_name(referral),
        "regional_arrangement": arrangement.acronym if arrangement is not None else None,
        "other_body": referral.other_body,
        "legal_basis": referral.legal_basis,
        "rationale": referral.rationale,
        "sent_on": referral.sent_on,
        "transmittal_reference": referral.transmittal_reference,
        "status": referral.status,
        "action_taken": referral.action_taken,
        "follow_up_on": referral.follow_up_on,
        "overdue": decisions.referral_overdue(referral, today),
        "moves": sorted(decisions.REFERRAL_MOVES[referral.status]),
        "version": referral.version,
        "updated_at": referral.updated_at,
    }


def _decisions_of(escalation: Escalation) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(escalation=escalation)
        .select_related("decided_by")
        .prefetch_related(
            Prefetch(
                "referrals",
                Referral.objects.select_related("regional_arrangement").order_by("pk"),
            )
        )
        .order_by("decided_at", "pk")
    )


def decision_data(decision: Decision, escalation: Escalation, today: date) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "escalation": _escalation_ref(escalation),
        "outcome": decision.outcome,
        "rationale": decision.rationale,
        "decided_by": decision.decided_by.username,
        "decided_at": decision.decided_at,
        "referrals": [referral_data(r, escalation, today) for r in decision.referrals.all()],
    }


def release_data(release: ReleasableBriefing) -> dict[str, Any]:
    return {
        "id": release.pk,
        "reference": release.content["reference"],
        "level": release.level,
        "withheld": release.withheld,
        "shared_with": list(release.shared_with),
        "content_hash": release.content_hash,
        "created_at": release.created_at,
    }


# --- The desk ---------------------------------------------------------------------------------


class DeskApi(APIView):
    @extend_schema(
        operation_id="desk_list",
        summary="The Secretary-General's desk: escalations waiting for a decision",
        description=(
            "Highest risk first, then the longest waiting. The SG Office only: anyone else "
            "gets 404, as for a page that is not there for them."
        ),
        tags=["desk"],
        responses={
            200: DeskEntrySerializer(many=True),
            **_errors(not_found="Not the SG Office."),
        },
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("cases.decide_escalation"):
            raise NotFoundError()
        rows = list(
            decisions.desk_queue(user=request.user)
            .select_related("reviewed_by")
            .prefetch_related(
                Prefetch(
                    "response_options",
                    queryset=ResponseOption.objects.select_related("instrument").order_by("pk"),
                )
            )
        )
        overdue = set(
            escalations.escalations_overdue()
            .filter(pk__in=[row.pk for row in rows])
            .values_list("pk", flat=True)
        )
        return Response(
            DeskEntrySerializer(
                [
                    {
                        "escalation": escalation_data(row),
                        "waiting_since": row.status_since,
                        "overdue": row.pk in overdue,
                    }
                    for row in rows
                ],
                many=True,
            ).data
        )


# --- The decision -----------------------------------------------------------------------------


@extend_schema_serializer(component_name="DecisionRouting")
class DecisionRoutingSerializer(serializers.Serializer):
    """One routing of a decision to route. A regional routing names an active arrangement by
    its acronym (GET /api/v1/regional-arrangements/); a routing to another body names it in
    full. Left out: the legal basis is the body's usual one, `sent_on` is today and
    `follow_up_on` a month after it."""

    body = EnumField(enum="Body", choices=Body.choices)
    regional_arrangement = serializers.CharField(
        required=False, allow_blank=True, help_text="Acronym, e.g. ECOWAS; only for `regional`."
    )
    other_body = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Only for `other`."
    )
    legal_basis = serializers.CharField(required=False, allow_blank=True, max_length=300)
    rationale = serializers.CharField()
    sent_on = serializers.DateField(required=False, allow_null=True, help_text="Not after today.")
    transmittal_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    follow_up_on = serializers.DateField(
        required=False, allow_null=True, help_text="After `sent_on`."
    )


@extend_schema_field(DecisionRoutingSerializer(many=True))
class DecisionRoutingListField(serializers.ListField):
    """Documented as a list of DecisionRouting; passed to escalation_decide as sent, which
    checks each entry and keys its errors `routings.<index>.<field>`."""

    child = serializers.JSONField()


@extend_schema_serializer(component_name="DecisionInput")
class DecisionInputSerializer(StrictInputSerializer):
    outcome = EnumField(enum="DecisionOutcome", choices=DecisionOutcome.choices)
    rationale = serializers.CharField(
        required=False, allow_blank=True, help_text="Required: the reasons for the decision."
    )
    routings = DecisionRoutingListField(
        required=False,
        help_text="For `route`: one referral per routing (at least one, at most "
        f"{decisions.MAX_ROUTINGS}). Other outcomes name none.",
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The escalation's version you saw; 409 when stale."
    )


class EscalationDecideApi(APIView):
    @extend_schema(
        operation_id="escalations_decide",
        summary="Record the Secretary-General's decision on an escalation at the desk",
        description=(
            "`route`: one referral per routing, and the escalation is decided. `hold`: decided, "
            "no referral. `send_back`: it returns to the joint office with the rationale as the "
            "reasons."
        ),
        tags=["desk"],
        request=DecisionInputSerializer,
        parameters=[IF_MATCH_OPTIONAL],
        responses={
            201: DecisionSerializer,
            **_errors(
                bad_request="Field errors, by field; a routing's as `routings.<index>.<field>`.",
                forbidden="Only the SG Office records decisions.",
                not_found="Missing or not visible.",
                conflict="It is not at the desk, or `version` is stale.",
                precondition_failed="The escalation changed since the ETag sent in If-Match.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        escalation = access.access_escalation(request.user, pk)
        data = _validated(DecisionInputSerializer, request)
        expected, precondition = _optional_version(
            request, ESCALATION, escalation.pk, data.get("version")
        )
        with _stale_is_412(Escalation, escalation.pk, expected if precondition else None):
            decision = decisions.escalation_decide(
                escalation=escalation,
                actor=request.user,
                outcome=data["outcome"],
                rationale=data.get("rationale", ""),
                routings=data.get("routings", []),
                version=expected,
            )
        # The answer is the decision as recorded, even when a send-back takes the escalation
        # out of the SG Office's sight.
        decision = _decisions_of(escalation).get(pk=decision.pk)
        return Response(
            DecisionSerializer(decision_data(decision, escalation, timezone.localdate())).data,
            status=status.HTTP_201_CREATED,
        )


class EscalationDecisionListApi(APIView):
    @extend_schema(
        operation_id="escalations_decisions",
        summary="The decisions on an escalation over time, with the referrals each made",
        tags=["desk"],
        responses={
            200: DecisionSerializer(many=True),
            **_errors(not_found="Missing or not visible."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        escalation = access.access_escalation(request.user, pk)
        today = timezone.localdate()
        rows = [decision_data(d, escalation, today) for d in _decisions_of(escalation)]
        return Response(DecisionSerializer(rows, many=True).data)


# --- Referrals --------------------------------------------------------------------------------


class ReferralPagination(CursorPagination):
    """Earliest follow-up first, as on the referrals page."""

    ordering = ("follow_up_on", "pk")


class ReferralListApi(APIView):
    class FilterSerializer(serializers.Serializer):
        overdue = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Only open referrals whose follow-up date has passed.",
        )
        status = referral_status(required=False)
        cursor = serializers.CharField(required=False, help_text="From `next` or `previous`.")
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)

    @extend_schema(
        operation_id="referrals_list",
        summary="The referrals of the escalations you may see, earliest follow-up first",
        tags=["desk"],
        parameters=[FilterSerializer],
        responses={200: ReferralPageSerializer, **_errors(bad_request="A filter is not valid.")},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        queryset = decisions.referral_list(user=request.user, overdue=given["overdue"])
        if given.get("status"):
            queryset = queryset.filter(status=given["status"])
        paginator = ReferralPagination()
        rows = paginator.paginate_queryset(queryset, request, view=self)
        today = timezone.localdate()
        return paginator.get_paginated_response(
            [ReferralSerializer(referral_data(r, r.decision.escalation, today)).data for r in rows]
        )


def _referral_response(user: User, pk: int) -> Response:
    referral = decisions.access_referral(user, pk)
    data = referral_data(referral, referral.decision.escalation, timezone.localdate())
    data["updates"] = [
        {
            "status": update.status,
            "note": update.note,
            "follow_up_on": update.follow_up_on,
            "actor": update.actor.username,
            "at": update.at,
        }
        for update in ReferralUpdate.objects.filter(referral=referral).select_related("actor")
    ]
    return Response(
        ReferralDetailSerializer(data).data,
        headers={"ETag": etag(REFERRAL, referral.pk, referral.version)},
    )


class ReferralDetailApi(APIView):
    @extend_schema(
        operation_id="referrals_retrieve",
        summary="One referral with every follow-up",
        tags=["desk"],
        parameters=[ETAG_HEADER],
        responses={200: ReferralDetailSerializer, **_errors(not_found="Missing or not visible.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _referral_response(request.user, pk)


@extend_schema_serializer(component_name="ReferralUpdateInput")
class ReferralUpdateInputSerializer(StrictInputSerializer):
    status = referral_status(
        help_text="Sent, then acknowledged, on the agenda, and action taken or no action "
        "(the last two close it). The same status records a note and a new follow-up date."
    )
    note = serializers.CharField(required=False, allow_blank=True)
    follow_up_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The next follow-up, after today; required while it stays open.",
    )
    action_taken = serializers.CharField(
        required=False, allow_blank=True, help_text="Required with `action_taken`, only then."
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you saw; 409 when stale."
    )


REFERRAL_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional: the referral's ETag from your last read; 412 when it changed since. "
        "Alternatively send `version` in the body (409 when stale)."
    ),
)


class ReferralUpdateApi(APIView):
    @extend_schema(
        operation_id="referrals_update",
        summary="Record what the body did with a referral, and the next follow-up",
        tags=["desk"],
        request=ReferralUpdateInputSerializer,
        parameters=[REFERRAL_IF_MATCH, ETAG_HEADER],
        responses={
            200: ReferralDetailSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="Only the SG Office and the situation's team follow up referrals.",
                not_found="Missing or not visible.",
                conflict="It is closed, the move goes backwards, or `version` is stale.",
                precondition_failed="The referral changed since the ETag sent in If-Match.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = decisions.access_referral(request.user, pk)
        data = _validated(ReferralUpdateInputSerializer, request)
        version = data.get("version")
        precondition = bool(request.headers.get("If-Match", "").strip())
        if precondition:
            from_header = _if_match_version(request, REFERRAL, referral.pk)
            if version is not None and version != from_header:
                raise ApplicationValidationError(
                    {"version": ["It names another version than If-Match; send one of the two."]}
                )
            version = from_header
        try:
            decisions.referral_update(
                referral=referral,
                actor=request.user,
                status=data["status"],
                note=data.get("note", ""),
                follow_up_on=data.get("follow_up_on"),
                action_taken=data.get("action_taken", ""),
                version=version,
            )
        except ConflictError as exc:
            current = Referral.objects.filter(pk=referral.pk).values_list("version", flat=True)
            if precondition and current.first() != version:
                raise PreconditionFailed(exc.message) from None
            raise
        return _referral_response(request.user, referral.pk)


# --- Briefings --------------------------------------------------------------------------------


def _briefing_pdf(user: User, pk: int) -> HttpResponse:
    escalation, current = briefings.briefing_current(user=user, pk=pk)
    content, level, _ = briefings.briefing_readable(user=user, briefing=current)
    pdf = briefings.briefing_pdf(content, level_label=briefings.level_label_of(level))
    return _pdf_response(pdf, f"briefing-{escalation.reference}.pdf")


class _PdfOrJson(APIView):
    # `?format=pdf` asks for the PDF. DRF would otherwise look for a renderer of that format
    # (and answer 404); the PDF is returned as is, and errors stay JSON either way.

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        renderer = JSONRenderer()
        return renderer, renderer.media_type


BRIEFING_FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["json", "pdf"],
    required=False,
    description="`pdf` for the briefing as PDF (an attachment, briefing-<reference>.pdf).",
)
PDF_RESPONSE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The PDF, as an attachment: the marking at the top and bottom of every page.",
)


class EscalationBriefingApi(_PdfOrJson):
    @extend_schema(
        operation_id="escalations_briefing",
        summary="The escalation's briefing: frozen once endorsed, compiled now before that",
        description=(
            "Reads of a strictly confidential briefing are written to the audit trail. A reader "
            "cleared below the briefing's level gets the version for their clearance "
            "(`complete` false, items withheld with a note)."
        ),
        tags=["desk"],
        parameters=[BRIEFING_FORMAT],
        responses={
            (200, "application/json"): BriefingSerializer,
            (200, PDF): PDF_RESPONSE,
            **_errors(
                bad_request="`format` is neither json nor pdf.",
                not_found="Missing or not visible, or no briefing yet.",
            ),
        },
    )
    def get(self, request: Request, pk: int) -> Response | HttpResponse:
        wanted = request.query_params.get("format", "json")
        if wanted == "pdf":
            return _briefing_pdf(request.user, pk)
        if wanted != "json":
            raise ApplicationValidationError({"format": ["Ask for json or pdf."]})
        escalation, current = briefings.briefing_current(user=request.user, pk=pk)
        content, level, withheld = briefings.briefing_readable(user=request.user, briefing=current)
        return Response(
            BriefingSerializer(
                {
                    "id": current.pk,
                    "escalation": _escalation_ref(escalation),
                    "status": current.status,
                    "classification": current.classification,
                    "compiled_at": current.compiled_at,
                    "frozen_at": current.frozen_at,
                    "content_hash": current.content_hash,
                    "complete": level == current.classification,
                    "level": level,
                    "withheld": withheld,
                    "content": content,
                }
            ).data
        )


class EscalationBriefingPdfApi(_PdfOrJson):
    @extend_schema(
        operation_id="escalations_briefing_pdf",
        summary="The escalation's briefing as PDF",
        tags=["desk"],
        responses={(200, PDF): PDF_RESPONSE, **_errors(not_found="Missing or not visible.")},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return _briefing_pdf(request.user, pk)


# --- Releasable versions ----------------------------------------------------------------------


@extend_schema_serializer(component_name="BriefingReleaseInput")
class ReleaseInputSerializer(StrictInputSerializer):
    level = ClassificationField(
        parse=False,
        help_text="PUBLIC, CONFIDENTIAL or STRICTLY_CONFIDENTIAL; at most the "
        "briefing's own level. Items above it are left out with a note.",
    )
    shared_with = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="ISO 3166-1 alpha-3 codes of the member states whose liaisons may read it.",
    )


class EscalationBriefingReleaseApi(APIView):
    @extend_schema(
        operation_id="escalations_briefing_release",
        summary="Release a version of the frozen briefing for a lower level to member states",
        tags=["desk"],
        request=ReleaseInputSerializer,
        responses={
            201: ReleaseDetailSerializer,
            **_errors(
                bad_request="Field errors, by field (a level above the briefing's, a code that "
                "is not a member state's).",
                forbidden="Only the SG Office releases briefings.",
                not_found="Missing or not visible.",
                conflict="The briefing is not frozen, or a version for that level exists.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        escalation = access.access_escalation(request.user, pk)
        if not request.user.has_perm("cases.decide_escalation"):
            raise ForbiddenError("Only the Secretary-General's Office releases briefings.")
        data = _validated(ReleaseInputSerializer, request)
        current = briefings.current_frozen(escalation)
        if current is None:
            raise ConflictError(
                f"The briefing of {escalation.reference} is not frozen; it is released once "
                "the escalation is endorsed."
            )
        release = briefings.briefing_release(
            briefing=current,
            level=data["level"],
            actor=request.user,
            shared_with=data.get("shared_with", []),
        )
        return Response(
            ReleaseDetailSerializer({**release_data(release), "content": release.content}).data,
            status=status.HTTP_201_CREATED,
        )


class ReleaseListApi(APIView):
    class FilterSerializer(serializers.Serializer):
        cursor = serializers.CharField(required=False, help_text="From `next` or `previous`.")
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)

    @extend_schema(
        operation_id="briefing_releases_list",
        summary="Released versions of briefings: all for the SG Office, a liaison's member "
        "state's for a liaison",
        tags=["desk"],
        parameters=[FilterSerializer],
        responses={200: ReleasePageSerializer, **_errors(bad_request="A filter is not valid.")},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = CursorPagination()
        visible = access.releases_visible(request.user)
        rows = paginator.paginate_queryset(visible, request, view=self)
        return paginator.get_paginated_response(
            [ReleaseSerializer(release_data(row)).data for row in rows]
        )


class ReleaseDetailApi(APIView):
    @extend_schema(
        operation_id="briefing_releases_retrieve",
        summary="One released version with its content (the read is audited)",
        tags=["desk"],
        responses={
            200: ReleaseDetailSerializer,
            **_errors(not_found="Missing, or not shared with you."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        release = access.access_release(request.user, pk)
        return Response(
            ReleaseDetailSerializer({**release_data(release), "content": release.content}).data
        )


class ReleasePdfApi(_PdfOrJson):
    @extend_schema(
        operation_id="briefing_releases_pdf",
        summary="One released version as PDF, marked at its level (the read is audited)",
        tags=["desk"],
        responses={
            (200, PDF): PDF_RESPONSE,
            **_errors(not_found="Missing, or not shared with you."),
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        release = access.access_release(request.user, pk)
        label = briefings.level_label_of(release.level)
        pdf = briefings.briefing_pdf(release.content, level_label=label)
        level = Classification(release.level).name.lower().replace("_", "-")
        return _pdf_response(pdf, f"briefing-{release.content['reference']}-{level}.pdf")


urlpatterns = _paths(
    [
        ("desk/", DeskApi, "api-desk"),
        ("escalations/<int:pk>/decide/", EscalationDecideApi, "api-escalation-decide"),
        ("escalations/<int:pk>/decisions/", EscalationDecisionListApi, "api-escalation-decisions"),
        ("referrals/", ReferralListApi, "api-referrals"),
        ("referrals/<int:pk>/", ReferralDetailApi, "api-referral"),
        ("referrals/<int:pk>/update/", ReferralUpdateApi, "api-referral-update"),
        ("escalations/<int:pk>/briefing/", EscalationBriefingApi, "api-escalation-briefing"),
        (
            "escalations/<int:pk>/briefing.pdf",
            EscalationBriefingPdfApi,
            "api-escalation-briefing-pdf",
        ),
        (
            "escalations/<int:pk>/briefing/releases/",
            EscalationBriefingReleaseApi,
            "api-escalation-briefing-releases",
        ),
        ("briefing-releases/", ReleaseListApi, "api-briefing-releases"),
        ("briefing-releases/<int:pk>/", ReleaseDetailApi, "api-briefing-release"),
        ("briefing-releases/<int:pk>/pdf/", ReleasePdfApi, "api-briefing-release-pdf"),
    ]
)
