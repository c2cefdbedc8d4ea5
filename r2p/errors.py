"""One family of domain errors, mapped once to HTTP answers.

Services raise these; the API exception handler below and the HTML views turn them into
400 (field-level messages), 404, 409 or 412/428. Every API error has the same shape:

    {"error": {"code": "...", "message": "...", "fields": {"field": ["message", ...]}}}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    http_status = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, message: str = "", *, fields: dict[str, list[str]] | None = None):
        self.message = message or self.default_message()
        self.fields = fields or {}
        super().__init__(self.message)

    def default_message(self) -> str:
        return "The request could not be processed."


class ApplicationValidationError(ApplicationError):
    """Bad input. `fields` maps each field to its messages."""

    code = "invalid"

    def __init__(self, fields: dict[str, list[str]], message: str = ""):
        super().__init__(message or "Some fields are not valid.", fields=fields)


class NotFoundError(ApplicationError):
    """Missing, or not visible to this user: the two are deliberately indistinguishable."""

    http_status = status.HTTP_404_NOT_FOUND
    code = "not_found"

    def default_message(self) -> str:
        return "Not found."


class ForbiddenError(ApplicationError):
    """The person may see the record but not make this move (four eyes, a role's limits)."""

    http_status = status.HTTP_403_FORBIDDEN
    code = "forbidden"

    def default_message(self) -> str:
        return "You may not do this."


class ConflictError(ApplicationError):
    """A move the workflow does not allow, or a write on a stale version."""

    http_status = status.HTTP_409_CONFLICT
    code = "conflict"


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    out[f"{key}.{sub}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):
                    for sub, messages in _flatten(item).items():
                        out[f"{key}[{index}].{sub}"] = messages
            else:
                out[str(key)] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, reshaped into the one error format, plus the ApplicationError family."""
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, Http404 | PermissionDenied) and not isinstance(exc, exceptions.APIException):
        # A forbidden object answers exactly like a missing one.
        return Response(error_body("not_found", "Not found."), status=status.HTTP_404_NOT_FOUND)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.PermissionDenied):
        _record_denial(context.get("request"))
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", "Some fields are not valid.", _flatten(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        message = str(detail) if not isinstance(detail, dict | list) else str(exc)
        response.data = error_body(str(code), message)
    return response


def _record_denial(request) -> None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    from r2p.services import audit_record

    audit_record(action="access.denied", actor=user, summary={"path": request.path[:200]})
