"""The warning-response gap: where cases stall, and the situations in inaction."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from cases import timeline
from cases.views.common import highest, staff_page


def duration(value: timedelta | None) -> str:
    """`3 days 4 h`, `5 h`, `40 min`: a gap in words people read at a glance. Nothing for a
    step that came before the one listed ahead of it (a backdated record)."""
    if value is None or value < timedelta(0):
        return ""
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h"
    return f"{minutes} min"


def timeline_steps(line: timeline.Timeline) -> list[dict]:
    return [
        {"label": stage.label, "at": at, "gap": duration(line.gap(stage.key))}
        for stage, at in line.stages
    ]


def stall_rows(stalls: list[timeline.StageStall]) -> list[dict]:
    return [
        {
            "stage": s.stage.label,
            "count": s.count,
            "median": duration(s.median),
            "p90": duration(s.p90),
        }
        for s in stalls
    ]


@staff_page
def gap(request: HttpRequest) -> HttpResponse:
    user = request.user
    stalls = timeline.stage_stalls(user=user)
    alerts = timeline.inaction(user=user)
    rows = stall_rows(stalls)
    return render(
        request,
        "cases/gap.html",
        {
            "rows": rows,
            "alerts": alerts,
            "page_classification": highest(*(a.situation.classification for a in alerts)),
        },
    )


urlpatterns = [path("gap/", gap, name="gap")]
