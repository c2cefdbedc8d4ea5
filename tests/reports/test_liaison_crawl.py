"""A member-state liaison, let loose on the application, reads only what is hers.

Elena (liaison for Norway, cleared PUBLIC) logs in and follows every link she is shown, from
the home page on, breadth first; then she tries every route of the application that takes an
id, with the id of every report, briefing, releasable briefing, escalation, situation and
signal (and one that does not exist). Liv (liaison for Norway too, cleared CONFIDENTIAL) does
the same. Unmistakable strings are planted in what they must not read: the narrative of a
draft, of a report in review, of confidential reports released to Sweden and of a strictly
confidential one released to Norway; a situation's title, a signal's headline, an escalation's
summary (its briefing, released to Senegal, carries them too). None may appear in anything
either of them receives, pages and downloads alike. The public report they reach through the
links; the confidential report released to Norway only Liv reaches. Every answer is a page, a
404 or a redirect to log in: never a 403 that confirms a secret, never a 500 (a route that only
takes POST answers 405, for a missing id as for an existing one: that confirms nothing).

Dara (SG Office) and Bruno (senior analyst on the situation's team) open the same pages, to
show that each planted string is really there to be found.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.throttling import SimpleRateThrottle

from assessments import services as assessment_services
from cases import briefings, escalations
from cases import services as case_services
from cases.models import Briefing, BriefingStatus, Category, ReleasableBriefing
from r2p.models import AuditEvent
from reports import services
from reports.figures import Period
from reports.models import Report
from tests.factories import PASSWORD, UserFactory
from tests.reports.conftest import CONFIDENTIAL, PUBLIC, Q1, Q2, Q3, STRICT

pytestmark = pytest.mark.django_db


# Read by both liaisons.
PUBLIC_MARK = "SEENPUBLIC4K8"
# Released to Norway, CONFIDENTIAL: Liv reads it, Elena (cleared PUBLIC) does not.
NORWAY_MARK = "RELEASEDNOR5J3"
# Never read by either.
DRAFT_MARK = "PLANTDRAFT7X2"
REVIEW_MARK = "PLANTREVIEW3M5"
SWEDEN_MARK = "PLANTSWE9Q1"
STRICT_MARK = "PLANTSTRICT2W6"
SITUATION_MARK = "PLANTSITUATION8R4"
SIGNAL_MARK = "PLANTSIGNAL6T1"
ESCALATION_MARK = "PLANTESCALATION5P7"
NEVER = (
    DRAFT_MARK,
    REVIEW_MARK,
    SWEDEN_MARK,
    STRICT_MARK,
    SITUATION_MARK,
    SIGNAL_MARK,
    ESCALATION_MARK,
)
MAX_PAGES = 300


def narrative(mark: str) -> dict[str, str]:
    return {
        "executive_summary": f"Early warning reached the desk faster. {mark}",
        "progress_by_pillar": f"Pillar II assistance grew. {mark}",
        "recommendations": f"Fund the joint office's field analysts. {mark}",
    }


# --- The world: made once for the module (publishing renders PDFs), rolled back after it --------


def people() -> SimpleNamespace:
    """The named people of tests/conftest.py, with the same names, plus Liv."""
    return SimpleNamespace(
        amina=UserFactory(
            username="amina",
            first_name="Amina",
            last_name="Diallo",
            role="analyst",
            clearance=CONFIDENTIAL,
        ),
        bruno=UserFactory(
            username="bruno",
            first_name="Bruno",
            last_name="Okafor",
            role="senior-analyst",
            clearance=STRICT,
        ),
        chen=UserFactory(
            username="chen",
            first_name="Chen",
            last_name="Wei",
            role="special-adviser",
            clearance=STRICT,
        ),
        dara=UserFactory(
            username="dara",
            first_name="Dara",
            last_name="Haddad",
            role="sg-office",
            clearance=STRICT,
        ),
        elena=UserFactory(
            username="elena",
            first_name="Elena",
            last_name="Lindqvist",
            role="liaison",
            clearance=PUBLIC,
            member_state="NOR",
        ),
        liv=UserFactory(
            username="liv",
            first_name="Liv",
            last_name="Berg",
            role="liaison",
            clearance=CONFIDENTIAL,
            member_state="NOR",
        ),
    )


def report(dara, *, period: Period, audience: int, mark: str, to: str = "") -> Report:
    """A report taken as far as `to`: "" (a draft), "in_review", "published"."""
    made, _ = services.report_request(
        kind="quarterly", period=period, audience=audience, actor=dara
    )
    made = services.report_compile(report_id=made.pk)
    services.report_narrative_update(report=made, actor=dara, data=narrative(mark))
    if to in ("in_review", "published"):
        made = services.report_transition(report=made, actor=dara, action="submit")
    if to == "published":
        made = services.report_transition(report=made, actor=dara, action="publish")
    return made


def the_reports(dara) -> dict[str, Report]:
    public = report(dara, period=Q3, audience=PUBLIC, mark=PUBLIC_MARK, to="published")
    norway = report(dara, period=Q3, audience=CONFIDENTIAL, mark=NORWAY_MARK, to="published")
    services.report_release(report=norway, actor=dara, member_states=["NOR"])
    sweden = report(dara, period=Q2, audience=CONFIDENTIAL, mark=SWEDEN_MARK, to="published")
    services.report_release(report=sweden, actor=dara, member_states=["SWE", "DNK"])
    strict = report(dara, period=Q3, audience=STRICT, mark=STRICT_MARK, to="published")
    services.report_release(report=strict, actor=dara, member_states=["NOR"])
    draft = report(dara, period=Q2, audience=PUBLIC, mark=DRAFT_MARK)
    in_review = report(dara, period=Q1, audience=PUBLIC, mark=REVIEW_MARK, to="in_review")
    compiling, _ = services.report_request(
        kind="annual",
        period=Period(date(2025, 1, 1), date(2025, 12, 31)),
        audience=PUBLIC,
        actor=dara,
    )
    return {
        "public": public,
        "norway": norway,
        "sweden": sweden,
        "strict": strict,
        "draft": draft,
        "in_review": in_review,
        "compiling": compiling,
    }


def the_case(who: SimpleNamespace) -> dict[str, list[int]]:
    """A situation, its signals, an escalation taken to the desk (its briefing frozen) and a
    public version of the briefing released to Senegal: every record type a liaison must not
    reach, each carrying a planted string."""
    situation = case_services.situation_create(
        created_by=who.amina,
        title=f"Central Sahel {SITUATION_MARK}",
        countries=["MLI"],
        classification=PUBLIC,
    )
    for person in (who.bruno, who.chen):
        case_services.situation_member_add(situation=situation, user=person, actor=who.amina)
    # Two sources, so that the factor's evidence raises no flag and the assessment is approved.
    sources = [
        case_services.source_create(
            created_by=who.bruno,
            source_type=kind,
            reliability="B",
            classification=PUBLIC,
            name=name,
        )
        for kind, name in (("un_field_presence", "Field team Gao"), ("media", "Wire desk"))
    ]
    signals = []
    for level, source in ((PUBLIC, sources[0]), (CONFIDENTIAL, sources[1])):
        signal = case_services.signal_create(
            actor=who.bruno,
            data={
                "headline": f"Market attacked near Tessit {SIGNAL_MARK}",
                "description": "Reported by the field presence.",
                "occurred_on": date.today() - timedelta(days=3),
                "country": "MLI",
                "category": Category.VIOLENCE_AGAINST_CIVILIANS,
                "source": source,
                "credibility": 2,
                "classification": level,
            },
        )
        case_services.signal_link(signal=signal, situation=situation, actor=who.bruno)
        signals.append(signal)
    assessment = assessment_services.assessment_start(situation=situation, actor=who.amina)
    judgment = assessment.judgments.get(factor__number=9)
    assessment_services.judgment_update(
        judgment=judgment,
        actor=who.bruno,
        data={"level": "high", "confidence": "medium", "narrative": "A convoy moving south."},
    )
    for signal in signals:
        assessment_services.evidence_add(judgment=judgment, actor=who.bruno, signal_id=signal.pk)
    assessment_services.assessment_submit(assessment=assessment, actor=who.amina)
    assessment_services.assessment_approve(assessment=assessment, actor=who.bruno)
    escalation = escalations.escalation_create(
        situation=situation,
        actor=who.amina,
        summary=f"Killings are likely within weeks. {ESCALATION_MARK}",
    )
    for actor, action in (
        (who.amina, "submit"),
        (who.bruno, "review"),
        (who.chen, "endorse"),
        (who.chen, "transmit"),
    ):
        escalation = escalations.escalation_transition(
            escalation=escalation, actor=actor, action=action
        )
    frozen = Briefing.objects.get(escalation=escalation, status=BriefingStatus.FROZEN)
    released = briefings.briefing_release(
        briefing=frozen, level="PUBLIC", actor=who.dara, shared_with=["SEN"]
    )
    return {
        "situation": [situation.pk],
        "signal": [s.pk for s in signals],
        "escalation": [escalation.pk],
        "briefing": [frozen.pk],
        "release": [released.pk],
        "assessment": [assessment.pk],
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        who = people()
        reports = the_reports(who.dara)
        ids = the_case(who)
        ids["report"] = sorted(r.pk for r in reports.values())
        try:
            yield SimpleNamespace(who=who, reports=reports, ids=ids)
        finally:
            transaction.set_rollback(True)


@pytest.fixture(scope="module", autouse=True)
def unthrottled():
    """One person making a few thousand requests in seconds is the point of a crawl."""
    cache.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"per_token": "100000/minute"})
        yield
    cache.clear()


# --- Crawling -----------------------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


@dataclass
class Visit:
    path: str
    status: int
    body: str
    location: str = ""
    linked: bool = True


@dataclass
class Crawl:
    visits: dict[str, Visit] = field(default_factory=dict)

    def get(self, client: Client, path: str, *, linked: bool) -> Visit:
        response = client.get(path)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        visit = Visit(
            path=path,
            status=response.status_code,
            body=content.decode("utf-8", "replace"),
            location=response.get("Location", ""),
            linked=linked,
        )
        self.visits[path] = visit
        return visit

    @property
    def bodies(self) -> dict[str, str]:
        # Every answer, not only the pages: an error page must not quote a record either.
        return {v.path: v.body for v in self.visits.values()}

    def of_report(self, pk: int) -> dict[str, int]:
        """The status of every path of one report tried, page and API."""
        return {
            path: visit.status
            for path, visit in self.visits.items()
            if path.startswith((f"/reports/{pk}/", f"/api/v1/reports/{pk}/"))
        }


def same_site(base: str, href: str) -> str | None:
    """The local path (with its query) an href leads to, or None for another site."""
    href, _ = urldefrag(urljoin(base, href.strip()))
    parts = urlsplit(href)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def follow_links(client: Client, crawl: Crawl) -> None:
    """Breadth first from the home page, GET only, every same-site link, up to MAX_PAGES."""
    queue = deque(["/"])
    seen = {"/"}
    logout = reverse("logout")
    while queue and len([v for v in crawl.visits.values() if v.linked]) < MAX_PAGES:
        path = queue.popleft()
        visit = crawl.get(client, path, linked=True)
        found = []
        if visit.status in (301, 302) and visit.location:
            found.append(visit.location)
        elif visit.status == 200 and "<a" in visit.body:
            parser = Links()
            parser.feed(visit.body)
            found.extend(parser.hrefs)
        for href in found:
            target = same_site(path, href)
            # Logging out would end the crawl; the static files show no records.
            if target is None or target.startswith((logout, "/static/")) or target in seen:
                continue
            seen.add(target)
            queue.append(target)


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


# Which records' ids fill a route, by the first word of its path.
ROUTE_KINDS = {
    "reports": "report",
    "briefings": "release",
    "briefing-releases": "release",
    "escalations": "escalation",
    "situations": "situation",
    "signals": "signal",
    "inbox": "signal",
    "assessments": "assessment",
}
FILLS = {
    "action": ["submit", "publish"],
    "extension": ["csv", "json"],
    "username": ["elena"],
}


def direct_paths(ids: dict[str, list[int]], missing: int) -> dict[str, str]:
    """Every route of the application that takes an id, filled with every fitting id and with
    one missing id: {path: route}."""
    everything = sorted({pk for pks in ids.values() for pk in pks})
    paths: dict[str, str] = {}
    for route, _entry in _patterns(get_resolver()):
        if route.startswith("admin/") or "<" not in route or "<path:" in route:
            continue
        params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
        words = route.removeprefix("api/v1/").split("/")
        kind = ROUTE_KINDS.get(words[0])
        pks = [*(ids[kind] if kind else everything), missing]
        if kind == "report":
            pks.append(10**20)  # beyond any integer column: still a 404, not a 500
        # Escalations' briefing routes take the escalation's id; the briefing's own id too.
        if kind == "escalation" and "briefing" in route:
            pks = [*pks, *ids["briefing"]]
        for pk in pks:
            for fills in _fillings(params):
                path = route
                for converter, param in params:
                    value = fills.get(param, str(pk))
                    path = re.sub(rf"<(?:{converter}:)?{param}>", value, path, count=1)
                paths["/" + path] = route
    return paths


def _fillings(params: list[tuple[str, str]]) -> list[dict[str, str]]:
    named = [param for _, param in params if param in FILLS]
    if not named:
        return [{}]
    [param] = named
    return [{param: value} for value in FILLS[param]]


def leaks(crawl: Crawl, secrets: tuple[str, ...]) -> list[str]:
    return [
        f"{path}: {secret}"
        for path, body in crawl.bodies.items()
        for secret in secrets
        if secret in body
    ]


def wrong_answers(crawl: Crawl, routes: dict[str, str]) -> list[str]:
    """Anything but a page, a 404 or a redirect to log in or out. A route that takes only
    POST answers GET with 405 whatever the id, existing or missing: that confirms nothing, so
    a 405 passes when every id of its route had it."""
    by_route: dict[str, set[int]] = {}
    for path, route in routes.items():
        by_route.setdefault(route, set()).add(crawl.visits[path].status)
    wrong = []
    for visit in crawl.visits.values():
        if visit.status in (200, 404):
            continue
        if visit.status == 302 and urlsplit(visit.location).path.endswith(("/login/", "/logout/")):
            continue
        if visit.status == 405 and by_route.get(routes.get(visit.path, "")) == {405}:
            continue
        wrong.append(f"{visit.path} -> {visit.status} {visit.location}")
    return wrong


@pytest.fixture(scope="module")
def routes(world) -> dict[str, str]:
    """Every route taking an id, filled with every fitting id and one no record has."""
    missing = max(pk for pks in world.ids.values() for pk in pks) + 1000
    return direct_paths(world.ids, missing)


def crawl_as(user, routes: dict[str, str]) -> Crawl:
    client = Client()
    # Through the login page, as she would.
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert urlsplit(response["Location"]).path == reverse("home")
    crawl = Crawl()
    follow_links(client, crawl)
    for path in routes:
        if path not in crawl.visits:
            crawl.get(client, path, linked=False)
    return crawl


@pytest.fixture(scope="module")
def crawls(world, routes, django_db_blocker) -> dict[str, Crawl]:
    """Elena's and Liv's crawls, made once: each test reads them."""
    with django_db_blocker.unblock():
        return {name: crawl_as(getattr(world.who, name), routes) for name in ("elena", "liv")}


# --- What they find -----------------------------------------------------------------------------


def test_every_planted_string_is_there_for_those_allowed_to_read_it(world):
    """On the same pages the liaisons try: the crawl could find each one."""
    pages = {
        "dara": [
            *(reverse("reports:report-detail", args=[r.pk]) for r in world.reports.values()),
            *(reverse("cases:release-detail", args=[pk]) for pk in world.ids["release"]),
        ],
        "bruno": [
            reverse("cases:situation-detail", args=[world.ids["situation"][0]]),
            reverse("cases:escalation-detail", args=[world.ids["escalation"][0]]),
            *(reverse("cases:signal-detail", args=[pk]) for pk in world.ids["signal"]),
        ],
    }
    found = ""
    for name, paths in pages.items():
        client = Client()
        client.force_login(getattr(world.who, name))
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (name, path)
            found += response.content.decode()
    for mark in (*NEVER, PUBLIC_MARK, NORWAY_MARK):
        assert mark in found, mark


def test_the_crawl_visits_the_whole_application(crawls, world, routes):
    ids = world.ids
    for name, crawl in crawls.items():
        linked = [v for v in crawl.visits.values() if v.linked]
        assert 5 <= len(linked) < MAX_PAGES, (name, len(linked))
        assert set(routes) <= set(crawl.visits)
        for route, pk in (
            ("reports:report-detail", ids["report"][0]),
            ("cases:situation-detail", ids["situation"][0]),
            ("cases:signal-detail", ids["signal"][0]),
            ("cases:escalation-detail", ids["escalation"][0]),
            ("cases:briefing", ids["escalation"][0]),
            ("cases:release-detail", ids["release"][0]),
            ("api-briefing-release", ids["release"][0]),
            ("assessments:assessment-detail", ids["assessment"][0]),
        ):
            assert reverse(route, args=[pk]) in crawl.visits, (name, route)


def test_elena_reaches_the_public_report_through_the_links_and_nothing_else(crawls, world):
    crawl = crawls["elena"]
    reports = world.reports
    linked = {v.path: v for v in crawl.visits.values() if v.linked}
    assert linked[reverse("reports:report-list")].status == 200
    page = reverse("reports:report-detail", args=[reports["public"].pk])
    assert linked[page].status == 200
    assert PUBLIC_MARK in linked[page].body
    for download in (
        reverse("reports:report-pdf", args=[reports["public"].pk]),
        reverse("reports:report-annex", args=[reports["public"].pk, "csv"]),
        reverse("reports:report-annex", args=[reports["public"].pk, "json"]),
    ):
        assert linked[download].status == 200, download
    assert linked[reverse("reports:report-pdf", args=[reports["public"].pk])].body.startswith(
        "%PDF"
    )
    # The confidential report released to Norway is above her clearance: no link, and 404 on
    # every route of it, page, progress, files and API alike (405 where only POST is taken).
    for name in ("norway", "sweden", "strict", "draft", "in_review", "compiling"):
        pk = reports[name].pk
        assert not any(f"/reports/{pk}/" in path for path in linked), name
        tried = crawl.of_report(pk)
        assert len(tried) > 15, name
        assert set(tried.values()) <= {404, 405}, (name, tried)
        assert crawl.visits[reverse("reports:report-detail", args=[pk])].status == 404, name
        assert crawl.visits[reverse("api-report-detail", args=[pk])].status == 404, name


def test_liv_cleared_confidential_also_reaches_the_report_released_to_norway(crawls, world):
    crawl = crawls["liv"]
    reports = world.reports
    linked = {v.path: v for v in crawl.visits.values() if v.linked}
    for name in ("public", "norway"):
        page = linked[reverse("reports:report-detail", args=[reports[name].pk])]
        assert page.status == 200, name
    assert NORWAY_MARK in linked[reverse("reports:report-detail", args=[reports["norway"].pk])].body
    annex = reverse("reports:report-annex", args=[reports["norway"].pk, "json"])
    assert linked[annex].status == 200 and reports["norway"].reference in linked[annex].body
    for name in ("sweden", "strict", "draft", "in_review", "compiling"):
        pk = reports[name].pk
        assert not any(f"/reports/{pk}/" in path for path in linked), name
        assert set(crawl.of_report(pk).values()) <= {404, 405}, name
        assert crawl.visits[reverse("reports:report-detail", args=[pk])].status == 404, name
    api_annex = reverse("api-report-annex", args=[reports["norway"].pk])
    assert crawl.visits[api_annex].status == 200


def test_elena_never_receives_a_planted_string(crawls):
    assert leaks(crawls["elena"], (*NEVER, NORWAY_MARK)) == []


def test_liv_never_receives_a_planted_string(crawls):
    assert leaks(crawls["liv"], NEVER) == []


def test_every_answer_is_a_page_a_404_or_a_way_to_log_in(crawls, routes):
    for name, crawl in crawls.items():
        assert wrong_answers(crawl, routes) == [], name


def test_the_briefing_released_to_senegal_is_neither_listed_nor_opened_for_norway(crawls, world):
    assert ReleasableBriefing.objects.filter(pk__in=world.ids["release"]).exists()
    for name, crawl in crawls.items():
        listing = crawl.visits[reverse("cases:release-list")]
        assert listing.status == 200 and listing.linked, name
        for pk in world.ids["release"]:
            page = reverse("cases:release-detail", args=[pk])
            assert page not in listing.body, name
            assert crawl.visits[page].status == 404, name
            assert crawl.visits[reverse("api-briefing-release", args=[pk])].status == 404, name


def test_what_elena_read_is_in_the_audit_trail_and_nothing_more(crawls, world):
    read = AuditEvent.objects.filter(action="report.read", actor=world.who.elena)
    assert set(read.values_list("object_id", flat=True)) == {str(world.reports["public"].pk)}
    assert {"page", "pdf", "annex.csv", "annex.json", "api"} <= {
        event.summary["what"] for event in read
    }
