"""Who reads which report: reports_visible and access_report, as a table.

Every named person, plus two more liaisons (Liv, for Norway, cleared CONFIDENTIAL; Sven, for
Sweden, cleared CONFIDENTIAL), against a report in each status (compiling, failed, draft, in
review, published, superseded) for each audience, and the published and superseded ones that
are not public released to Norway, to Sweden or to nobody. What each person reads is written
below as the rule of reports.access's docstring, one line per person, and the two functions
must agree with it for every report: the list is exactly those, and every other report, like a
missing one, raises NotFoundError.

The table's rows are placed directly (access reads only a report's status, audience and
releases); one test at the end walks the same road through the services, publication included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from r2p.errors import NotFoundError
from r2p.models import Classification
from reports import services
from reports.access import access_report, can_read_drafts, reports_visible
from reports.figures import Period
from reports.models import FROZEN_STATUSES, Report, ReportRelease, ReportStatus
from tests.factories import UserFactory
from tests.reports.conftest import CONFIDENTIAL, PUBLIC, STRICT

pytestmark = pytest.mark.django_db

S = ReportStatus
AUDIENCES = (PUBLIC, CONFIDENTIAL, STRICT)
OPEN = (S.COMPILING, S.FAILED, S.DRAFT, S.IN_REVIEW)
NARRATIVE = {
    "executive_summary": "Warnings reached the desk faster.",
    "progress_by_pillar": "Pillar II assistance grew.",
    "recommendations": "Fund the field analysts.",
}


@dataclass(frozen=True)
class Row:
    status: str
    audience: int
    released_to: str  # "" (nobody), "NOR" or "SWE"

    @property
    def label(self) -> str:
        level = Classification(self.audience).name
        return f"{self.status}/{level}" + (f"/{self.released_to}" if self.released_to else "")

    @property
    def frozen(self) -> bool:
        return self.status in FROZEN_STATUSES


def table_rows() -> list[Row]:
    rows = [Row(status, audience, "") for status in OPEN for audience in AUDIENCES]
    for status in FROZEN_STATUSES:
        rows.append(Row(status, PUBLIC, ""))
        for audience in (CONFIDENTIAL, STRICT):
            rows.extend(Row(status, audience, state) for state in ("", "NOR", "SWE"))
    return rows


ROWS = table_rows()


# What each person reads, in the words of reports.access.
def staff(clearance: int):
    """Joint-office staff: published reports within their clearance."""
    return lambda row: row.frozen and row.audience <= clearance


def drafters(clearance: int):
    """The SG Office and the Special Advisers: every report within their clearance."""
    return lambda row: row.audience <= clearance


def liaison_for(state: str, clearance: int):
    """Published public reports, and those released to their state, within their clearance."""
    return lambda row: (
        row.frozen
        and row.audience <= clearance
        and (row.audience == PUBLIC or row.released_to == state)
    )


def public_published(row: Row) -> bool:
    return row.frozen and row.audience == PUBLIC


def nothing(row: Row) -> bool:
    return False


RULES = {
    "analyst": staff(CONFIDENTIAL),
    "senior_analyst": staff(STRICT),
    "special_adviser": drafters(STRICT),
    "sg_office": drafters(STRICT),
    "liaison": liaison_for("NOR", PUBLIC),
    "liv": liaison_for("NOR", CONFIDENTIAL),
    "sven": liaison_for("SWE", CONFIDENTIAL),
    "partner": public_published,
    "auditor": nothing,
    "administrator": nothing,
    "outsider": nothing,
}
PEOPLE = list(RULES)


@pytest.fixture
def liv(db):
    return UserFactory(
        username="liv",
        first_name="Liv",
        last_name="Berg",
        role="liaison",
        clearance=CONFIDENTIAL,
        member_state="NOR",
    )


@pytest.fixture
def sven(db):
    return UserFactory(
        username="sven",
        first_name="Sven",
        last_name="Ek",
        role="liaison",
        clearance=CONFIDENTIAL,
        member_state="SWE",
    )


@pytest.fixture
def person(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def table(sg_office) -> dict[str, Report]:
    """One report per row, each in a period of its own (one open and one published report per
    period and audience is all the database allows)."""
    now = timezone.now()
    reports = {}
    for index, row in enumerate(ROWS):
        day = date(2025, 1, 1) + timedelta(days=index)
        report = Report.objects.create(
            kind="custom",
            period_start=day,
            period_end=day,
            audience=row.audience,
            status=row.status,
            status_since=now,
            requested_by=sg_office,
            published_at=now if row.frozen else None,
            published_by=sg_office if row.frozen else None,
            content_hash="c" * 64 if row.frozen else "",
            superseded_at=now if row.status == S.SUPERSEDED else None,
        )
        if row.released_to:
            ReportRelease.objects.create(
                report=report, member_state=row.released_to, released_by=sg_office
            )
        reports[row.label] = report
    return reports


def expected(name: str) -> set[str]:
    return {row.label for row in ROWS if RULES[name](row)}


def test_the_table_covers_every_status_audience_and_release():
    assert len(ROWS) == 26
    assert {row.status for row in ROWS} == set(S.values)
    assert {row.audience for row in ROWS} == set(AUDIENCES)
    assert {row.released_to for row in ROWS} == {"", "NOR", "SWE"}


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_each_person_lists_exactly_the_reports_the_rule_gives_them(person, request, table):
    name = request.node.callspec.params["person"]
    labels = {report.pk: label for label, report in table.items()}
    visible = {labels[pk] for pk in reports_visible(person).values_list("pk", flat=True)}
    assert visible == expected(name)


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_each_person_opens_what_they_may_read_and_nothing_else_exists_for_them(
    person, request, table
):
    name = request.node.callspec.params["person"]
    allowed = expected(name)
    for label, report in table.items():
        if label in allowed:
            assert access_report(person, report.pk) == report, (name, label)
            assert access_report(person, str(report.pk)) == report, (name, label)
        else:
            with pytest.raises(NotFoundError) as forbidden:
                access_report(person, report.pk)
            assert str(forbidden.value) == "Not found.", (name, label)
    missing = max(r.pk for r in table.values()) + 1000
    for pk in (missing, -1, 10**20, "not-a-number", None, "1; DROP TABLE reports_report"):
        with pytest.raises(NotFoundError) as absent:
            access_report(person, pk)
        # A missing report and a forbidden one answer the same.
        assert str(absent.value) == "Not found."


def test_elena_reads_only_the_published_public_reports(liaison, table):
    assert expected("liaison") == {"published/PUBLIC", "superseded/PUBLIC"}
    assert set(reports_visible(liaison)) == {
        table["published/PUBLIC"],
        table["superseded/PUBLIC"],
    }


def test_a_confidential_report_released_to_norway_stays_closed_to_elena_cleared_public(
    liaison, liv, table
):
    released = table["published/CONFIDENTIAL/NOR"]
    assert released.releases.filter(member_state="NOR").exists()
    with pytest.raises(NotFoundError):
        access_report(liaison, released.pk)
    # Liv represents Norway too, cleared CONFIDENTIAL: the release opens it to her.
    assert access_report(liv, released.pk) == released
    assert expected("liv") == {
        "published/PUBLIC",
        "superseded/PUBLIC",
        "published/CONFIDENTIAL/NOR",
        "superseded/CONFIDENTIAL/NOR",
    }


def test_a_release_to_sweden_opens_nothing_to_norway_and_above_clearance_nothing_at_all(
    liv, sven, table
):
    for_sweden = table["published/CONFIDENTIAL/SWE"]
    with pytest.raises(NotFoundError):
        access_report(liv, for_sweden.pk)
    assert access_report(sven, for_sweden.pk) == for_sweden
    for person in (liv, sven):
        for state in ("NOR", "SWE"):
            with pytest.raises(NotFoundError):
                access_report(person, table[f"published/STRICTLY_CONFIDENTIAL/{state}"].pk)


def test_a_liaison_reads_nothing_before_publication_whatever_is_released(liv, table):
    for status in OPEN:
        for audience in AUDIENCES:
            row = Row(status, audience, "")
            with pytest.raises(NotFoundError):
                access_report(liv, table[row.label].pk)


def test_a_liaison_without_a_member_state_reads_only_public_published_reports(liv, table):
    liv.member_state = ""
    liv.save()
    visible = {r.pk for r in reports_visible(liv)}
    assert visible == {table["published/PUBLIC"].pk, table["superseded/PUBLIC"].pk}


def test_only_the_sg_office_and_the_special_advisers_read_drafts(request):
    readers = {name for name in PEOPLE if can_read_drafts(request.getfixturevalue(name))}
    assert readers == {"sg_office", "special_adviser"}


def test_clearance_bounds_the_drafters_too(sg_office, special_adviser, table):
    special_adviser.clearance = CONFIDENTIAL
    special_adviser.save()
    visible = {r.pk for r in reports_visible(special_adviser)}
    assert visible == {table[row.label].pk for row in ROWS if row.audience <= CONFIDENTIAL}
    with pytest.raises(NotFoundError):
        access_report(special_adviser, table["draft/STRICTLY_CONFIDENTIAL"].pk)
    assert access_report(sg_office, table["draft/STRICTLY_CONFIDENTIAL"].pk)


def test_a_deactivated_account_and_an_anonymous_visitor_read_nothing(sg_office, table):
    assert not reports_visible(AnonymousUser()).exists()
    with pytest.raises(NotFoundError):
        access_report(AnonymousUser(), table["published/PUBLIC"].pk)
    sg_office.is_active = False
    sg_office.save()
    assert not reports_visible(sg_office).exists()
    with pytest.raises(NotFoundError):
        access_report(sg_office, table["published/PUBLIC"].pk)


def test_the_same_rules_hold_for_a_report_made_and_released_through_the_services(
    sg_office, special_adviser, analyst, liaison, liv, sven, partner, outsider
):
    period = Period(date(2026, 4, 1), date(2026, 6, 30))
    report, created = services.report_request(
        kind="quarterly", period=period, audience=CONFIDENTIAL, actor=sg_office
    )
    assert created and report.status == S.COMPILING
    readers = [sg_office, special_adviser, analyst, liaison, liv, sven, partner, outsider]

    def who_reads() -> set[str]:
        return {p.username for p in readers if reports_visible(p).filter(pk=report.pk).exists()}

    assert who_reads() == {"dara", "chen"}
    report = services.report_compile(report_id=report.pk)
    services.report_narrative_update(report=report, actor=sg_office, data=NARRATIVE)
    report = services.report_transition(report=report, actor=sg_office, action="submit")
    assert report.status == S.IN_REVIEW
    assert who_reads() == {"dara", "chen"}
    report = services.report_transition(report=report, actor=sg_office, action="publish")
    assert report.status == S.PUBLISHED
    assert who_reads() == {"dara", "chen", "amina"}
    services.report_release(report=report, actor=sg_office, member_states=["nor"])
    assert who_reads() == {"dara", "chen", "amina", "liv"}
    with pytest.raises(NotFoundError):
        access_report(liaison, report.pk)
    assert access_report(liv, report.pk).pk == report.pk
