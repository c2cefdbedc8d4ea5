"""Reads of the intake. Every list starts from cases.access, so visibility is never forgotten."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncWeek

from cases import access
from cases.models import (
    Category,
    DatePrecision,
    DuplicateDecision,
    Signal,
    SignalSituationLink,
    SignalStatus,
    Situation,
    SituationMember,
    Source,
)
from r2p.countries import countries_in_region
from r2p.models import User

MARK_START, MARK_END = "\x02", "\x03"

SIGNAL_SORTS = {
    "newest": ("-id",),
    "oldest": ("id",),
    "occurred": ("-occurred_on", "-id"),
    "fatalities": (F("fatalities_best").desc(nulls_last=True), "-id"),
    "credibility": ("credibility", "-id"),
    "relevance": ("-rank", "-id"),
}


# What a row of a signal table shows (the inbox, search results). A page of rows is read as
# plain values and wrapped in SignalRow: building 50 Signal and 50 Source model instances cost
# more than PostgreSQL's whole work for the page.
SIGNAL_ROW_FIELDS = (
    "id",
    "headline",
    "occurred_on",
    "occurred_precision",
    "country",
    "admin1",
    "category",
    "fatalities_best",
    "fatalities_low",
    "fatalities_high",
    "classification",
    "credibility",
    "status",
    "duplicate_of_id",
    "cluster_id",
    "created_by_id",
    "source__pseudonym",
    "source__reliability",
)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A source as a table row shows it: pseudonym and reliability grade, nothing else."""

    pseudonym: str
    reliability: str


@dataclass(slots=True)
class SignalRow:
    """One row of a signal table, built from the values of SIGNAL_ROW_FIELDS (see signal_rows)."""

    pk: int
    headline: str
    occurred_on: date
    occurred_precision: str
    country: str
    admin1: str
    category: str
    fatalities_best: int | None
    fatalities_low: int | None
    fatalities_high: int | None
    classification: int
    credibility: int
    status: str
    duplicate_of_id: int | None
    cluster_id: int | None
    created_by_id: int | None
    source: SourceRef
    # Set with a text query (signal_list's annotations) and by the inbox's relevance order.
    rank: float | None = None
    headline_marked: str = ""
    description_marked: str = ""
    rank_key: int | None = None
    # Filled in by the page that shows the row.
    corroboration: int = 1
    country_label: str = ""

    @property
    def id(self) -> int:
        return self.pk

    def get_category_display(self) -> str:
        return Category(self.category).label

    def get_status_display(self) -> str:
        return SignalStatus(self.status).label


def signal_rows(values: Iterable[dict[str, Any]]) -> list[SignalRow]:
    """Rows of signal_table() (or any slice of it) as SignalRow objects."""
    rows = []
    for value in values:
        value["pk"] = value.pop("id")
        source = SourceRef(value.pop("source__pseudonym"), value.pop("source__reliability"))
        value["source"] = source
        rows.append(SignalRow(**value))
    return rows


@dataclass(frozen=True)
class SignalFilters:
    """The inbox's filters; every field optional. Validation of raw input is the form's job."""

    q: str = ""
    region: str = ""
    country: str = ""
    category: str = ""
    source_type: str = ""
    reliability: str = ""
    credibility: int | None = None
    classification: int | None = None
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    situation: int | None = None
    sort: str = "newest"


def signal_list(*, user: User, filters: SignalFilters) -> QuerySet[Signal]:
    """Visible signals matching the filters, with their source.

    With a text query, rows carry `rank` and `headline_marked` / `description_marked`: the text
    with each match between MARK_START and MARK_END. ts_headline does not escape HTML, so pages
    render these only through the `marked` filter (cases/templatetags/cases.py), which escapes
    everything and then turns the two markers into <mark> tags.
    """
    # The search column is for the index and the WHERE clause; no page ever shows it.
    return _signal_query(
        user, filters, Signal.objects.select_related("source").defer("search_vector")
    )


