"""The reports API: the list (only what each reader may read, in a constant number of queries),
one report with its compilation progress, asking for a compilation (idempotent per period and
audience, field-level errors, 409 once published), the narrative, the moves through review to
publication, the frozen files (the annex exactly as stored, its hash the published one, every
read audited), releases and corrections, nothing for outsiders, and the schema.

Dara (SG Office) compiles, writes and publishes. Relay (partner system) and Elena (liaison for
Norway, cleared PUBLIC) read the published public report; Liv (liaison for Norway, cleared
CONFIDENTIAL) reads the confidential one released to Norway too. Amina (analyst) reads
published reports only; Oscar (outsider), Farid (auditor) and Grace (administrator) get 404.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from r2p import services as r2p_services
from r2p.models import AuditEvent
from reports import services
from reports.figures import STEPS
from reports.models import Report, ReportRelease, ReportStatus, ReportTransition
from tests.factories import UserFactory
from tests.reports.conftest import (
    CONFIDENTIAL,
    NARRATIVE,
    PUBLIC,
    Q1,
    Q2,
    Q3,
    STRICT,
    compiled,
    in_review,
)

pytestmark = pytest.mark.django_db

S = ReportStatus


# --- Reports made through the services ---------------------------------------------------------


@pytest.fixture(scope="module")
def published(django_db_setup, django_db_blocker):
    """The third quarter published twice (public; confidential, released to Norway): made once
    for the module, since publishing renders a PDF, and rolled back after it. Each test runs in
    a savepoint inside this transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        dara = UserFactory(
            username="dara",
            first_name="Dara",
            last_name="Haddad",
            role="sg-office",
            clearance=STRICT,
        )
        public = in_review(dara, Q3, PUBLIC)
        public = services.report_transition(report=public, actor=dara, action="publish")
        confidential = in_review(dara, Q3, CONFIDENTIAL)
        confidential = services.report_transition(report=confidential, actor=dara, action="publish")
        services.report_release(report=confidential, actor=dara, member_states=["NOR"])
        try:
            yield SimpleNamespace(public=public, confidential=confidential)
        finally:
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def third_quarter_published(published) -> None:
    """Every test finds the two published reports, so that counts are the same in each."""


@pytest.fixture(scope="module", autouse=True)
def fresh_throttle_budgets():
    """The rate limits count in the cache, across tests and runs; this module starts afresh."""
    cache.clear()


def made():
    """The reports a test made (all but the two published for the module)."""
    return Report.objects.exclude(period_start=Q3.start, period_end=Q3.end, version=1)


@pytest.fixture
def public(published) -> Report:
    return Report.objects.get(pk=published.public.pk)


@pytest.fixture
def confidential(published) -> Report:
    return Report.objects.get(pk=published.confidential.pk)


@pytest.fixture
def liv(db):
    return UserFactory(username="liv", role="liaison", clearance=CONFIDENTIAL, member_state="NOR")


@pytest.fixture
def draft(sg_office) -> Report:
    return compiled(sg_office, Q2)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def token_client(user) -> APIClient:
    """A client that authenticates every request afresh with a knox token, as a partner does."""
    _, key = r2p_services.token_create(user=user, expires_days=30)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def url(name: str, *args: object) -> str:
    return reverse(name, args=args)


def fields(response) -> dict:
    return response.json()["error"]["fields"]


