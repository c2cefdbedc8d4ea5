"""The inbox's reads: signal_list, signal_corroboration and signal_duplicate_candidates."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import Signal, SignalStatus
from cases.selectors import (
    MARK_END,
    MARK_START,
    SignalFilters,
    signal_corroboration,
    signal_duplicate_candidates,
    signal_list,
    signal_rows,
    signal_table,
)
from r2p.models import Classification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def field_office(analyst):
    return services.source_create(
        created_by=analyst, source_type="un_field_presence", reliability="B", name="Field office"
    )


@pytest.fixture
def newspaper(analyst):
    return services.source_create(
        created_by=analyst, source_type="media", reliability="C", name="A newspaper"
    )


@pytest.fixture
def radio(analyst):
    return services.source_create(
        created_by=analyst, source_type="media", reliability="C", name="A radio station"
    )


def file_signal(actor, source, **fields) -> Signal:
    data = {
        "headline": "Armed men burned houses in Misterei village",
        "occurred_on": date(2025, 3, 10),
        "country": "SDN",
        "category": "violence_against_civilians",
        "source": source,
        "credibility": 2,
        "classification": Classification.PUBLIC,
    }
    data.update(fields)
    return services.signal_create(actor=actor, data=data)


def ids(signals) -> list[int]:
    return [s.pk for s in signals]


# --- signal_list ------------------------------------------------------------------------------


def test_search_marks_each_match_in_the_headline_and_the_description(analyst, newspaper):
    signal = file_signal(
        analyst,
        newspaper,
        headline="Soldiers detained students in Kosti",
        description="Families said the students were detained without charge.",
    )
    file_signal(analyst, newspaper, headline="Market prices doubled")
    (found,) = signal_list(user=analyst, filters=SignalFilters(q="detain"))
    assert found.pk == signal.pk
    assert found.headline_marked == f"Soldiers {MARK_START}detained{MARK_END} students in Kosti"
    assert f"were {MARK_START}detained{MARK_END} without" in found.description_marked
    assert found.rank > 0


def test_a_table_row_carries_what_the_row_shows_and_the_source_only_as_pseudonym_and_grade(
    analyst, field_office
):
    signal = file_signal(analyst, field_office, fatalities_best=4, admin1="Central Darfur")
    (row,) = signal_rows(signal_table(user=analyst, filters=SignalFilters()))
    assert (row.pk, row.headline, row.admin1, row.fatalities_best) == (
        signal.pk,
        "Armed men burned houses in Misterei village",
        "Central Darfur",
        4,
    )
    assert row.get_category_display() == "Violence against civilians"
    assert row.get_status_display() == "New"
    assert (row.source.pseudonym, row.source.reliability) == (field_office.pseudonym, "B")
    assert not hasattr(row.source, "name")


def test_table_rows_and_list_agree_on_search_and_highlights(analyst, newspaper):
    file_signal(analyst, newspaper, headline="Soldiers detained students in Kosti")
    file_signal(analyst, newspaper, headline="Market prices doubled")
    filters = SignalFilters(q="detain", sort="relevance")
    (row,) = signal_rows(signal_table(user=analyst, filters=filters))
    (found,) = signal_list(user=analyst, filters=filters)
    assert (row.pk, row.headline_marked, row.rank) == (found.pk, found.headline_marked, found.rank)


def test_a_table_page_is_one_query_whatever_its_size(analyst, newspaper):
    for number in range(12):
        file_signal(analyst, newspaper, headline=f"Report {number}")
    for size in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            rows = signal_rows(signal_table(user=analyst, filters=SignalFilters())[:size])
        assert len(rows) == size
        # the analyst's grants are subqueries of the page's query
        assert len(queries) == 1


def test_search_understands_phrases_and_exclusions(analyst, newspaper):
    burned = file_signal(analyst, newspaper, headline="Houses burned in Misterei")
    looted = file_signal(analyst, newspaper, headline="Houses looted in Misterei")
    assert ids(signal_list(user=analyst, filters=SignalFilters(q='"houses burned"'))) == [burned.pk]
    assert ids(signal_list(user=analyst, filters=SignalFilters(q="misterei -burned"))) == [
        looted.pk
    ]


def test_best_match_ranks_denser_matches_first(analyst, newspaper):
    once = file_signal(analyst, newspaper, headline="Shelling reported, then calm")
    often = file_signal(analyst, newspaper, headline="Shelling, more shelling, shelling again")
    found = signal_list(user=analyst, filters=SignalFilters(q="shelling", sort="relevance"))
    assert ids(found) == [often.pk, once.pk]


def test_relevance_without_a_query_means_newest(analyst, newspaper):
    older = file_signal(analyst, newspaper)
    newer = file_signal(analyst, newspaper)
    assert ids(signal_list(user=analyst, filters=SignalFilters(sort="relevance"))) == [
        newer.pk,
        older.pk,
    ]


def test_a_region_filter_takes_every_country_of_an_m49_subregion(analyst, newspaper):
    sudan = file_signal(analyst, newspaper, country="SDN")
    chad = file_signal(analyst, newspaper, country="TCD")
    file_signal(analyst, newspaper, country="MMR")
    assert ids(signal_list(user=analyst, filters=SignalFilters(region="Africa"))) == [
        chad.pk,
        sudan.pk,
    ]
    assert ids(signal_list(user=analyst, filters=SignalFilters(region="Northern Africa"))) == [
        sudan.pk
    ]


def test_the_situation_filter_keeps_its_linked_signals(analyst, newspaper):
    darfur = services.situation_create(created_by=analyst, title="Darfur", countries=["SDN"])
    linked = file_signal(analyst, newspaper)
    file_signal(analyst, newspaper)
    services.signal_link(signal=linked, situation=darfur, actor=analyst)
    assert ids(signal_list(user=analyst, filters=SignalFilters(situation=darfur.pk))) == [linked.pk]


def test_the_list_shows_nothing_to_liaisons_and_a_partner_only_what_it_sent(
    analyst, liaison, partner, newspaper
):
    file_signal(analyst, newspaper)
    assert list(signal_list(user=liaison, filters=SignalFilters())) == []
    assert list(signal_list(user=partner, filters=SignalFilters())) == []


def test_confidential_signals_follow_the_team_once_triaged(analyst, field_office):
    kofi = UserFactory(username="kofi", role="analyst", clearance=Classification.CONFIDENTIAL)
    rakhine = services.situation_create(
        created_by=kofi, title="Rakhine", countries=["MMR"], classification=1
    )
    triaged = file_signal(kofi, field_office, classification=1)
    services.signal_link(signal=triaged, situation=rakhine, actor=kofi)
    untriaged = file_signal(kofi, field_office, classification=1)
    assert ids(signal_list(user=analyst, filters=SignalFilters())) == [untriaged.pk]
    assert ids(signal_list(user=kofi, filters=SignalFilters())) == [untriaged.pk, triaged.pk]


# --- signal_corroboration ---------------------------------------------------------------------


def test_a_signal_nobody_else_reported_has_one_source(analyst, newspaper):
    signal = file_signal(analyst, newspaper)
    assert signal_corroboration([signal]) == {signal.pk: 1}


def test_two_sources_confirmed_to_report_one_event_corroborate_each_other(
    analyst, field_office, newspaper
):
    report = file_signal(analyst, field_office)
    article = file_signal(analyst, newspaper)
    alone = file_signal(analyst, newspaper, headline="Something else entirely")
    services.duplicate_decide(signal=report, candidate=article, same_event=True, actor=analyst)
    rows = list(Signal.objects.filter(pk__in=[report.pk, article.pk, alone.pk]))
    assert signal_corroboration(rows) == {report.pk: 2, article.pk: 2, alone.pk: 1}


def test_a_third_source_joining_the_cluster_makes_three(analyst, field_office, newspaper, radio):
    report = file_signal(analyst, field_office)
    article = file_signal(analyst, newspaper)
    broadcast = file_signal(analyst, radio)
    services.duplicate_decide(signal=report, candidate=article, same_event=True, actor=analyst)
    services.duplicate_decide(signal=broadcast, candidate=article, same_event=True, actor=analyst)
    rows = list(Signal.objects.all())
    assert set(signal_corroboration(rows).values()) == {3}


def test_the_same_source_twice_is_not_corroboration(analyst, field_office, newspaper):
    report = file_signal(analyst, field_office)
    again = file_signal(analyst, field_office)
    article = file_signal(analyst, newspaper)
    services.duplicate_decide(signal=report, candidate=article, same_event=True, actor=analyst)
    services.duplicate_decide(signal=report, candidate=again, same_event=True, actor=analyst)
    again.refresh_from_db()
    assert again.status == SignalStatus.DUPLICATE
    report.refresh_from_db()
    assert signal_corroboration([report]) == {report.pk: 2}


def test_corroboration_of_a_page_is_one_query(analyst, field_office, newspaper):
    for _ in range(6):
        first = file_signal(analyst, field_office)
        second = file_signal(analyst, newspaper)
        services.duplicate_decide(signal=first, candidate=second, same_event=True, actor=analyst)
    rows = list(Signal.objects.all())
    with CaptureQueriesContext(connection) as queries:
        counts = signal_corroboration(rows)
    assert len(queries) == 1
    assert set(counts.values()) == {2}


# --- signal_duplicate_candidates --------------------------------------------------------------


def candidates(signal, user) -> list[int]:
    return ids(signal_duplicate_candidates(signal=signal, user=user))


def test_a_report_of_the_same_event_is_suggested_and_the_unrelated_are_not(
    analyst, field_office, newspaper
):
    report = file_signal(analyst, field_office, headline="Houses burned in Misterei village")
    same = file_signal(
        analyst, newspaper, headline="Misterei village houses burned", occurred_on=date(2025, 3, 12)
    )
    file_signal(analyst, newspaper, headline="Fuel shortage in Khartoum")  # other words
    file_signal(analyst, newspaper, country="TCD")  # other country
    file_signal(analyst, newspaper, occurred_on=date(2025, 3, 20))  # ten days later
    assert candidates(report, analyst) == [same.pk]
    assert candidates(same, analyst) == [report.pk]


def test_a_coarse_date_widens_the_window(analyst, field_office, newspaper):
    month = file_signal(
        analyst, field_office, occurred_on=date(2025, 3, 1), occurred_precision="month"
    )
    later = file_signal(analyst, newspaper, occurred_on=date(2025, 3, 25))
    assert candidates(month, analyst) == [later.pk]


def test_reports_far_apart_are_not_suggested_but_those_without_coordinates_are(
    analyst, field_office, newspaper, radio
):
    here = file_signal(analyst, field_office, latitude=12.05, longitude=24.88)
    near = file_signal(analyst, newspaper, latitude=12.10, longitude=24.95)
    file_signal(analyst, newspaper, latitude=14.0, longitude=24.88)  # 200 km north
    unplaced = file_signal(analyst, radio)
    assert sorted(candidates(here, analyst)) == sorted([near.pk, unplaced.pk])


def test_a_decided_pair_is_not_suggested_again_either_way(analyst, field_office, newspaper):
    report = file_signal(analyst, field_office)
    article = file_signal(analyst, newspaper)
    services.duplicate_decide(signal=report, candidate=article, same_event=False, actor=analyst)
    assert candidates(report, analyst) == []
    assert candidates(article, analyst) == []


def test_a_confirmed_cluster_and_duplicates_are_not_suggested(
    analyst, field_office, newspaper, radio
):
    report = file_signal(analyst, field_office)
    article = file_signal(analyst, newspaper)
    copy = file_signal(analyst, radio)
    broadcast = file_signal(analyst, radio)
    services.duplicate_decide(signal=report, candidate=article, same_event=True, actor=analyst)
    services.signal_mark_duplicate(signal=copy, original=broadcast, actor=analyst)
    # The article is in the report's cluster; the copy is a duplicate: only the broadcast.
    assert candidates(report, analyst) == [broadcast.pk]


def test_suggestions_never_reveal_a_signal_the_analyst_cannot_see(analyst, field_office):
    kofi = UserFactory(username="kofi", role="analyst", clearance=Classification.CONFIDENTIAL)
    rakhine = services.situation_create(
        created_by=kofi, title="Darfur team", countries=["SDN"], classification=1
    )
    hidden = file_signal(kofi, field_office, classification=1)
    services.signal_link(signal=hidden, situation=rakhine, actor=kofi)
    mine = file_signal(analyst, field_office)
    assert candidates(mine, analyst) == []
    assert candidates(mine, kofi) == [hidden.pk]


def test_the_most_similar_come_first_up_to_the_limit(analyst, field_office, newspaper):
    report = file_signal(analyst, field_office, headline="Houses burned in Misterei village")
    close = file_signal(analyst, newspaper, headline="Houses burned in Misterei village today")
    looser = file_signal(analyst, newspaper, headline="Misterei: several houses were burned")
    found = signal_duplicate_candidates(signal=report, user=analyst, limit=5)
    assert ids(found) == [close.pk, looser.pk]
    assert found[0].similarity > found[1].similarity
    assert ids(signal_duplicate_candidates(signal=report, user=analyst, limit=1)) == [close.pk]
