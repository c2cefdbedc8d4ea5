"""Request id and client address for logs and audit rows; the absolute session lifetime."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from r2p import context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SESSION_LOGIN_AT = "r2p_login_at"


class RequestIdMiddleware:
    """Tag the request with an id (a proxy's X-Request-ID if it is well-formed) and its IP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = context.request_id.set(request_id)
        ip_token = context.client_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(id_token)
            context.client_ip.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get() or "-"
        return True


class SessionLifetimeMiddleware:
    """End a session a fixed time after login however active it was (idle expiry is the cookie)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            login_at = request.session.get(SESSION_LOGIN_AT)
            now = time.time()
            if login_at is None:
                request.session[SESSION_LOGIN_AT] = now
            elif now - float(login_at) > settings.SESSION_ABSOLUTE_LIFETIME:
                request.r2p_logout_reason = "session lifetime"
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                query = urlencode({"expired": "1", "next": request.get_full_path()})
                return redirect(f"{reverse('login')}?{query}")
        return self.get_response(request)
