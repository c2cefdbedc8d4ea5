"""The search box of the top bar: situations and signals in one place."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from cases import selectors
from cases.views.common import highest, staff_page

RESULTS_PER_KIND = 20


@staff_page
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    situations = selectors.situation_search(user=request.user, q=q, limit=RESULTS_PER_KIND)
    signals = []
    if q:
        filters = selectors.SignalFilters(q=q, sort="relevance")
        signals = selectors.signal_rows(
            selectors.signal_table(user=request.user, filters=filters)[:RESULTS_PER_KIND]
        )
    return render(
        request,
        "cases/search.html",
        {
            "q": q,
            "situations": situations,
            "signals": signals,
            "limit": RESULTS_PER_KIND,
            "page_classification": highest(
                *(s.classification for s in situations), *(s.classification for s in signals)
            ),
        },
    )


urlpatterns = [path("search/", search, name="search")]
