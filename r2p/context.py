"""Who and where the current request is, for the audit trail and the logs.

Set by r2p.middleware.RequestIdMiddleware for web requests and by Celery tasks for their own
work; read by r2p.services.audit_record so that services need not pass the request around.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
