"""The triage inbox: new signals, filtered and searched, triaged in bulk, de-duplicated inline.

Only joint-office staff who may change signals use it; everyone else gets the same 404 as for a
page that does not exist. The list page runs a fixed number of queries whatever its size:
the rows (with their sources), a capped count, the corroboration of the page, and the
situations offered for linking. Duplicate suggestions cost a query per signal, so they are
loaded on demand, one signal at a time, from `inbox-duplicates`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import reduce
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BigIntegerField, F, OrderBy, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from cases import access, selectors, services
from cases.forms.inbox import SORT_CHOICES, BulkTriageForm, InboxFilterForm
from cases.models import MonitoringStatus, Signal, SignalStatus, Situation
from r2p.countries import country_name
from r2p.errors import ApplicationError, NotFoundError
from r2p.models import Classification, User

PAGE_SIZE = 50
# Counting every match of a broad filter over a million signals costs more than the page
# itself; the count stops here and the page says "1,000+".
COUNT_CAP = 1000
DUPLICATES_SHOWN = 8


def _require_triager(user: User) -> None:
    """Joint-office staff who may change signals; for anyone else the inbox does not exist."""
    if not (access.is_staff(user) and user.has_perm("cases.change_signal")):
        raise Http404()


def _wants_fragment(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


# --- Keyset pages over every order ------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool
    # Nullable keys sort their empty values last (after every number), as the selector does.
    nullable: bool = False
    parse: Callable[[str], Any] = int


# The inbox's orders, key by key, each ending with the primary key so that the order is total.
# They are the orders of selectors.SIGNAL_SORTS (tests hold the two together), except relevance:
# ts_rank is a float4 that does not survive a round trip through a URL, so pages are cut on the
# rank in millionths (rank_key), ties broken by id.
INBOX_ORDERS: dict[str, tuple[SortKey, ...]] = {
    "newest": (SortKey("id", True),),
    "oldest": (SortKey("id", False),),
    "occurred": (SortKey("occurred_on", True, parse=date.fromisoformat), SortKey("id", True)),
    "fatalities": (SortKey("fatalities_best", True, nullable=True), SortKey("id", True)),
    "credibility": (SortKey("credibility", False), SortKey("id", True)),
    "relevance": (SortKey("rank_key", True), SortKey("id", True)),
}


def _ordering(keys: tuple[SortKey, ...], *, backwards: bool) -> list[OrderBy]:
    ordering = []
    for key in keys:
        descending = key.descending != backwards
        nulls = {}
        if key.nullable:
            nulls = {"nulls_first": True} if backwards else {"nulls_last": True}
        expression = F(key.field)
        ordering.append(expression.desc(**nulls) if descending else expression.asc(**nulls))
    return ordering


def _step(key: SortKey, value: Any, *, backwards: bool) -> Q | None:
    """Rows strictly past `value` on this one key, in the direction of travel (None: none)."""
    descending = key.descending != backwards
    nulls_at_end = key.nullable and not backwards
    if value is None:
        return None if nulls_at_end else Q(**{f"{key.field}__isnull": False})
    past = Q(**{f"{key.field}__{'lt' if descending else 'gt'}": value})
    if nulls_at_end:
        past |= Q(**{f"{key.field}__isnull": True})
    return past


def _past(keys: tuple[SortKey, ...], values: list[Any], *, backwards: bool) -> Q | None:
    """Rows strictly after the boundary row in this order (before it, when going backwards)."""
    branches = []
    for index, key in enumerate(keys):
        step = _step(key, values[index], backwards=backwards)
        if step is None:
            continue
        same = [
            Q(**{f"{k.field}__isnull": True}) if v is None else Q(**{k.field: v})
            for k, v in zip(keys[:index], values[:index], strict=True)
        ]
        branches.append(reduce(operator.and_, [*same, step]))
    return reduce(operator.or_, branches) if branches else None


def _cursor(row: selectors.SignalRow, keys: tuple[SortKey, ...]) -> str:
    values = (getattr(row, key.field) for key in keys)
    return "~".join("" if value is None else str(value) for value in values)


def _cursor_parse(raw: str | None, keys: tuple[SortKey, ...]) -> list[Any] | None:
    """A cursor from the URL, or None when absent or not one of ours (then: the first page)."""
    if not raw:
        return None
    parts = raw.split("~")
    if len(parts) != len(keys):
        return None
    values: list[Any] = []
    for key, part in zip(keys, parts, strict=True):
        if part == "":
            if not key.nullable:
                return None
            values.append(None)
            continue
        try:
            values.append(key.parse(part))
        except (ValueError, OverflowError):
            return None
    return values


@dataclass
class InboxPage:
    rows: list[selectors.SignalRow]
    next_query: str | None
    previous_query: str | None
    first_query: str | None


def inbox_page(
    queryset: QuerySet[Signal], *, sort: str, params: QueryDict, base: dict[str, str]
) -> InboxPage:
    """One page of the list in `sort` order, cut by keyset cursors rather than offsets.

    `?after=CURSOR` is the page following the row the cursor names, `?before=CURSOR` the page
    preceding it; a cursor is that row's sort-key values joined by "~" (an empty value for a
    missing fatality count). Any order pages this way, so the hundredth page costs what the
    first does. An unreadable cursor shows the first page. `base` is the filter query that
    every link keeps.
    """
    keys = INBOX_ORDERS[sort]
    if sort == "relevance":
        # Postgres rounds when it casts a float to an integer.
        queryset = queryset.annotate(
            rank_key=Cast(F("rank") * 1_000_000, output_field=BigIntegerField())
        )
    after = _cursor_parse(params.get("after"), keys)
    before = None if after is not None else _cursor_parse(params.get("before"), keys)
    if before is not None:
        past = _past(keys, before, backwards=True)
        window = queryset.filter(past) if past is not None else queryset.none()
        rows = selectors.signal_rows(
            window.order_by(*_ordering(keys, backwards=True))[: PAGE_SIZE + 1]
        )
        has_previous, has_next = len(rows) > PAGE_SIZE, True
        rows = list(reversed(rows[:PAGE_SIZE]))
    else:
        window = queryset
        if after is not None:
            past = _past(keys, after, backwards=False)
            window = queryset.filter(past) if past is not None else queryset.none()
        rows = selectors.signal_rows(
            window.order_by(*_ordering(keys, backwards=False))[: PAGE_SIZE + 1]
        )
        has_previous, has_next = after is not None, len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]

    def link(**cursor: str) -> str:
        return "?" + urlencode({**base, **cursor})

    on_first_page = after is None and before is None
    return InboxPage(
        rows=rows,
        next_query=link(after=_cursor(rows[-1], keys)) if rows and has_next else None,
        previous_query=link(before=_cursor(rows[0], keys)) if rows and has_previous else None,
        first_query=None if on_first_page else link(),
    )


def _capped_count(queryset: QuerySet[Signal]) -> int:
    """The number of matches, counting no further than COUNT_CAP + 1.

    Ordered by id so PostgreSQL walks the triage index and stops after COUNT_CAP + 1 rows
    instead of combining several indexes over every match.
    """
    return queryset.order_by("-pk").values("pk")[: COUNT_CAP + 1].count()


# --- The list ---------------------------------------------------------------------------------


def _situation_options(user: User) -> list[Situation]:
    """The situations offered by the link action: open ones the analyst may see, by title."""
    return list(
        access.situations_visible(user)
        .exclude(status=MonitoringStatus.CLOSED)
        .only("pk", "reference", "title", "status", "classification")
        .order_by("title", "pk")
    )


def _filter_query(form: InboxFilterForm) -> dict[str, str]:
    """The filters as they are applied, for links and for the way back after a bulk action.

    An empty status is kept: it means "any status", where an absent one means "new".
    """
    query = {}
    for name in form.fields:
        value = str(form.data.get(name, "")).strip()
        if value or name == "status":
            query[name] = value
    return query


def _render_inbox(
    request: HttpRequest,
    params: QueryDict,
    *,
    situations: list[Situation],
    bulk_form: BulkTriageForm | None = None,
    selected: list[int] | tuple = (),
    status: int = 200,
) -> HttpResponse:
    user = request.user
    form = InboxFilterForm(params)
    base = _filter_query(form)
    if bulk_form is None:
        bulk_form = BulkTriageForm(user=user, situations=situations)
        # After the action the analyst comes back to this very page of this very list.
        bulk_form.initial["back"] = urlencode({**base, **_cursor_params(params)})
    page, total, filters = None, None, None
    if form.is_valid():
        filters = form.filters()
        # Only the columns a row shows; ts_headline reads the description inside PostgreSQL.
        queryset = selectors.signal_table(user=user, filters=filters)
        page = inbox_page(queryset, sort=filters.sort, params=params, base=base)
        total = _capped_count(queryset)
        corroboration = selectors.signal_corroboration(page.rows)
        for row in page.rows:
            row.corroboration = corroboration[row.pk]
            row.country_label = country_name(row.country) or row.country
    else:
        status = 400
    rows = page.rows if page else []
    shown = [*rows, *situations]
    here = reverse("cases:inbox") + ("?" + urlencode({**base, **_cursor_params(params)}))
    return render(
        request,
        "cases/inbox.html",
        {
            "page_classification": max(
                (item.classification for item in shown), default=Classification.PUBLIC
            ),
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "total": total,
            "count_cap": COUNT_CAP,
            "sort_label": dict(SORT_CHOICES).get(filters.sort, "") if filters else "",
            "bulk_form": bulk_form,
            "selected": set(selected),
            "situations": situations,
            "here": here,
            "clear_url": reverse("cases:inbox"),
            "any_status_url": reverse("cases:inbox") + "?" + urlencode({**base, "status": ""}),
        },
        status=status,
    )


def _cursor_params(params: QueryDict) -> dict[str, str]:
    return {key: params[key] for key in ("after", "before") if params.get(key)}


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The triage list: filters, search with highlights, orders, keyset pages, bulk actions."""
    _require_triager(request.user)
    return _render_inbox(request, request.GET, situations=_situation_options(request.user))


