"""Authentication events, written to the audit trail as they happen.

Django and django-axes announce logins, failures, logouts and lockouts through signals; these
receivers only translate them into audit rows. No business rule lives here.
"""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from r2p.middleware import SESSION_LOGIN_AT
from r2p.services import audit_record


def _on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LOGIN_AT] = time.time()
    audit_record(action="auth.login", actor=user, target=user)


def _on_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    reason = getattr(request, "r2p_logout_reason", "user") if request is not None else "user"
    audit_record(action="auth.logout", actor=user, target=user, summary={"reason": reason})


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(action="auth.login_failed", actor_username=username)


def _on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    audit_record(
        action="auth.lockout",
        actor_username=str(username or "")[:150],
        summary={"ip_address": ip_address},
    )


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="r2p-audit-login")
    user_logged_out.connect(_on_logout, dispatch_uid="r2p-audit-logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="r2p-audit-login-failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="r2p-audit-lockout")
