"""The building blocks every app's API uses: throttling and pagination.

Authentication is django-rest-knox's: tokens stored as hashes, expiring, revocable,
sent as `Authorization: Token <key>`.

Kept apart from r2p/apis.py because settings name these classes, and DRF imports them while it
is itself being imported.
"""

from __future__ import annotations

from django.conf import settings
from knox.models import AuthToken
from rest_framework import exceptions, pagination, parsers, status
from rest_framework.throttling import SimpleRateThrottle


class PerTokenRateThrottle(SimpleRateThrottle):
    """One budget per API token (per account for browser sessions, per address otherwise)."""

    scope = "per_token"

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, AuthToken):
            ident = f"token:{request.auth.token_key}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination on the primary key: stable under inserts, and as fast deep as shallow."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 1000


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."


class SizeLimitedJSONParser(parsers.JSONParser):
    """JSON bodies up to API_MAX_BODY_BYTES. DRF reads the stream itself, so Django's own
    DATA_UPLOAD_MAX_MEMORY_SIZE never applies to API bodies; without this there is no cap."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > settings.API_MAX_BODY_BYTES:
            raise RequestTooLarge(
                f"The request body is {length:,} bytes; the limit is "
                f"{settings.API_MAX_BODY_BYTES:,} bytes (send fewer rows per request)."
            )
        return super().parse(stream, media_type, parser_context)
