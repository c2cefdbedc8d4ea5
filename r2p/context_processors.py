from __future__ import annotations

from django.http import HttpRequest

from r2p.navigation import sections_for


def shell(request: HttpRequest) -> dict:
    """The top bar's sections for this user. The page marking is each view's own business."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    return {"nav_sections": sections_for(user)}
