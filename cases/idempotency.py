"""The Idempotency-Key header of the intake's POST endpoints.

A client that did not hear the answer to a POST sends it again with the same key: it gets the
first answer back (same status and body, plus `Idempotent-Replayed: true`) and nothing is created
twice. The same key with a different body is a client bug and gets 422.

How racers are kept apart: the record is inserted first, in the same transaction as the work,
with INSERT ... ON CONFLICT DO NOTHING on the unique constraint (user, endpoint, key). A second
request with the same key blocks inside that INSERT until the first transaction ends. If the
first committed, the second finds the finished record and replays it; if the first rolled back,
the second's INSERT goes through and it does the work itself. A record is therefore only ever
seen by others together with its answer.

Only successful answers are kept. A refused request (4xx) or a failure (5xx) rolls its record
back, so the client may correct the request and send it again under the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import IdempotencyRecord
from r2p.errors import ApplicationError, ApplicationValidationError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = IdempotencyRecord._meta.get_field("key").max_length


class IdempotencyKeyReused(ApplicationError):
    http_status = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "idempotency_key_reused"

    def default_message(self) -> str:
        return (
            f"This {HEADER} was already used for a different request; "
            "use a new key for a new request."
        )


class _Abandon(Exception):
    """Leaves the transaction (rolling the record back) while keeping the answer to send."""

    def __init__(self, response: Response):
        self.response = response


def request_fingerprint(data: Any) -> str:
    """A hash of the parsed body, insensitive to key order and whitespace."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key(request: Request) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApplicationValidationError(
            {HEADER: [f"Send a key of 1 to {MAX_KEY_LENGTH} characters, e.g. a UUID."]}
        )
    return key


def _answer(view: APIView, handle: Callable[[], Response]) -> Response:
    """Run the work; a domain or DRF error becomes its answer in the one error format."""
    try:
        return handle()
    except Exception as exc:
        response = view.get_exception_handler()(exc, view.get_exception_handler_context())
        if response is None:
            raise
        return response


def _replay(
    record: IdempotencyRecord,
    fingerprint: str,
    replay_headers: Callable[[Any], dict[str, str]] | None,
) -> Response:
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    headers = dict(replay_headers(record.response_body)) if replay_headers else {}
    headers[REPLAYED_HEADER] = "true"
    return Response(record.response_body, status=record.response_status, headers=headers)


def idempotent(
    view: APIView,
    request: Request,
    handle: Callable[[], Response],
    *,
    replay_headers: Callable[[Any], dict[str, str]] | None = None,
) -> Response:
    """Answer `request` with `handle()`, at most once per Idempotency-Key.

    Without the header this is just `handle()`. `replay_headers` rebuilds headers (an ETag) from
    a stored body, since only the status and the body are kept.
    """
    key = _key(request)
    if key is None:
        return handle()
    fingerprint = request_fingerprint(request.data)
    scope = {"user": request.user, "endpoint": request.path[:200], "key": key}
    try:
        with transaction.atomic():
            # Blocks while another transaction holds an uncommitted record with this key.
            IdempotencyRecord.objects.bulk_create(
                [IdempotencyRecord(**scope, request_hash=fingerprint)], ignore_conflicts=True
            )
            record = IdempotencyRecord.objects.select_for_update().get(**scope)
            if record.response_status is not None:
                return _replay(record, fingerprint, replay_headers)
            response = _answer(view, handle)
            if not status.is_success(response.status_code):
                raise _Abandon(response)
            record.response_status = response.status_code
            # Stored as rendered, so a replay is byte-for-byte the body first sent.
            record.response_body = json.loads(JSONRenderer().render(response.data))
            record.save(update_fields=["response_status", "response_body"])
            return response
    except _Abandon as abandoned:
        return abandoned.response
