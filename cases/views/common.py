"""What every intake page shares: who may open it, and the marking of what it shows."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from cases import access
from r2p.errors import NotFoundError
from r2p.models import Classification, User


def staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged-in joint-office staff only; for everyone else, and for any NotFoundError, a 404.

    A page that exists but is not theirs looks exactly like one that does not exist.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.is_staff(request.user):
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotFoundError:
            raise Http404 from None

    return wrapper


def require_permission(user: User, permission: str) -> None:
    """A page of actions the person's role does not include is not there for them."""
    if not user.has_perm(permission):
        raise Http404


def highest(*levels: int | None) -> int:
    return max((level for level in levels if level is not None), default=Classification.PUBLIC)


def chosen_level(form: Any) -> int:
    """The classification a person picked in a submitted form (what the page then shows)."""
    if not form.is_bound:
        return Classification.PUBLIC
    try:
        return min(Classification.parse(form.data.get("classification", "")), form.user.clearance)
    except (ValueError, TypeError):
        return Classification.PUBLIC


# --- List -------------------------------------------------------------------------------------