def signal_table(*, user: User, filters: SignalFilters) -> QuerySet[Signal]:
    """signal_list as the values of SIGNAL_ROW_FIELDS (plus the text query's annotations), for
    pages of rows: slice it, then pass the slice to signal_rows()."""
    return _signal_query(user, filters, Signal.objects.values(*SIGNAL_ROW_FIELDS))


def _signal_query(user: User, filters: SignalFilters, base: QuerySet[Signal]) -> QuerySet[Signal]:
    queryset = access.signals_visible(user, base)
    # Collected first and applied in one filter(): each filter() call copies the whole query,
    # which on a 50-row page costs more than PostgreSQL's work.
    lookups: dict[str, object] = {}
    for field, value in (
        ("status", filters.status),
        ("country", filters.country),
        ("category", filters.category),
        ("source__source_type", filters.source_type),
        ("source__reliability", filters.reliability),
        ("occurred_on__gte", filters.date_from),
        ("occurred_on__lte", filters.date_to),
    ):
        if value:
            lookups[field] = value
    if filters.region:
        lookups["country__in"] = countries_in_region(filters.region)
    if filters.credibility is not None:
        lookups["credibility"] = filters.credibility
    if filters.classification is not None:
        lookups["classification"] = filters.classification
    if filters.situation:
        lookups["pk__in"] = SignalSituationLink.objects.filter(
            situation_id=filters.situation
        ).values("signal_id")
    if lookups:
        queryset = queryset.filter(**lookups)
    sort = filters.sort if filters.sort in SIGNAL_SORTS else "newest"
    if filters.q.strip():
        query = SearchQuery(filters.q.strip(), search_type="websearch", config="english")
        queryset = queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query),
            headline_marked=SearchHeadline(
                "headline",
                query,
                config="english",
                start_sel=MARK_START,
                stop_sel=MARK_END,
                highlight_all=True,
            ),
            description_marked=SearchHeadline(
                "description",
                query,
                config="english",
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=40,
                min_words=15,
            ),
        )
    elif sort == "relevance":
        sort = "newest"
    return queryset.order_by(*SIGNAL_SORTS[sort])


def signal_corroboration(signals: list[Signal]) -> dict[int, int]:
    """For each signal id: how many independent sources report its event (1 when unclustered)."""
    clusters = {s.cluster_id for s in signals if s.cluster_id}
    counts = dict(
        Signal.objects.filter(cluster_id__in=clusters)
        .exclude(status=SignalStatus.DUPLICATE)
        .values("cluster_id")
        .annotate(n=Count("source_id", distinct=True))
        .values_list("cluster_id", "n")
    )
    return {s.pk: counts.get(s.cluster_id, 1) if s.cluster_id else 1 for s in signals}


_PRECISION_SLACK = {
    DatePrecision.DAY: 3,
    DatePrecision.WEEK: 7,
    DatePrecision.MONTH: 31,
    DatePrecision.YEAR: 366,
}
DUPLICATE_MIN_SIMILARITY = 0.3
DUPLICATE_MAX_KM = 25.0


def _date_window(signal: Signal) -> Q:
    """Dates close enough to be the same event, in both directions: the window is the wider of
    the two signals' precisions (a month-precise report matches a day-precise one and back)."""
    own = _PRECISION_SLACK.get(signal.occurred_precision, 3)
    slack = timedelta(days=own)
    window = Q(
        occurred_on__gte=signal.occurred_on - slack, occurred_on__lte=signal.occurred_on + slack
    )
    for precision, days in _PRECISION_SLACK.items():
        if days > own:
            wide = timedelta(days=days)
            window |= Q(
                occurred_precision=precision,
                occurred_on__gte=signal.occurred_on - wide,
                occurred_on__lte=signal.occurred_on + wide,
            )
    return window