def _back_params(raw: str) -> QueryDict:
    """The filters to return to, rebuilt from the known filter names only."""
    incoming = QueryDict(raw or "")
    allowed = {*InboxFilterForm.base_fields, "after", "before"}
    back = QueryDict(mutable=True)
    for key in incoming:
        if key in allowed:
            back[key] = incoming.get(key, "")[:500]
    return back


_DONE = {
    "link": "linked to {situation}",
    "dismiss": "dismissed",
    "duplicate": "marked as duplicates of #{original}",
}


@login_required
@require_POST
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Link, dismiss or mark duplicate the selected signals, then return to the same list.

    Each signal succeeds or fails on its own (services.signals_bulk_triage); the message says
    how many were done and why each of the others was not.
    """
    user = request.user
    _require_triager(user)
    situations = _situation_options(user)
    form = BulkTriageForm(request.POST, user=user, situations=situations)
    back = _back_params(request.POST.get("back", ""))
    if not form.is_valid():
        return _render_inbox(
            request,
            back,
            situations=situations,
            bulk_form=form,
            selected=form.selected_ids(),
            status=400,
        )
    data = form.cleaned_data
    ids: list[int] = data["signal_ids"]
    visible = {
        signal.pk: signal
        for signal in access.signals_visible(user, Signal.objects.select_related("source")).filter(
            pk__in=ids
        )
    }
    result = services.signals_bulk_triage(
        actor=user,
        signals=[visible[pk] for pk in ids if pk in visible],
        action=data["action"],
        situation=data["situation"],
        reason=data["reason"],
        original=data["original"],
    )
    failed = [(pk, "no such signal that you can see") for pk in ids if pk not in visible]
    failed += result["failed"]
    done = len(result["done"])
    if done:
        what = _DONE[data["action"]].format(
            situation=(
                f"{data['situation'].reference} ({data['situation'].title})"
                if data["situation"]
                else ""
            ),
            original=data["original"].pk if data["original"] else "",
        )
        messages.success(request, f"{done} signal{'s' if done != 1 else ''} {what}.")
    if failed:
        reasons = "; ".join(f"#{pk}: {reason}" for pk, reason in sorted(failed))
        messages.error(
            request,
            f"{len(failed)} signal{'s' if len(failed) != 1 else ''} could not be "
            f"{_DONE[data['action']].split(' ')[0]}: {reasons}",
        )
    query = back.urlencode()
    return redirect(reverse("cases:inbox") + (f"?{query}" if query else ""))


# --- Duplicate suggestions, one signal at a time ----------------------------------------------


def _safe_next(request: HttpRequest, value: str | None) -> str:
    """A local address to return to (the filtered inbox), never another site."""
    if (
        value
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return value
    return reverse("cases:inbox")


def _signal_or_404(user: User, pk: object) -> Signal:
    try:
        return access.access_signal(user, pk)
    except NotFoundError:
        raise Http404() from None


def _render_duplicates(
    request: HttpRequest, signal: Signal, *, status: int = 200, error: str = ""
) -> HttpResponse:
    user = request.user
    candidates = selectors.signal_duplicate_candidates(
        signal=signal, user=user, limit=DUPLICATES_SHOWN
    )
    for candidate in candidates:
        candidate.country_label = country_name(candidate.country) or candidate.country
    back = _safe_next(request, request.GET.get("next") or request.POST.get("next"))
    context = {
        "page_classification": max(
            [signal.classification, *(c.classification for c in candidates)]
        ),
        "signal": signal,
        "candidates": candidates,
        "shown_at_most": DUPLICATES_SHOWN,
        "back": back,
        "error": error,
        "open": signal.status == SignalStatus.NEW,
    }
    fragment = _wants_fragment(request)
    template = "cases/_inbox_duplicates.html" if fragment else "cases/inbox_duplicates.html"
    response = render(request, template, context, status=status)
    response["Vary"] = "X-Requested-With"
    return response


@login_required
@require_GET
def inbox_duplicates(request: HttpRequest, pk: int) -> HttpResponse:
    """The likely duplicates of one signal, with same-event / different-events buttons.

    Fetched by inbox.js into the row's disclosure (an HTML fragment), or opened as a page of
    its own without JavaScript.
    """
    _require_triager(request.user)
    return _render_duplicates(request, _signal_or_404(request.user, pk))


@login_required
@require_POST
def inbox_duplicate_decide(request: HttpRequest, pk: int, candidate: int) -> HttpResponse:
    """Keep the analyst's verdict on one suggested pair (services.duplicate_decide)."""
    user = request.user
    _require_triager(user)
    signal = _signal_or_404(user, pk)
    other = _signal_or_404(user, candidate)
    verdict = request.POST.get("verdict")
    error = ""
    if verdict not in ("same", "different"):
        error = "Say whether the two report the same event or different events."
    else:
        try:
            services.duplicate_decide(
                signal=signal, candidate=other, same_event=verdict == "same", actor=user
            )
        except ApplicationError as exc:
            error = "; ".join(m for ms in exc.fields.values() for m in ms) or exc.message
    if _wants_fragment(request):
        signal.refresh_from_db()
        return _render_duplicates(request, signal, status=400 if error else 200, error=error)
    if error:
        messages.error(request, f"#{signal.pk} and #{other.pk}: {error}")
    elif verdict == "same":
        messages.success(request, f"#{signal.pk} and #{other.pk} report the same event.")
    else:
        messages.success(
            request, f"#{signal.pk} and #{other.pk} are different events; not suggested again."
        )
    return redirect(_safe_next(request, request.POST.get("next")))


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/bulk/", inbox_bulk, name="inbox-bulk"),
    path("inbox/<int:pk>/duplicates/", inbox_duplicates, name="inbox-duplicates"),
    path(
        "inbox/<int:pk>/duplicates/<int:candidate>/",
        inbox_duplicate_decide,
        name="inbox-duplicate-decide",
    ),
]
