"""The triage inbox, through its pages: filters, search, orders, pages, bulk triage, duplicates."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import selectors, services
from cases.forms.inbox import SORT_CHOICES
from cases.models import (
    DuplicateDecision,
    SignalSituationLink,
    SignalStatus,
)
from cases.selectors import SignalFilters
from cases.views import inbox as inbox_views
from r2p.models import AuditEvent, Classification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INBOX = "/inbox/"


# --- Data -------------------------------------------------------------------------------------


@pytest.fixture
def field_office(analyst):
    return services.source_create(
        created_by=analyst,
        source_type="un_field_presence",
        reliability="B",
        classification=Classification.CONFIDENTIAL,
        name="Field office Nyala",
    )


@pytest.fixture
def newspaper(analyst):
    return services.source_create(
        created_by=analyst,
        source_type="media",
        reliability="D",
        classification=Classification.PUBLIC,
        name="Daily Courier",
    )


@pytest.fixture
def darfur(analyst):
    return services.situation_create(
        created_by=analyst,
        title="Darfur",
        countries=["SDN"],
        classification=Classification.CONFIDENTIAL,
    )


def file_signal(actor, source, **fields):
    data = {
        "headline": "Armed men burned houses in a village",
        "description": "",
        "occurred_on": date(2025, 3, 10),
        "country": "SDN",
        "category": "violence_against_civilians",
        "source": source,
        "credibility": 2,
        "classification": Classification.PUBLIC,
    }
    data.update(fields)
    return services.signal_create(actor=actor, data=data)


def ids_on(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-signal="(\d+)"', response.content.decode())]


def text_of(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Who may use it ---------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/inbox/")


@pytest.mark.parametrize("person", ["outsider", "liaison", "auditor", "partner", "sg_office"])
def test_people_who_do_not_triage_get_nothing_from_the_inbox(
    client, request, person, analyst, newspaper, darfur
):
    signal = file_signal(analyst, newspaper, headline="Public report of shelling near Nyala")
    other = file_signal(analyst, newspaper, headline="Public report of shelling near Nyala town")
    client.force_login(request.getfixturevalue(person))
    for response in (
        client.get(INBOX),
        client.get(INBOX, {"status": ""}),
        client.get(f"/inbox/{signal.pk}/duplicates/"),
        client.post(
            "/inbox/bulk/",
            {"signals": [signal.pk], "action": "dismiss", "reason": "noise"},
        ),
        client.post(f"/inbox/{signal.pk}/duplicates/{other.pk}/", {"verdict": "different"}),
    ):
        assert response.status_code == 404
        assert "shelling" not in response.content.decode()
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NEW
    assert not DuplicateDecision.objects.exists()


def test_the_form_and_the_pages_offer_every_order_the_selector_knows():
    offered = {value for value, _ in SORT_CHOICES}
    assert offered == set(selectors.SIGNAL_SORTS) == set(inbox_views.INBOX_ORDERS)


def test_the_url_names_are_those_the_navigation_uses():
    assert reverse("cases:inbox") == INBOX
    assert reverse("cases:inbox-bulk") == "/inbox/bulk/"
    assert reverse("cases:inbox-duplicates", args=[7]) == "/inbox/7/duplicates/"
    assert reverse("cases:inbox-duplicate-decide", args=[7, 9]) == "/inbox/7/duplicates/9/"


# --- The list ---------------------------------------------------------------------------------


def test_an_analyst_sees_new_signals_with_grade_source_pseudonym_and_marking(
    client, analyst, field_office, newspaper
):
    confidential = file_signal(
        analyst,
        field_office,
        headline="Militia gathering east of El Geneina",
        classification=Classification.CONFIDENTIAL,
        occurred_precision="month",
        fatalities_best=12,
        fatalities_low=10,
        fatalities_high=15,
        credibility=3,
    )
    dismissed = file_signal(analyst, newspaper, headline="Rumour of a curfew")
    services.signal_dismiss(signal=dismissed, actor=analyst, reason="Unfounded rumour")
    client.force_login(analyst)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert ids_on(response) == [confidential.pk]
    page = response.content.decode()
    text = text_of(response)
    assert "B3" in text and field_office.pseudonym in page
    assert "Field office Nyala" not in page  # the identity, never
    assert "Mar 2025" in text and "10 Mar 2025" not in text  # only the month is known
    assert "12 (10\u201315)" in " ".join(text.split())
    assert re.search(r'id="marking-top"[^>]*>CONFIDENTIAL<', page)
    assert 'name="status"' in page and '<option value="new" selected>' in page


def test_the_page_marking_is_public_when_nothing_classified_is_shown(client, analyst, newspaper):
    file_signal(analyst, newspaper)
    client.force_login(analyst)
    page = client.get(INBOX).content.decode()
    assert re.search(r'id="marking-top"[^>]*>PUBLIC<', page)


@pytest.fixture
def two_of_everything(analyst, field_office, newspaper):
    """Two signals that differ on every filter: Sudan vs Myanmar, and so on."""
    sudan = file_signal(
        analyst,
        field_office,
        headline="Village burned in West Darfur",
        country="SDN",
        category="violence_against_civilians",
        credibility=2,
        classification=Classification.CONFIDENTIAL,
        occurred_on=date(2025, 3, 10),
    )
    myanmar = file_signal(
        analyst,
        newspaper,
        headline="Hate speech broadcast in Rakhine",
        country="MMR",
        category="incitement",
        credibility=4,
        classification=Classification.PUBLIC,
        occurred_on=date(2024, 11, 2),
    )
    return sudan, myanmar


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "Africa"}, "sudan"),
        ({"region": "South-eastern Asia"}, "myanmar"),
        ({"country": "MMR"}, "myanmar"),
        ({"category": "violence_against_civilians"}, "sudan"),
        ({"source_type": "media"}, "myanmar"),
        ({"reliability": "B"}, "sudan"),
        ({"credibility": "4"}, "myanmar"),
        ({"classification": "1"}, "sudan"),
        ({"date_from": "2025-01-01"}, "sudan"),
        ({"date_to": "2024-12-31"}, "myanmar"),
        ({"date_from": "2024-11-01", "date_to": "2024-11-30"}, "myanmar"),
    ],
)
def test_each_filter_narrows_the_list(client, analyst, two_of_everything, params, expected):
    sudan, myanmar = two_of_everything
    client.force_login(analyst)
    assert sorted(ids_on(client.get(INBOX))) == sorted([sudan.pk, myanmar.pk])
    response = client.get(INBOX, params)
    assert response.status_code == 200
    wanted = {"sudan": sudan, "myanmar": myanmar}[expected]
    assert ids_on(response) == [wanted.pk]
    assert "1 signal matches" in text_of(response)


def test_the_status_filter_shows_new_by_default_and_every_status_on_request(
    client, analyst, newspaper, darfur
):
    new = file_signal(analyst, newspaper, headline="New one")
    triaged = file_signal(analyst, newspaper, headline="Triaged one")
    services.signal_link(signal=triaged, situation=darfur, actor=analyst)
    dismissed = file_signal(analyst, newspaper, headline="Dismissed one")
    services.signal_dismiss(signal=dismissed, actor=analyst, reason="Off topic")
    client.force_login(analyst)
    assert ids_on(client.get(INBOX)) == [new.pk]
    assert ids_on(client.get(INBOX, {"status": "triaged"})) == [triaged.pk]
    assert ids_on(client.get(INBOX, {"status": "dismissed"})) == [dismissed.pk]
    assert ids_on(client.get(INBOX, {"status": ""})) == [dismissed.pk, triaged.pk, new.pk]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"date_from": "2025-03-01", "date_to": "2025-02-01"}, "date_to", "before the start"),
        ({"category": "alien_invasion"}, "category", "Unknown category"),
        ({"credibility": "9"}, "credibility", "Unknown credibility"),
        ({"classification": "top-secret"}, "classification", "Unknown classification"),
        ({"country": "ZZZ"}, "country", "Unknown country"),
        ({"region": "Atlantis"}, "region", "Unknown region"),
        ({"status": "burned"}, "status", "Unknown status"),
        ({"sort": "random"}, "sort", "Unknown order"),
        ({"date_from": "10/03/2025"}, "date_from", "YYYY-MM-DD"),
        ({"q": "village\x00"}, "q", "Null characters are not allowed"),
    ],
)
def test_invalid_filters_are_explained_beside_the_field_not_a_server_error(
    client, analyst, newspaper, params, field, words
):
    file_signal(analyst, newspaper, headline="Should not be listed while filters are wrong")
    client.force_login(analyst)
    response = client.get(INBOX, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    page = response.content.decode()
    assert words in unescape(page)
    assert "field--invalid" in page and "Fix the filters marked above" in page
    assert ids_on(response) == []


def test_search_finds_word_stems_highlights_them_and_escapes_planted_markup(
    client, analyst, newspaper
):
    planted = file_signal(
        analyst,
        newspaper,
        headline="Gunmen <script>alert('x')</script> attacked the market in Nyala",
        description="Witnesses said the gunmen were attacking traders while police watched.",
    )
    file_signal(analyst, newspaper, headline="Floods displaced families in Kassala")
    client.force_login(analyst)
    response = client.get(INBOX, {"q": "attack"})
    assert ids_on(response) == [planted.pk]
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<mark>attacked</mark> the market" in page
    assert "<mark>attacking</mark> traders" in page  # the description snippet, under it
    assert response.context["filters"].sort == "relevance"
    assert '<option value="" selected>Newest, or best match</option>' in page


def test_an_empty_search_says_what_to_try_next(client, analyst, newspaper):
    file_signal(analyst, newspaper)
    client.force_login(analyst)
    text = text_of(client.get(INBOX, {"q": "zeppelin"}))
    assert "No new signal matches “zeppelin”" in text and "search every status" in text


def test_an_empty_inbox_says_what_to_do_next(client, analyst):
    client.force_login(analyst)
    text = text_of(client.get(INBOX))
    assert "The inbox is empty" in text and "review triaged and dismissed signals" in text


def test_relevance_without_words_falls_back_to_newest_and_says_so(client, analyst, newspaper):
    older = file_signal(analyst, newspaper)
    newer = file_signal(analyst, newspaper)
    client.force_login(analyst)
    response = client.get(INBOX, {"sort": "relevance"})
    assert ids_on(response) == [newer.pk, older.pk]
    assert '<option value="" selected>Newest, or best match</option>' in response.content.decode()


@pytest.fixture
def sortable(analyst, field_office, newspaper):
    first = file_signal(
        analyst,
        newspaper,
        occurred_on=date(2025, 1, 5),
        fatalities_best=3,
        credibility=4,
        headline="Clash at the border post",
    )
    second = file_signal(
        analyst,
        field_office,
        occurred_on=date(2025, 2, 5),
        fatalities_best=None,
        credibility=1,
        headline="Clash and clash again at the border post, clash",
    )
    third = file_signal(
        analyst,
        newspaper,
        occurred_on=date(2024, 12, 5),
        fatalities_best=40,
        credibility=2,
        headline="Border town shelled",
    )
    return first, second, third


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("newest", [2, 1, 0]),
        ("oldest", [0, 1, 2]),
        ("occurred", [1, 0, 2]),
        ("fatalities", [2, 0, 1]),  # unknown counts last
        ("credibility", [1, 2, 0]),
    ],
)
def test_each_order_sorts_the_list(client, analyst, sortable, sort, order):
    client.force_login(analyst)
    response = client.get(INBOX, {"sort": sort})
    assert ids_on(response) == [sortable[i].pk for i in order]


def test_best_match_puts_the_most_relevant_first(client, analyst, sortable):
    first, second, _third = sortable
    client.force_login(analyst)
    assert ids_on(client.get(INBOX, {"q": "clash"})) == [second.pk, first.pk]


def _walk(client, params):
    """Follow `next` links to the end, then `previous` links back; return both walks."""
    forward, response = [], client.get(INBOX, params)
    pages = []
    while True:
        assert response.status_code == 200
        pages.append(ids_on(response))
        forward += pages[-1]
        following = response.context["page"].next_query
        if not following:
            break
        response = client.get(INBOX + following)
    backward = [pages[-1]]
    while response.context["page"].previous_query:
        response = client.get(INBOX + response.context["page"].previous_query)
        backward.append(ids_on(response))
    return forward, pages, list(reversed(backward))


@pytest.mark.parametrize("sort", ["newest", "oldest", "occurred", "fatalities", "credibility"])
def test_next_and_previous_pages_walk_the_whole_list_in_order_and_back(
    client, analyst, newspaper, monkeypatch, sort
):
    monkeypatch.setattr(inbox_views, "PAGE_SIZE", 3)
    for n in range(11):
        file_signal(
            analyst,
            newspaper,
            headline=f"Report number {n}",
            occurred_on=date(2025, 1, 1) + timedelta(days=n % 4),  # ties, broken by id
            fatalities_best=None if n % 3 == 0 else n % 5,  # ties and missing counts
            credibility=1 + n % 3,
        )
    client.force_login(analyst)
    expected = [
        s.pk
        for s in selectors.signal_list(user=analyst, filters=SignalFilters(status="new", sort=sort))
    ]
    forward, pages, backward = _walk(client, {"sort": sort})
    assert forward == expected
    assert [len(p) for p in pages] == [3, 3, 3, 2]
    assert backward == pages


def test_pages_by_relevance_cover_every_match_once(client, analyst, newspaper, monkeypatch):
    monkeypatch.setattr(inbox_views, "PAGE_SIZE", 2)
    matches = {
        file_signal(analyst, newspaper, headline=" ".join(["shelling"] * (1 + n % 3))).pk
        for n in range(7)
    }
    file_signal(analyst, newspaper, headline="Unrelated floods")
    client.force_login(analyst)
    forward, pages, backward = _walk(client, {"q": "shelling"})
    assert sorted(forward) == sorted(matches)
    assert backward == pages
    assert "7 signals match" in text_of(client.get(INBOX, {"q": "shelling"}))


def test_an_unreadable_cursor_shows_the_first_page(client, analyst, newspaper):
    signal = file_signal(analyst, newspaper)
    client.force_login(analyst)
    for cursor in ("junk", "~", "2025-99-01~3", "9" * 40):
        response = client.get(INBOX, {"sort": "occurred", "after": cursor})
        assert response.status_code == 200
        assert ids_on(response) == [signal.pk]


def test_the_query_count_does_not_grow_with_the_page(
    client, analyst, field_office, newspaper, darfur
):
    def fill(n):
        for i in range(n):
            signal = file_signal(
                analyst,
                field_office if i % 2 else newspaper,
                headline=f"Attack on a market, report {i}",
                description="Shops burned; traders attacked.",
            )
            if i % 5 == 0:
                partner = file_signal(analyst, field_office, headline=f"Market attack {i}")
                services.duplicate_decide(
                    signal=signal, candidate=partner, same_event=True, actor=analyst
                )

    client.force_login(analyst)
    client.get(INBOX)  # warm the per-process caches (content types, countries)
    counts = {}
    fill(10)
    for n in (10, 50):
        if n == 50:
            fill(40)
        for params in ({}, {"q": "market"}, {"sort": "fatalities", "country": "SDN"}):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(INBOX, params)
            assert len(ids_on(response)) >= n
            counts.setdefault(str(params), []).append(len(queries))
    for params, (ten, fifty) in counts.items():
        assert ten == fifty, params
        assert fifty <= 14, params


def test_a_broad_list_is_counted_up_to_a_cap(client, analyst, newspaper, monkeypatch):
    monkeypatch.setattr(inbox_views, "COUNT_CAP", 3)
    for _ in range(5):
        file_signal(analyst, newspaper)
    client.force_login(analyst)
    assert "More than 3 signals match" in text_of(client.get(INBOX))


# --- Visibility -------------------------------------------------------------------------------


def test_another_teams_triaged_confidential_signal_is_hidden_while_untriaged_ones_show(
    client, analyst, field_office
):
    kofi = UserFactory(username="kofi", role="analyst", clearance=Classification.CONFIDENTIAL)
    myanmar = services.situation_create(
        created_by=kofi, title="Rakhine", countries=["MMR"], classification=1
    )
    triaged = file_signal(
        kofi, field_office, headline="Confidential report, Rakhine team", classification=1
    )
    services.signal_link(signal=triaged, situation=myanmar, actor=kofi)
    untriaged = file_signal(
        kofi, field_office, headline="Confidential report, not yet triaged", classification=1
    )
    client.force_login(analyst)
    response = client.get(INBOX, {"status": ""})
    assert ids_on(response) == [untriaged.pk]
    assert "Rakhine team" not in response.content.decode()
    assert ids_on(client.get(INBOX, {"status": "triaged"})) == []
    # ... nor reachable by search, by its duplicates page, or by a bulk action.
    assert ids_on(client.get(INBOX, {"status": "", "q": "Rakhine"})) == []
    assert client.get(f"/inbox/{triaged.pk}/duplicates/").status_code == 404
    response = client.post(
        "/inbox/bulk/", {"signals": [triaged.pk], "action": "dismiss", "reason": "x"}
    )
    assert "no such signal that you can see" in " ".join(flash(response))
    triaged.refresh_from_db()
    assert triaged.status == SignalStatus.TRIAGED
    # Kofi, on the team, sees it.
    client.force_login(kofi)
    assert triaged.pk in ids_on(client.get(INBOX, {"status": ""}))


def test_an_analyst_is_offered_only_situations_she_may_see(client, analyst, senior_analyst):
    secret = services.situation_create(
        created_by=senior_analyst,
        title="Closed-door file",
        countries=["MMR"],
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    client.force_login(analyst)
    page = client.get(INBOX).content.decode()
    assert "Closed-door file" not in page and secret.reference not in page


# --- Bulk actions -----------------------------------------------------------------------------


def test_an_analyst_links_signals_to_her_situation_in_bulk_and_returns_to_her_list(
    client, analyst, newspaper, darfur
):
    one = file_signal(analyst, newspaper, headline="Burning of Misterei")
    two = file_signal(analyst, newspaper, headline="Attack on Murnei camp")
    untouched = file_signal(analyst, newspaper, headline="Not selected")
    client.force_login(analyst)
    back = "status=new&country=SDN&sort=oldest"
    response = client.post(
        "/inbox/bulk/",
        {"signals": [one.pk, two.pk], "action": "link", "situation": darfur.pk, "back": back},
    )
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query) == {
        "status": ["new"],
        "country": ["SDN"],
        "sort": ["oldest"],
    }
    assert flash(response) == [f"2 signals linked to {darfur.reference} (Darfur)."]
    for signal in (one, two):
        signal.refresh_from_db()
        assert signal.status == SignalStatus.TRIAGED
        link = SignalSituationLink.objects.get(signal=signal)
        assert link.situation == darfur and link.linked_by == analyst
        assert AuditEvent.objects.filter(
            action="signal.link", object_id=str(signal.pk), actor=analyst
        ).exists()
    untouched.refresh_from_db()
    assert untouched.status == SignalStatus.NEW
    assert ids_on(client.get(response["Location"])) == [untouched.pk]


def test_dismissing_in_bulk_requires_a_reason_beside_the_field(client, analyst, newspaper):
    signal = file_signal(analyst, newspaper)
    client.force_login(analyst)
    response = client.post(
        "/inbox/bulk/",
        {"signals": [signal.pk], "action": "dismiss", "reason": "  ", "back": "status=new"},
    )
    assert response.status_code == 400
    assert response.context["bulk_form"].errors["reason"] == [
        "Say why these signals are dismissed; the reason is kept."
    ]
    page = response.content.decode()
    assert "field--invalid" in page
    assert f'value="{signal.pk}" form="bulk" id="select-{signal.pk}"' in page
    assert re.search(rf'id="select-{signal.pk}"[^>]*checked', page)  # the selection is kept
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NEW


def test_dismissing_in_bulk_keeps_the_reason_and_audits(client, analyst, newspaper):
    signals = [file_signal(analyst, newspaper) for _ in range(3)]
    client.force_login(analyst)
    response = client.post(
        "/inbox/bulk/",
        {
            "signals": [s.pk for s in signals],
            "action": "dismiss",
            "reason": "Outside the mandate",
        },
    )
    assert flash(response) == ["3 signals dismissed."]
    for signal in signals:
        signal.refresh_from_db()
        assert signal.status == SignalStatus.DISMISSED
        assert signal.dismissed_reason == "Outside the mandate"
    assert AuditEvent.objects.filter(action="signal.status", summary__to="dismissed").count() == 3


def test_pressing_enter_in_the_reason_field_dismisses(client, analyst, newspaper):
    signal = file_signal(analyst, newspaper)
    client.force_login(analyst)
    # What a browser sends for Enter: the form's first button, the invisible "auto" one.
    client.post("/inbox/bulk/", {"signals": [signal.pk], "action": "auto", "reason": "Spam"})
    signal.refresh_from_db()
    assert signal.status == SignalStatus.DISMISSED and signal.dismissed_reason == "Spam"


def test_an_ambiguous_or_empty_bulk_request_is_explained(client, analyst, newspaper, darfur):
    signal = file_signal(analyst, newspaper)
    client.force_login(analyst)
    response = client.post(
        "/inbox/bulk/",
        {"signals": [signal.pk], "action": "auto", "reason": "Spam", "situation": darfur.pk},
    )
    assert response.status_code == 400
    assert "press Link, Dismiss or Mark duplicate" in unescape(response.content.decode())
    response = client.post("/inbox/bulk/", {"action": "dismiss", "reason": "Spam"})
    assert response.status_code == 400
    assert "Select at least one signal" in unescape(response.content.decode())
    response = client.post("/inbox/bulk/", {"signals": [signal.pk], "action": "link"})
    assert response.context["bulk_form"].errors["situation"] == [
        "Choose the situation these signals concern."
    ]
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NEW


def test_a_situation_the_analyst_cannot_see_is_refused(client, analyst, newspaper, senior_analyst):
    secret = services.situation_create(
        created_by=senior_analyst,
        title="Closed-door file",
        countries=["MMR"],
        classification=Classification.STRICTLY_CONFIDENTIAL,
    )
    signal = file_signal(analyst, newspaper)
    client.force_login(analyst)
    response = client.post(
        "/inbox/bulk/", {"signals": [signal.pk], "action": "link", "situation": secret.pk}
    )
    assert response.status_code == 400
    assert "not one you can link to" in response.content.decode()
    assert "Closed-door file" not in response.content.decode()
    assert not SignalSituationLink.objects.exists()


def test_marking_duplicates_in_bulk_clusters_them_with_the_original(client, analyst, newspaper):
    original = file_signal(analyst, newspaper, headline="Market shelled in El Fasher")
    copies = [file_signal(analyst, newspaper, headline="Market shelled, El Fasher") for _ in "ab"]
    client.force_login(analyst)
    response = client.post(
        "/inbox/bulk/",
        {"signals": [c.pk for c in copies], "action": "duplicate", "original": original.pk},
    )
    assert flash(response) == [f"2 signals marked as duplicates of #{original.pk}."]
    original.refresh_from_db()
    for copy in copies:
        copy.refresh_from_db()
        assert copy.status == SignalStatus.DUPLICATE and copy.duplicate_of == original
        assert copy.cluster_id == original.cluster_id is not None


def test_an_original_that_does_not_exist_is_refused_beside_the_field(client, analyst, newspaper):
    signal = file_signal(analyst, newspaper)
    client.force_login(analyst)
    response = client.post(
        "/inbox/bulk/", {"signals": [signal.pk], "action": "duplicate", "original": 999999}
    )
    assert response.status_code == 400
    assert response.context["bulk_form"].errors["original"] == [
        "There is no signal #999999 that you can see."
    ]


def test_partial_failures_are_reported_signal_by_signal(client, analyst, newspaper):
    fine = file_signal(analyst, newspaper)
    already = file_signal(analyst, newspaper)
    services.signal_dismiss(signal=already, actor=analyst, reason="Earlier")
    client.force_login(analyst)
    response = client.post(
        "/inbox/bulk/",
        {"signals": [fine.pk, already.pk, 999999], "action": "dismiss", "reason": "Noise"},
    )
    assert flash(response) == [
        "1 signal dismissed.",
        f"2 signals could not be dismissed: #{already.pk}: A dismissed signal cannot become "
        "dismissed.; #999999: no such signal that you can see",
    ]
    already.refresh_from_db()
    assert already.dismissed_reason == "Earlier"


def test_a_signal_cannot_be_marked_a_duplicate_of_itself_in_bulk(client, analyst, newspaper):
    original = file_signal(analyst, newspaper)
    copy = file_signal(analyst, newspaper)
    client.force_login(analyst)
    response = client.post(
        "/inbox/bulk/",
        {"signals": [original.pk, copy.pk], "action": "duplicate", "original": original.pk},
    )
    messages = flash(response)
    assert messages[0] == f"1 signal marked as duplicates of #{original.pk}."
    assert f"#{original.pk}: A signal cannot duplicate itself." in messages[1]


def test_the_way_back_after_a_bulk_action_cannot_leave_the_inbox(client, analyst, newspaper):
    signal = file_signal(analyst, newspaper)
    client.force_login(analyst)
    response = client.post(
        "/inbox/bulk/",
        {
            "signals": [signal.pk],
            "action": "dismiss",
            "reason": "x",
            "back": "next=https://evil.example/&country=SDN",
        },
    )
    assert response["Location"] == "/inbox/?country=SDN"


# --- Duplicates and corroboration -------------------------------------------------------------


@pytest.fixture
def same_event(analyst, field_office, newspaper):
    """One massacre reported by the field office and by a newspaper, and an unrelated report."""
    report = file_signal(
        analyst,
        field_office,
        headline="Killing of civilians in Jebel Marra villages",
        occurred_on=date(2025, 4, 2),
        latitude=13.1,
        longitude=24.3,
    )
    article = file_signal(
        analyst,
        newspaper,
        headline="Civilians killed in Jebel Marra villages",
        occurred_on=date(2025, 4, 3),
        classification=Classification.CONFIDENTIAL,
        latitude=13.15,
        longitude=24.35,
    )
    unrelated = file_signal(
        analyst, newspaper, headline="Fuel prices rise in Khartoum", occurred_on=date(2025, 4, 2)
    )
    return report, article, unrelated


def test_each_new_row_offers_its_duplicates_without_computing_them(
    client, analyst, same_event, darfur
):
    report, _article, unrelated = same_event
    client.force_login(analyst)
    page = client.get(INBOX).content.decode()
    assert page.count('<details class="dups"') == 3
    assert f'data-src="/inbox/{report.pk}/duplicates/?next=' in page
    # Without JavaScript, the disclosure holds a link to the suggestions as a page.
    assert f'href="/inbox/{report.pk}/duplicates/?next=/inbox/%3Fstatus%3Dnew' in page
    services.signal_link(signal=unrelated, situation=darfur, actor=analyst)
    page = client.get(INBOX, {"status": ""}).content.decode()
    assert page.count('<details class="dups"') == 2  # only for new signals


def test_the_duplicates_fragment_lists_likely_reports_of_the_same_event(
    client, analyst, same_event
):
    report, article, _unrelated = same_event
    client.force_login(analyst)
    response = client.get(f"/inbox/{report.pk}/duplicates/", HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and 'data-count="1"' in page
    assert "Civilians killed in Jebel Marra villages" in page
    assert "Fuel prices" not in page
    assert f'action="/inbox/{report.pk}/duplicates/{article.pk}/"' in page
    # Without JavaScript: a whole page, marked as its most sensitive row, with a way back.
    response = client.get(f"/inbox/{report.pk}/duplicates/", {"next": "/inbox/?country=SDN"})
    page = response.content.decode()
    assert "<html" in page and 'href="/inbox/?country=SDN"' in page
    assert re.search(r'id="marking-top"[^>]*>CONFIDENTIAL<', page)


def test_a_rejected_pair_is_kept_and_not_suggested_again(client, analyst, same_event):
    report, article, _ = same_event
    client.force_login(analyst)
    response = client.post(
        f"/inbox/{report.pk}/duplicates/{article.pk}/",
        {"verdict": "different", "next": "/inbox/?country=SDN"},
    )
    assert response.status_code == 302 and response["Location"] == "/inbox/?country=SDN"
    decision = DuplicateDecision.objects.get()
    assert (decision.signal, decision.candidate, decision.verdict, decision.decided_by) == (
        report,
        article,
        DuplicateDecision.Verdict.REJECTED,
        analyst,
    )
    for signal in (report, article):
        response = client.get(f"/inbox/{signal.pk}/duplicates/", HTTP_X_REQUESTED_WITH="fetch")
        assert 'data-count="0"' in response.content.decode()


def test_a_decision_never_sends_the_analyst_to_another_site(client, analyst, same_event):
    report, article, _ = same_event
    client.force_login(analyst)
    for target in ("https://evil.example/", "//evil.example/inbox/", "javascript:alert(1)"):
        response = client.post(
            f"/inbox/{report.pk}/duplicates/{article.pk}/", {"verdict": "same", "next": target}
        )
        assert response["Location"] == "/inbox/"


def test_confirming_a_pair_from_two_sources_shows_two_corroborating_sources(
    client, analyst, same_event
):
    report, article, unrelated = same_event
    client.force_login(analyst)
    response = client.post(
        f"/inbox/{report.pk}/duplicates/{article.pk}/",
        {"verdict": "same"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 200 and 'data-count="0"' in response.content.decode()
    report.refresh_from_db()
    article.refresh_from_db()
    assert report.cluster_id == article.cluster_id is not None
    assert report.status == article.status == SignalStatus.NEW  # two sources: corroboration
    response = client.get(INBOX)
    rows = {row.pk: row.corroboration for row in response.context["rows"]}
    assert rows == {report.pk: 2, article.pk: 2, unrelated.pk: 1}
    assert "2 independent sources report this event" in response.content.decode()


def test_confirming_a_pair_from_one_source_makes_the_later_a_duplicate(client, analyst, newspaper):
    first = file_signal(analyst, newspaper, headline="Attack on the Kalma camp market")
    again = file_signal(analyst, newspaper, headline="Attack on Kalma camp market")
    client.force_login(analyst)
    client.post(f"/inbox/{first.pk}/duplicates/{again.pk}/", {"verdict": "same"})
    again.refresh_from_db()
    assert again.status == SignalStatus.DUPLICATE and again.duplicate_of_id == first.pk
    assert ids_on(client.get(INBOX)) == [first.pk]


def test_a_decision_without_a_verdict_is_explained(client, analyst, same_event):
    report, article, _ = same_event
    client.force_login(analyst)
    response = client.post(
        f"/inbox/{report.pk}/duplicates/{article.pk}/", HTTP_X_REQUESTED_WITH="fetch"
    )
    assert response.status_code == 400
    assert "same event or different events" in response.content.decode()
    assert not DuplicateDecision.objects.exists()


def test_the_duplicates_of_a_missing_signal_are_not_found(client, analyst, same_event):
    report, *_ = same_event
    client.force_login(analyst)
    assert client.get("/inbox/999999/duplicates/").status_code == 404
    response = client.post(f"/inbox/{report.pk}/duplicates/999999/", {"verdict": "same"})
    assert response.status_code == 404


def test_after_a_bulk_action_the_analyst_is_back_on_the_same_page(
    client, analyst, newspaper, monkeypatch
):
    monkeypatch.setattr(inbox_views, "PAGE_SIZE", 2)
    signals = [file_signal(analyst, newspaper) for _ in range(5)]
    client.force_login(analyst)
    second = client.get(INBOX + client.get(INBOX, {"country": "SDN"}).context["page"].next_query)
    assert ids_on(second) == [signals[2].pk, signals[1].pk]
    back = second.context["bulk_form"]["back"].value()
    assert parse_qs(back) == {"status": ["new"], "country": ["SDN"], "after": [str(signals[3].pk)]}
    response = client.post(
        "/inbox/bulk/",
        {"signals": [signals[2].pk], "action": "dismiss", "reason": "Noise", "back": back},
    )
    assert ids_on(client.get(response["Location"])) == [signals[1].pk, signals[0].pk]