def listed(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def reads(user, what: str) -> int:
    return AuditEvent.objects.filter(action="report.read", actor=user, summary__what=what).count()


def placed_published(day: date, *, audience: int = PUBLIC, supersedes: Report | None = None):
    """A frozen report placed directly, for the list only (which reads no file of it)."""
    now = timezone.now()
    return Report.objects.create(
        kind="custom",
        period_start=day,
        period_end=day,
        audience=audience,
        version=2 if supersedes else 1,
        status=S.PUBLISHED,
        status_since=now,
        published_at=now,
        content_hash="c" * 64,
        supersedes=supersedes,
        correction_reason="A count was wrong." if supersedes else "",
    )


# --- The list ----------------------------------------------------------------------------------


def test_relay_and_elena_list_only_the_published_public_report(
    public, confidential, draft, sg_office, partner, liaison, liv
):
    in_review(sg_office, Q1)
    for reader in (partner, liaison):
        assert listed(client_for(reader).get(url("api-report-list"))) == [public.pk]
    # Liv, cleared CONFIDENTIAL, also reads the confidential report released to Norway.
    assert sorted(listed(client_for(liv).get(url("api-report-list")))) == sorted(
        [public.pk, confidential.pk]
    )
    row = client_for(partner).get(url("api-report-list")).json()["results"][0]
    assert row["reference"] == "R2P/2026-Q3/PUB/v1"
    assert row["status"] == "published" and row["audience"] == "PUBLIC"
    assert row["links"]["annex_json"] == url("api-report-annex", public.pk)
    assert row["links"]["pdf"] == url("api-report-pdf", public.pk)
    assert row["content_hash"] == public.content_hash
    assert "executive_summary" not in row and "figures" not in row


def test_dara_lists_drafts_too_and_filters_by_status(public, confidential, draft, sg_office):
    client = client_for(sg_office)
    assert set(listed(client.get(url("api-report-list")))) == {
        public.pk,
        confidential.pk,
        draft.pk,
    }
    assert listed(client.get(url("api-report-list"), {"status": "draft"})) == [draft.pk]
    assert set(listed(client.get(url("api-report-list"), {"status": "published"}))) == {
        public.pk,
        confidential.pk,
    }
    bad = client.get(url("api-report-list"), {"status": "lost", "page_size": 0})
    assert bad.status_code == 400
    assert set(fields(bad)) == {"status", "page_size"}
    page = client.get(url("api-report-list"), {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]


def test_amina_lists_the_published_reports_within_her_clearance(
    public, confidential, sg_office, analyst
):
    in_review(sg_office, Q1, CONFIDENTIAL)
    assert set(listed(client_for(analyst).get(url("api-report-list")))) == {
        public.pk,
        confidential.pk,
    }


# reports/selectors.py LIST_FIELDS leaves out "attempts", which report_progress reads for every
# row: one more query per report listed. Remove this mark once "attempts" is in LIST_FIELDS.
def test_the_list_takes_as_many_queries_for_five_reports_as_for_one(public, partner, liaison):
    counts = []
    for reader in (partner, liaison):
        client = token_client(reader)
        with CaptureQueriesContext(connection) as one:
            assert len(listed(client.get(url("api-report-list")))) == 1
        counts.append(len(one))
    # Four more public reports, two of them a published version and its correction.
    placed_published(date(2025, 1, 1))
    placed_published(date(2025, 2, 1))
    old = placed_published(date(2025, 3, 1))
    Report.objects.filter(pk=old.pk).update(
        status=S.SUPERSEDED, superseded_at=timezone.now(), status_since=timezone.now()
    )
    correction = placed_published(date(2025, 3, 1), supersedes=old)
    for reader in (partner, liaison):
        client = token_client(reader)
        with CaptureQueriesContext(connection) as five:
            body = client.get(url("api-report-list")).json()
        assert len(body["results"]) == 5
        counts.append(len(five))
        by_id = {row["id"]: row for row in body["results"]}
        assert by_id[old.pk]["superseded_by"] == correction.pk
        assert by_id[correction.pk]["supersedes"] == old.pk
        with CaptureQueriesContext(connection) as again:
            client.get(url("api-report-list"))
        assert len(again) == len(five), [q["sql"] for q in again]
    # Relay and Elena each: one report, then five.
    assert counts[0] == counts[2] <= 10, (counts, [q["sql"] for q in five][-2:])
    assert counts[1] == counts[3] <= 10, counts


def test_the_list_query_count_is_bounded_for_dara(sg_office, django_assert_max_num_queries):
    for period in (Q1, Q2):
        compiled(sg_office, period)
    client = token_client(sg_office)
    with django_assert_max_num_queries(8):
        # Her two drafts and the two published reports.
        assert len(listed(client.get(url("api-report-list")))) == 4


# --- One report and its progress ---------------------------------------------------------------


def test_a_report_shows_its_compilation_progress_from_request_to_draft(sg_office):
    client = client_for(sg_office)
    asked = client.post(
        url("api-report-list"), {"kind": "quarterly", "year": 2026, "quarter": 2}, format="json"
    )
    assert asked.status_code == 202, asked.content
    pk = asked.json()["id"]
    body = client.get(url("api-report-detail", pk)).json()
    assert body["status"] == "compiling"
    assert body["progress"] == {
        "steps_done": 0,
        "steps_total": 0,
        "step": "",
        "percent": 0,
        "attempts": 0,
        "elapsed_seconds": None,
        "failure": "",
        "finished": False,
    }
    assert body["links"]["pdf"] is None and body["files"] == {}

    # The worker half-way, as report_compile writes it.
    Report.objects.filter(pk=pk).update(
        progress_done=4,
        progress_total=10,
        progress_step="Escalations and outcomes",
        attempts=1,
        started_at=timezone.now() - timedelta(seconds=90),
    )
    progress = client.get(url("api-report-detail", pk)).json()["progress"]
    assert progress["steps_done"] == 4 and progress["steps_total"] == 10
    assert progress["percent"] == 40
    assert progress["step"] == "Escalations and outcomes"
    assert 90 <= progress["elapsed_seconds"] < 200
    assert progress["finished"] is False

    services.report_compile(report_id=pk)
    done = client.get(url("api-report-detail", pk)).json()
    assert done["status"] == "draft"
    assert done["progress"]["steps_done"] == done["progress"]["steps_total"] == len(STEPS)
    assert done["progress"]["percent"] == 100
    assert done["progress"]["attempts"] == 2
    assert done["progress"]["finished"] is True
    assert done["figures"]["tables"] and done["figures"]["audience"] == "PUBLIC"
    assert done["executive_summary"] == ""


def test_the_published_report_carries_its_files_hashes_and_the_read_is_audited(public, partner):
    before = reads(partner, "api")
    body = client_for(partner).get(url("api-report-detail", public.pk)).json()
    assert body["files"] == {
        "html": public.html_sha256,
        "pdf": public.pdf_sha256,
        "annex_csv": public.annex_csv_sha256,
        "annex_json": public.annex_json_sha256,
    }
    assert body["content_hash"] == public.content_hash
    assert body["executive_summary"] == NARRATIVE["executive_summary"]
    assert body["progress"]["finished"] is True
    assert body["links"]["page"] == reverse("reports:report-detail", args=[public.pk])
    assert reads(partner, "api") == before + 1


def test_reading_a_draft_is_not_recorded_as_a_read_of_a_published_report(draft, sg_office):
    assert client_for(sg_office).get(url("api-report-detail", draft.pk)).status_code == 200
    assert not AuditEvent.objects.filter(action="report.read").exists()


# --- Asking for a compilation ------------------------------------------------------------------


def test_asking_twice_for_the_same_period_gives_the_same_report(sg_office):
    client = client_for(sg_office)
    body = {"kind": "quarterly", "year": 2026, "quarter": 1, "audience": "CONFIDENTIAL"}
    first = client.post(url("api-report-list"), body, format="json")
    assert first.status_code == 202, first.content
    assert first.json()["status"] == "compiling"
    assert first.json()["reference"] == "R2P/2026-Q1/CONF/v1"
    again = client.post(url("api-report-list"), body, format="json")
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert made().count() == 1

    # Once a draft, asking again compiles the same draft again from the records.
    services.report_compile(report_id=first.json()["id"])
    revision = made().get().revision
    third = client.post(url("api-report-list"), body, format="json")
    assert third.status_code == 202
    assert third.json()["id"] == first.json()["id"]
    assert third.json()["status"] == "compiling" and third.json()["revision"] == revision + 1
    assert made().count() == 1
    transitions = ReportTransition.objects.filter(report_id=first.json()["id"])
    assert list(transitions.values_list("action", flat=True)) == [
        "request",
        "compiled",
        "recompile",
    ]


def test_an_annual_and_a_custom_period_are_compiled_too(sg_office):
    client = client_for(sg_office)
    annual = client.post(url("api-report-list"), {"kind": "annual", "year": 2025}, format="json")
    assert annual.status_code == 202
    assert annual.json()["reference"] == "R2P/2025/PUB/v1"
    assert (annual.json()["period_start"], annual.json()["period_end"]) == (
        "2025-01-01",
        "2025-12-31",
    )
    custom = client.post(
        url("api-report-list"),
        {
            "kind": "custom",
            "period_start": "2026-02-10",
            "period_end": "2026-05-09",
            "audience": "STRICTLY_CONFIDENTIAL",
        },
        format="json",
    )
    assert custom.status_code == 202, custom.content
    assert custom.json()["audience"] == "STRICTLY CONFIDENTIAL"
    assert custom.json()["reference"] == "R2P/2026-02-10..2026-05-09/SC/v1"


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        ({"kind": "monthly", "year": 2026}, {"kind"}),
        ({}, {"kind"}),
        ({"kind": "quarterly", "year": "soon", "quarter": 1}, {"year"}),
        ({"kind": "quarterly", "year": 1999, "quarter": 1}, {"year"}),
        ({"kind": "quarterly", "year": 2026, "quarter": 5}, {"quarter"}),
        ({"kind": "quarterly", "year": 2026}, {"quarter"}),
        ({"kind": "quarterly", "year": 1800, "quarter": 0}, {"year", "quarter"}),
        ({"kind": "annual"}, {"year"}),
        ({"kind": "annual", "year": "next"}, {"year"}),
        (
            {"kind": "custom", "period_start": "2026-13-01", "period_end": "2026-02-01"},
            {"period_start"},
        ),
        ({"kind": "custom", "period_end": "2026-02-01"}, {"period_start"}),
        (
            {"kind": "custom", "period_start": "2026-03-01", "period_end": "2026-02-01"},
            {"period_end"},
        ),
        (
            {"kind": "custom", "period_start": "2020-01-01", "period_end": "2026-02-01"},
            {"period_end"},
        ),
        ({"kind": "annual", "year": 2026, "audience": "SECRET"}, {"audience"}),
        ({"kind": "annual", "year": 2026, "audience": "7"}, {"audience"}),
        ({"kind": "annual", "year": 2026, "colour": "blue"}, {"colour"}),
    ],
)
def test_a_bad_request_for_a_compilation_names_each_bad_field(sg_office, body, problems):
    response = client_for(sg_office).post(url("api-report-list"), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert set(fields(response)) == problems, fields(response)
    assert not made().exists()


def test_the_period_must_have_begun(sg_office):
    next_year = timezone.now().year + 1
    client = client_for(sg_office)
    response = client.post(url("api-report-list"), {"kind": "annual", "year": next_year})
    assert response.status_code == 400
    assert fields(response) == {"year": ["The period has not begun yet."]}
    tomorrow = timezone.now().date() + timedelta(days=1)
    response = client.post(
        url("api-report-list"),
        {
            "kind": "custom",
            "period_start": tomorrow.isoformat(),
            "period_end": (tomorrow + timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 400 and set(fields(response)) == {"period_start"}
    assert not made().exists()


def test_an_audience_above_the_compilers_clearance_is_refused(sg_office):
    sg_office.clearance = CONFIDENTIAL
    sg_office.save()
    response = client_for(sg_office).post(
        url("api-report-list"),
        {"kind": "annual", "year": 2025, "audience": "STRICTLY_CONFIDENTIAL"},
        format="json",
    )
    assert response.status_code == 400
    assert fields(response) == {"audience": ["Your clearance does not cover this audience."]}
    assert not made().exists()


def test_only_the_sg_office_compiles(analyst, special_adviser, partner, liaison):
    body = {"kind": "annual", "year": 2025}
    for person in (analyst, special_adviser, partner, liaison):
        response = client_for(person).post(url("api-report-list"), body, format="json")
        assert response.status_code == 403, (person.username, response.content)
    assert not made().exists()


def test_a_published_period_is_corrected_not_compiled_again(public, sg_office):
    response = client_for(sg_office).post(
        url("api-report-list"), {"kind": "quarterly", "year": 2026, "quarter": 3}, format="json"
    )
    assert response.status_code == 409
    assert "correction" in response.json()["error"]["message"]
    assert Report.objects.filter(period_start=Q3.start, audience=PUBLIC).count() == 1


# --- The narrative -----------------------------------------------------------------------------


def test_dara_writes_the_narrative_of_a_draft_with_the_revision_she_read(draft, sg_office):
    client = client_for(sg_office)
    path = url("api-report-narrative", draft.pk)
    response = client.patch(
        path,
        {"executive_summary": "Warnings came sooner.", "revision": draft.revision},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["executive_summary"] == "Warnings came sooner."
    assert body["revision"] == draft.revision + 1
    assert body["recommendations"] == ""
    written = AuditEvent.objects.filter(action="report.narrative", object_id=str(draft.pk))
    assert written.count() == 1

    stale = client.patch(path, {"recommendations": "Fund it.", "revision": draft.revision})
    assert stale.status_code == 409
    assert "changed since you read it" in stale.json()["error"]["message"]
    draft.refresh_from_db()
    assert draft.recommendations == ""


def test_dara_can_send_the_etag_she_read_in_if_match_instead_of_the_revision(draft, sg_office):
    client = client_for(sg_office)
    read = client.get(url("api-report-detail", draft.pk))
    assert read["ETag"] == f'"report-{draft.pk}-v{draft.revision}"'
    path = url("api-report-narrative", draft.pk)

    written = client.patch(
        path, {"executive_summary": "Sooner."}, format="json", HTTP_IF_MATCH=read["ETag"]
    )
    assert written.status_code == 200, written.content
    assert written["ETag"] == f'"report-{draft.pk}-v{draft.revision + 1}"'
    assert written.json()["revision"] == draft.revision + 1

    # Her first read is stale now: HTTP says 412 and nothing is written.
    stale = client.patch(
        path, {"recommendations": "Fund it."}, format="json", HTTP_IF_MATCH=read["ETag"]
    )
    assert stale.status_code == 412, stale.content
    assert "changed since you read it" in stale.json()["error"]["message"]
    # An ETag of another report, or a body naming another revision, is refused as well.
    other = client.patch(
        path, {"recommendations": "x"}, format="json", HTTP_IF_MATCH='"report-999999-v1"'
    )
    assert other.status_code == 412
    both = client.patch(
        path,
        {"recommendations": "x", "revision": draft.revision},
        format="json",
        HTTP_IF_MATCH=written["ETag"],
    )
    assert both.status_code == 400 and set(fields(both)) == {"revision"}
    draft.refresh_from_db()
    assert (draft.executive_summary, draft.recommendations) == ("Sooner.", "")


def test_a_move_with_a_stale_etag_is_412_and_with_the_current_one_goes_ahead(draft, sg_office):
    services.report_narrative_update(report=draft, actor=sg_office, data=NARRATIVE)
    draft.refresh_from_db()
    client = client_for(sg_office)
    current = f'"report-{draft.pk}-v{draft.revision}"'
    stale = f'"report-{draft.pk}-v{draft.revision - 1}"'
    submit = url("api-report-move", draft.pk, "submit")

    assert client.post(submit, {}, format="json", HTTP_IF_MATCH=stale).status_code == 412
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    # A move the status does not allow stays a conflict, even on the current revision.
    publish = url("api-report-move", draft.pk, "publish")
    assert client.post(publish, {}, format="json", HTTP_IF_MATCH=current).status_code == 409

    submitted = client.post(submit, {}, format="json", HTTP_IF_MATCH=current)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "in_review"
    assert submitted["ETag"] == f'"report-{draft.pk}-v{submitted.json()["revision"]}"'


def test_a_narrative_change_names_unknown_and_missing_fields(draft, sg_office):
    client = client_for(sg_office)
    path = url("api-report-narrative", draft.pk)
    unknown = client.patch(path, {"conclusion": "x", "revision": draft.revision}, format="json")
    assert unknown.status_code == 400
    assert set(fields(unknown)) == {"conclusion"}
    missing = client.patch(path, {"executive_summary": "x"}, format="json")
    assert missing.status_code == 400 and set(fields(missing)) == {"revision"}
    draft.refresh_from_db()
    assert draft.executive_summary == ""


def test_only_a_draft_has_its_narrative_written(public, sg_office):
    client = client_for(sg_office)
    reviewed = in_review(sg_office, Q1)
    for report in (reviewed, public):
        response = client.patch(
            url("api-report-narrative", report.pk),
            {"executive_summary": "Rewritten.", "revision": report.revision},
            format="json",
        )
        assert response.status_code == 409, response.content
        assert "only a draft" in response.json()["error"]["message"]
    public.refresh_from_db()
    assert public.executive_summary == NARRATIVE["executive_summary"]


def test_readers_do_not_write_narratives(public, draft, partner, special_adviser, analyst):
    body = {"executive_summary": "Rewritten.", "revision": public.revision}
    # They read the published report, but may not write in it.
    for person in (partner, analyst):
        response = client_for(person).patch(url("api-report-narrative", public.pk), body)
        assert response.status_code == 403, person.username
    # Chen reads the draft but does not write it; Amina does not even see it.
    body["revision"] = draft.revision
    assert (
        client_for(special_adviser).patch(url("api-report-narrative", draft.pk), body).status_code
        == 403
    )
    assert client_for(analyst).patch(url("api-report-narrative", draft.pk), body).status_code == 404
    draft.refresh_from_db()
    assert draft.executive_summary == ""


# --- The moves ---------------------------------------------------------------------------------


def move(user, report, action, **body):
    return client_for(user).post(url("api-report-move", report.pk, action), body, format="json")


def test_a_draft_goes_to_review_back_with_a_reason_and_forward_again(draft, sg_office):
    services.report_narrative_update(report=draft, actor=sg_office, data=NARRATIVE)
    submitted = move(sg_office, draft, "submit")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "in_review"

    silent = move(sg_office, draft, "return")
    assert silent.status_code == 400
    assert fields(silent) == {"comment": ["Say why it goes back to draft."]}
    blank = move(sg_office, draft, "return", comment="   ")
    assert blank.status_code == 400 and set(fields(blank)) == {"comment"}

    returned = move(sg_office, draft, "return", comment="Recheck the referral figures.")
    assert returned.status_code == 200 and returned.json()["status"] == "draft"
    last = ReportTransition.objects.filter(report=draft).last()
    assert (last.action, last.comment, last.actor) == (
        "return",
        "Recheck the referral figures.",
        sg_office,
    )
    assert move(sg_office, draft, "submit").json()["status"] == "in_review"


def test_a_move_not_allowed_from_the_status_or_on_a_stale_revision_is_a_conflict(draft, sg_office):
    for action in ("publish", "return", "retry"):
        response = move(sg_office, draft, action, comment="Because.")
        assert response.status_code == 409, (action, response.content)
    stale = move(sg_office, draft, "submit", revision=draft.revision - 1)
    assert stale.status_code == 409
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert move(sg_office, draft, "submit", revision=draft.revision).status_code == 200


def test_an_unknown_action_is_a_bad_request(draft, sg_office):
    for action in ("frobnicate", "compiled", "fail", "supersede"):
        response = move(sg_office, draft, action)
        assert response.status_code == 400, action
        assert set(fields(response)) == {"action"}
    assert move(sg_office, draft, "submit", colour="red").status_code == 400
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_publishing_needs_every_narrative_section(sg_office):
    report = compiled(sg_office, Q1)
    services.report_narrative_update(
        report=report, actor=sg_office, data={"executive_summary": "Only this."}
    )
    services.report_transition(report=report, actor=sg_office, action="submit")
    response = move(sg_office, report, "publish")
    assert response.status_code == 400
    assert set(fields(response)) == {"progress_by_pillar", "recommendations"}
    report.refresh_from_db()
    assert report.status == S.IN_REVIEW and not report.pdf_sha256


def test_dara_publishes_and_the_files_are_frozen_with_their_hashes(sg_office, special_adviser):
    report = in_review(sg_office, Q1, CONFIDENTIAL)
    assert move(special_adviser, report, "publish").status_code == 403
    response = move(sg_office, report, "publish", revision=report.revision)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    report.refresh_from_db()
    assert bytes(report.pdf).startswith(b"%PDF")
    assert report.annex_json_sha256 == hashlib.sha256(report.annex_json.encode()).hexdigest()
    assert response.json()["content_hash"] == report.content_hash
    assert response.json()["links"]["pdf"] == url("api-report-pdf", report.pk)
    assert move(sg_office, report, "publish").status_code == 409


def test_a_failed_compilation_is_retried(sg_office, special_adviser):
    report, _ = services.report_request(
        kind="quarterly", period=Q1, audience=PUBLIC, actor=sg_office
    )
    services.report_fail(report_id=report.pk, reason="The database could not be reached.")
    failed = client_for(sg_office).get(url("api-report-detail", report.pk)).json()
    assert failed["status"] == "failed"
    assert failed["progress"]["failure"] == "The database could not be reached."
    assert failed["progress"]["finished"] is True

    assert move(special_adviser, report, "retry").status_code == 403
    response = move(sg_office, report, "retry")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "compiling"
    assert body["progress"]["failure"] == ""
    assert body["progress"]["step"] == "Waiting for a worker"
    assert body["progress"]["finished"] is False
    assert services.report_compile(report_id=report.pk).status == S.DRAFT


def test_amina_cannot_move_a_draft_she_cannot_see(draft, analyst):
    assert move(analyst, draft, "submit").status_code == 404
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


# --- The frozen files ------------------------------------------------------------------------


def test_the_json_annex_is_the_stored_text_with_its_published_hash(public, partner):
    before = reads(partner, "annex.json")
    response = client_for(partner).get(url("api-report-annex", public.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == public.annex_json.encode()
    digest = hashlib.sha256(response.content).hexdigest()
    assert digest == public.annex_json_sha256 == response["X-Content-SHA256"]
    assert response["Content-Disposition"] == 'attachment; filename="R2P-2026-Q3-PUB-v1.json"'
    annex = json.loads(response.content)
    assert annex["reference"] == public.reference
    assert annex["tables"] == public.figures["tables"]
    assert reads(partner, "annex.json") == before + 1


def test_the_csv_annex_is_the_stored_text_with_its_published_hash(public, liaison):
    before = reads(liaison, "annex.csv")
    response = client_for(liaison).get(url("api-report-annex-csv", public.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content == public.annex_csv.encode()
    digest = hashlib.sha256(response.content).hexdigest()
    assert digest == public.annex_csv_sha256 == response["X-Content-SHA256"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and set(rows[0]) == {"table", "table_title", "row", "column", "value", "text"}
    assert reads(liaison, "annex.csv") == before + 1


def test_the_pdf_is_the_stored_file_with_its_published_hash(public, partner):
    before = reads(partner, "pdf")
    response = client_for(partner).get(url("api-report-pdf", public.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response.content == bytes(public.pdf)
    digest = hashlib.sha256(response.content).hexdigest()
    assert digest == public.pdf_sha256 == response["X-Content-SHA256"]
    assert response["Content-Disposition"] == 'attachment; filename="R2P-2026-Q3-PUB-v1.pdf"'
    assert reads(partner, "pdf") == before + 1


def test_every_read_of_the_published_report_is_a_row_in_the_audit_trail(public, partner):
    client = client_for(partner)
    for name in ("api-report-detail", "api-report-annex", "api-report-annex-csv", "api-report-pdf"):
        assert client.get(url(name, public.pk)).status_code == 200
    events = AuditEvent.objects.filter(action="report.read", actor=partner).order_by("id")
    assert [e.summary["what"] for e in events] == ["api", "annex.json", "annex.csv", "pdf"]
    for event in events:
        assert event.actor_username == "relay"
        assert (event.object_type, event.object_id) == ("reports.report", str(public.pk))
        assert event.summary["reference"] == public.reference
        assert event.summary["hash"] == public.content_hash


def test_a_draft_has_no_files_yet(draft, sg_office):
    client = client_for(sg_office)
    for name in ("api-report-annex", "api-report-annex-csv", "api-report-pdf"):
        response = client.get(url(name, draft.pk))
        assert response.status_code == 404, name
        assert response["Content-Type"] == "application/json"
    assert not AuditEvent.objects.filter(action="report.read").exists()


def test_the_confidential_files_open_to_liv_and_not_to_elena(confidential, liaison, liv):
    for name in ("api-report-detail", "api-report-annex", "api-report-annex-csv", "api-report-pdf"):
        assert client_for(liaison).get(url(name, confidential.pk)).status_code == 404, name
        assert client_for(liv).get(url(name, confidential.pk)).status_code == 200, name
    assert not AuditEvent.objects.filter(action="report.read", actor=liaison).exists()
    assert AuditEvent.objects.filter(action="report.read", actor=liv).count() == 4


# --- Releases and corrections --------------------------------------------------------------------


def test_dara_releases_the_confidential_report_to_more_member_states(
    public, confidential, sg_office, partner
):
    client = client_for(sg_office)
    path = url("api-report-release", confidential.pk)
    response = client.post(path, {"member_states": ["swe", "NOR"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"member_states": ["NOR", "SWE"]}
    bad = client.post(path, {"member_states": ["XXX", "norway"]}, format="json")
    assert bad.status_code == 400 and len(fields(bad)["member_states"]) == 2
    empty = client.post(path, {"member_states": []}, format="json")
    assert empty.status_code == 400 and set(fields(empty)) == {"member_states"}
    already_public = client.post(
        url("api-report-release", public.pk), {"member_states": ["NOR"]}, format="json"
    )
    assert already_public.status_code == 409
    forbidden = client_for(partner).post(
        url("api-report-release", public.pk), {"member_states": ["NOR"]}, format="json"
    )
    assert forbidden.status_code == 403
    assert ReportRelease.objects.filter(report=confidential).count() == 2


def test_a_correction_is_a_new_version_that_supersedes_on_publication(public, sg_office):
    client = client_for(sg_office)
    path = url("api-report-correct", public.pk)
    silent = client.post(path, {"reason": ""}, format="json")
    assert silent.status_code == 400 and set(fields(silent)) == {"reason"}
    response = client.post(path, {"reason": "A referral was counted twice."}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["version"] == 2 and body["status"] == "compiling"
    assert body["supersedes"] == public.pk
    assert body["reference"] == "R2P/2026-Q3/PUB/v2"
    correction = Report.objects.get(pk=body["id"])
    assert correction.executive_summary == public.executive_summary
    assert client.post(path, {"reason": "Again."}, format="json").status_code == 409


# --- Nobody else ----------------------------------------------------------------------------


def every_request(public, draft):
    yield "get", url("api-report-list"), None
    yield "post", url("api-report-list"), {"kind": "annual", "year": 2025}
    for report in (public, draft):
        yield "get", url("api-report-detail", report.pk), None
        yield "patch", url("api-report-narrative", report.pk), {"executive_summary": "x"}
        yield "get", url("api-report-annex", report.pk), None
        yield "get", url("api-report-annex-csv", report.pk), None
        yield "get", url("api-report-pdf", report.pk), None
        yield "post", url("api-report-correct", report.pk), {"reason": "x"}
        yield "post", url("api-report-release", report.pk), {"member_states": ["NOR"]}
        for action in ("submit", "publish", "retry", "frobnicate"):
            yield "post", url("api-report-move", report.pk, action), {"comment": "x"}


def test_oscar_the_auditor_and_the_administrator_get_404_everywhere(
    public, draft, outsider, auditor, administrator
):
    revision = Report.objects.get(pk=draft.pk).revision
    for person in (outsider, auditor, administrator):
        client = client_for(person)
        for method, path, body in every_request(public, draft):
            response = getattr(client, method)(path, body, format="json")
            assert response.status_code == 404, (person.username, method, path)
            assert response.json() == {
                "error": {"code": "not_found", "message": "Not found.", "fields": {}}
            }
    assert made().count() == 1
    assert Report.objects.get(pk=draft.pk).revision == revision
    assert not AuditEvent.objects.filter(action="report.read").exists()


def test_without_credentials_nothing_answers_but_401(public, draft):
    client = APIClient()
    for method, path, body in every_request(public, draft):
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code == 401, (method, path, response.status_code)
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token r2p_madeupmadeupmadeup")
    assert bad_token.get(url("api-report-list")).status_code == 401
    assert not AuditEvent.objects.filter(action="report.read").exists()


# --- The schema ----------------------------------------------------------------------------------


def test_the_schema_documents_the_reports_without_a_warning(tmp_path: Path):
    target = tmp_path / "schema.yaml"
    # --fail-on-warn turns any drf-spectacular warning into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/v1/reports/:",
        "/api/v1/reports/{id}/:",
        "/api/v1/reports/{id}/narrative/:",
        "/api/v1/reports/{id}/annex.json:",
        "/api/v1/reports/{id}/annex.csv:",
        "/api/v1/reports/{id}/report.pdf:",
        "/api/v1/reports/{id}/correct/:",
        "/api/v1/reports/{id}/release/:",
        "/api/v1/reports/{id}/{action}/:",
    ):
        assert path in text, path
    for operation in ("reports_list", "reports_compile", "reports_move", "reports_annex_json"):
        assert f"operationId: {operation}" in text, operation
