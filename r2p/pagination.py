"""Keyset ("cursor") pages for HTML tables: next and previous links that stay fast at any depth."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from django.db import models
from django.http import QueryDict

M = TypeVar("M", bound=models.Model)


@dataclass
class KeysetPage(Generic[M]):
    rows: list[M]
    next_query: str | None
    previous_query: str | None


def _as_int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def keyset_page(
    queryset: models.QuerySet[M], params: QueryDict, *, size: int = 50
) -> KeysetPage[M]:
    """Newest first by primary key; `?before=ID` pages forward (older), `?after=ID` back (newer)."""
    before = _as_int(params.get("before"))
    after = _as_int(params.get("after"))
    if after is not None:
        rows = list(queryset.filter(pk__gt=after).order_by("pk")[: size + 1])
        has_more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        has_older = True
    else:
        page = queryset.order_by("-pk")
        if before is not None:
            page = page.filter(pk__lt=before)
        rows = list(page[: size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_more_newer = before is not None
    base = params.copy()
    for key in ("before", "after"):
        base.pop(key, None)

    def link(**cursor: int) -> str:
        merged = {k: v for k, v in base.items() if v}
        merged.update({k: str(v) for k, v in cursor.items()})
        return "?" + urlencode(merged)

    next_query = link(before=rows[-1].pk) if rows and has_older else None
    previous_query = link(after=rows[0].pk) if rows and has_more_newer else None
    return KeysetPage(rows=rows, next_query=next_query, previous_query=previous_query)
