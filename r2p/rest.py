"""The building blocks every app's API uses: throttling and pagination.

Authentication is django-rest-knox's: tokens stored as hashes, expiring, revocable,
sent as `Authorization: Token <key>`.

Kept apart from r2p/apis.py because settings name these classes, and DRF imports them while it
is itself being imported.
"""

from __future__ import annotations

from knox.models import AuthToken
from rest_framework import pagination
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
