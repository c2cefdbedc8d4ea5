"""REST API of the shared core."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from knox.models import AuthToken
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from r2p import selectors, services
from r2p.errors import ApplicationValidationError
from r2p.models import AuditEvent, Classification
from r2p.rest import CursorPagination


class MeApi(APIView):
    @extend_schema_serializer(component_name="Me")
    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        full_name = serializers.CharField()
        roles = serializers.ListField(child=serializers.CharField())
        clearance = serializers.ChoiceField(choices=[c.name for c in Classification])
        member_state = serializers.CharField(allow_blank=True)
        organisation = serializers.CharField(allow_blank=True)
        authenticated_by = serializers.ChoiceField(choices=["token", "session"])
        token_expires = serializers.DateTimeField(allow_null=True)

    @extend_schema(responses=OutputSerializer, summary="Who am I: username, roles, clearance")
    def get(self, request: Request) -> Response:
        user = request.user
        token = request.auth if isinstance(request.auth, AuthToken) else None
        data = {
            "username": user.username,
            "full_name": user.get_full_name(),
            "roles": user.role_names,
            "clearance": Classification(user.clearance).name,
            "member_state": user.member_state,
            "organisation": user.organisation,
            "authenticated_by": "token" if token else "session",
            "token_expires": token.expiry if token else None,
        }
        return Response(self.OutputSerializer(data).data)


class TokenRevokeApi(APIView):
    """A partner system revokes the token it is calling with (for rotation or after a leak)."""

    @extend_schema(request=None, responses={204: None}, summary="Revoke the calling token")
    def post(self, request: Request) -> Response:
        if not isinstance(request.auth, AuthToken):
            raise ApplicationValidationError(
                {"authorization": ["Only a request made with a token can revoke it."]}
            )
        services.token_revoke(token_key=request.auth.token_key, revoked_by=request.user)
        return Response(status=204)


class AuditEventListApi(generics.ListAPIView):
    """The audit trail for auditors' tools: the same filters as the page, newest first."""

    class CanReadAuditTrail(permissions.BasePermission):
        def has_permission(self, request, view) -> bool:
            return request.user.has_perm("r2p.view_auditevent")

    @extend_schema_serializer(component_name="AuditEvent")
    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = AuditEvent
            fields = [
                "id",
                "occurred_at",
                "actor_username",
                "action",
                "object_type",
                "object_id",
                "summary",
                "request_id",
                "ip_address",
                "prev_hash",
                "hash",
            ]

    permission_classes = [permissions.IsAuthenticated, CanReadAuditTrail]
    serializer_class = OutputSerializer
    filterset_class = selectors.AuditEventFilter
    pagination_class = CursorPagination

    def get_queryset(self):
        return AuditEvent.objects.all()