def signal_duplicate_candidates(*, signal: Signal, user: User, limit: int = 5) -> list[Signal]:
    """Likely reports of the same event, best first, that the analyst has not ruled on yet.

    Same country; dates within a few days (wider for coarse dates); near each other when both
    have coordinates; and similar wording by pg_trgm similarity of the headlines.
    """
    from django.contrib.postgres.search import TrigramSimilarity

    decided = DuplicateDecision.objects.filter(Q(signal=signal) | Q(candidate=signal)).values_list(
        "signal_id", "candidate_id"
    )
    ruled_out = {pk for pair in decided for pk in pair} - {signal.pk}
    candidates = (
        access.signals_visible(user, Signal.objects.select_related("source"))
        .filter(_date_window(signal), country=signal.country)
        .exclude(pk=signal.pk)
        .exclude(pk__in=ruled_out)
        .exclude(status=SignalStatus.DUPLICATE)
        .annotate(similarity=TrigramSimilarity("headline", signal.headline))
    )
    if signal.cluster_id:
        candidates = candidates.exclude(cluster_id=signal.cluster_id)
    if signal.latitude is not None:
        # About 111 km per degree of latitude; a box first, the index-friendly way.
        degrees = DUPLICATE_MAX_KM / 111.0
        near = Q(latitude__isnull=True) | Q(
            latitude__range=(signal.latitude - degrees, signal.latitude + degrees),
            longitude__range=(signal.longitude - 2 * degrees, signal.longitude + 2 * degrees),
        )
        candidates = candidates.filter(near)
    return list(
        candidates.filter(similarity__gte=DUPLICATE_MIN_SIMILARITY).order_by("-similarity", "-id")[
            :limit
        ]
    )


def situation_list(
    *, user: User, region: str = "", country: str = "", status: str = "", team: bool = False
) -> QuerySet[Situation]:
    queryset = access.situations_visible(user, Situation.objects.select_related("lead_analyst"))
    if region:
        queryset = queryset.filter(Q(regions__contains=[region]) | Q(subregions__contains=[region]))
    if country:
        queryset = queryset.filter(countries__contains=[country])
    if status:
        queryset = queryset.filter(status=status)
    if team:
        queryset = queryset.filter(members__user=user)
    # Count only the signals this user may see: a count of hidden ones would itself tell.
    visible_counts = (
        access.signals_visible(user)
        .filter(situation_links__situation=OuterRef("pk"))
        .order_by()
        .values("situation_links__situation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(signal_count=Coalesce(Subquery(visible_counts), 0)).order_by("title")


@dataclass
class SituationOverview:
    team: list[SituationMember]
    weekly: list[dict]  # {"week": date, "category": str, "count": int}
    total_fatalities: int
    signal_count: int
    latest: list[Signal]


def situation_overview(*, situation: Situation, user: User, weeks: int = 26) -> SituationOverview:
    """What the situation page shows, in a fixed number of queries whatever the size."""
    linked = access.signals_visible(user).filter(situation_links__situation=situation)
    since = date.today() - timedelta(weeks=weeks)
    weekly = list(
        linked.filter(occurred_on__gte=since)
        .annotate(week=TruncWeek("occurred_on"))
        .values("week", "category")
        .annotate(count=Count("id"))
        .order_by("week", "category")
    )
    totals = linked.aggregate(fatalities=Sum("fatalities_best"), n=Count("id"))
    latest = list(linked.select_related("source").order_by("-occurred_on", "-id")[:15])
    team = list(situation.members.select_related("user").order_by("user__username"))
    return SituationOverview(
        team=team,
        weekly=weekly,
        total_fatalities=totals["fatalities"] or 0,
        signal_count=totals["n"] or 0,
        latest=latest,
    )


def source_list(*, user: User) -> QuerySet[Source]:
    return access.sources_visible(user).annotate(signal_count=Count("signals"))


def situation_search(*, user: User, q: str, limit: int = 20) -> list[Situation]:
    """Visible situations whose reference, title, countries or summary mention `q`."""
    text = q.strip()
    if not text:
        return []
    condition = (
        Q(reference__iexact=text)
        | Q(title__icontains=text)
        | Q(summary__icontains=text)
        | Q(countries__contains=[text.upper()])
    )
    return list(
        access.situations_visible(user, Situation.objects.select_related("lead_analyst"))
        .filter(condition)
        .order_by("title")[:limit]
    )
