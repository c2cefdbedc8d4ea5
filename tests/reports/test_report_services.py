"""The life of a report: requested (idempotently), compiled, failed and retried, edited, reviewed,
published and frozen for good, corrected by a new version that supersedes it, released to member
states. Every move is checked against REPORT_MOVES, for the people who may and may not make it.
"""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from r2p.errors import ApplicationValidationError, ConflictError, ForbiddenError
from r2p.models import AuditEvent, Classification
from reports import services
from reports.figures import Period
from reports.models import Report, ReportRelease, ReportStatus, ReportTransition
from tests.reports.conftest import NARRATIVE, Q3, compiled, published

pytestmark = pytest.mark.django_db

S = ReportStatus


# --- Requesting: one report per period and audience ----------------------------------------------


def test_dara_asks_for_q3_and_gets_one_report_compiling(sg_office):
    report, created = services.report_request(
        kind="quarterly", period=Q3, audience=Classification.PUBLIC, actor=sg_office
    )
    assert created and report.status == S.COMPILING and report.version == 1
    assert report.reference == "R2P/2026-Q3/PUB/v1"
    assert report.title.endswith("the third quarter of 2026")
    assert AuditEvent.objects.filter(action="report.request", object_id=str(report.pk)).exists()


def test_asking_twice_for_the_same_period_gives_the_same_report(sg_office):
    first, created = services.report_request(
        kind="quarterly", period=Q3, audience=Classification.PUBLIC, actor=sg_office
    )
    again, created_again = services.report_request(
        kind="quarterly", period=Q3, audience=Classification.PUBLIC, actor=sg_office
    )
    assert created and not created_again and again.pk == first.pk
    assert Report.objects.count() == 1


def test_compiling_a_draft_period_again_recompiles_the_same_draft(sg_office):
    report = compiled(sg_office)
    services.report_narrative_update(report=report, actor=sg_office, data=NARRATIVE)
    again, created = services.report_request(
        kind="quarterly", period=Q3, audience=Classification.PUBLIC, actor=sg_office
    )
    assert not created and again.pk == report.pk and again.status == S.COMPILING
    finished = services.report_compile(report_id=report.pk)
    assert finished.status == S.DRAFT
    assert finished.executive_summary == NARRATIVE["executive_summary"]  # the narrative stays
    assert Report.objects.count() == 1


def test_each_audience_has_its_own_report_of_a_period(sg_office):
    public, _ = services.report_request(kind="quarterly", period=Q3, audience=0, actor=sg_office)
    confidential, _ = services.report_request(
        kind="quarterly", period=Q3, audience=1, actor=sg_office
    )
    assert public.pk != confidential.pk
    assert confidential.reference == "R2P/2026-Q3/CONF/v1"


def test_the_database_refuses_a_second_open_report_of_a_period(sg_office):
    services.report_request(kind="quarterly", period=Q3, audience=0, actor=sg_office)
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            kind="quarterly",
            period_start=Q3.start,
            period_end=Q3.end,
            audience=0,
            version=2,
            status_since=timezone.now(),
        )


def test_a_published_period_is_corrected_not_compiled_again(sg_office):
    published(sg_office)
    with pytest.raises(ConflictError, match="issue a correction"):
        services.report_request(kind="quarterly", period=Q3, audience=0, actor=sg_office)


def test_only_the_sg_office_compiles_reports(analyst, special_adviser, liaison):
    for person in (analyst, special_adviser, liaison):
        with pytest.raises(ForbiddenError):
            services.report_request(kind="quarterly", period=Q3, audience=0, actor=person)
    assert not Report.objects.exists()


def test_an_audience_above_the_requesters_clearance_is_refused(sg_office):
    sg_office.clearance = Classification.CONFIDENTIAL
    sg_office.save()
    with pytest.raises(ApplicationValidationError) as caught:
        services.report_request(kind="quarterly", period=Q3, audience=2, actor=sg_office)
    assert "audience" in caught.value.fields


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"kind": "monthly"}, "kind"),
        ({"kind": "quarterly", "year": 2026, "quarter": 5}, "quarter"),
        ({"kind": "quarterly", "year": "soon", "quarter": 1}, "year"),
        ({"kind": "annual", "year": 1999}, "year"),
        ({"kind": "annual", "year": 2099}, "year"),  # not begun yet
        ({"kind": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "period_start"),
        ({"kind": "custom", "start": "2026-03-02", "end": "2026-03-01"}, "period_end"),
        ({"kind": "custom", "start": "2019-01-01", "end": "2026-03-01"}, "period_end"),
    ],
)
def test_a_bad_period_is_named_field_by_field(given, field):
    with pytest.raises(ApplicationValidationError) as caught:
        services.period_parse(**given, today=date(2026, 11, 24))
    assert field in caught.value.fields


def test_periods_are_read_from_quarters_years_and_dates():
    today = date(2026, 11, 24)
    assert services.period_parse(kind="quarterly", year=2026, quarter=4, today=today) == Period(
        date(2026, 10, 1), date(2026, 12, 31)
    )
    assert services.period_parse(kind="quarterly", year="2026", quarter="1", today=today) == Period(
        date(2026, 1, 1), date(2026, 3, 31)
    )
    assert services.period_parse(kind="annual", year=2025, today=today) == Period(
        date(2025, 1, 1), date(2025, 12, 31)
    )
    assert services.period_parse(
        kind="custom", start="2026-05-03", end="2026-05-20", today=today
    ) == Period(date(2026, 5, 3), date(2026, 5, 20))


# --- Compiling: the worker's part ----------------------------------------------------------------


def test_compiling_writes_the_figures_and_makes_a_draft(sg_office):
    report, _ = services.report_request(kind="quarterly", period=Q3, audience=0, actor=sg_office)
    done = services.report_compile(report_id=report.pk)
    assert done.status == S.DRAFT and done.compiled_at is not None
    assert done.progress_done == done.progress_total == 10
    assert done.figures["period"] == {"start": "2026-07-01", "end": "2026-09-30"}
    assert done.figures["previous"] == {"start": "2026-04-01", "end": "2026-06-30"}
    assert {t["key"] for t in done.figures["tables"]} >= {
        "situations_by_region",
        "signals_by_category",
        "escalation_times",
        "referrals_by_body",
        "options_by_pillar",
        "warning_response_gap",
        "inaction_alerts",
    }
    moves = list(ReportTransition.objects.filter(report=done).values_list("action", "actor"))
    assert moves == [("request", sg_office.pk), ("compiled", None)]


def test_compiling_twice_does_nothing_the_second_time(draft):
    before = Report.objects.get(pk=draft.pk)
    again = services.report_compile(report_id=draft.pk)
    assert again.status == S.DRAFT and again.compiled_at == before.compiled_at
    assert again.revision == before.revision


def test_a_compilation_cut_off_half_way_finishes_when_run_again(sg_office):
    """A worker that dies keeps nothing but progress: the report is still compiling, and the
    redelivered task compiles it from the start."""
    report, _ = services.report_request(kind="quarterly", period=Q3, audience=0, actor=sg_office)
    Report.objects.filter(pk=report.pk).update(progress_done=4, progress_total=10, attempts=1)
    done = services.report_compile(report_id=report.pk)
    assert done.status == S.DRAFT and done.attempts == 2 and done.figures["tables"]


def test_a_failure_is_recorded_with_its_reason_and_retried(sg_office):
    report, _ = services.report_request(kind="quarterly", period=Q3, audience=0, actor=sg_office)
    services.report_fail(report_id=report.pk, reason="OperationalError: the server went away")
    failed = Report.objects.get(pk=report.pk)
    assert failed.status == S.FAILED and "went away" in failed.failure
    retried = services.report_transition(report=failed, actor=sg_office, action="retry")
    assert retried.status == S.COMPILING and retried.failure == ""
    assert services.report_compile(report_id=report.pk).status == S.DRAFT


def test_asking_for_a_failed_period_returns_the_failed_report_to_retry(sg_office):
    report, _ = services.report_request(kind="quarterly", period=Q3, audience=0, actor=sg_office)
    services.report_fail(report_id=report.pk, reason="boom")
    again, created = services.report_request(
        kind="quarterly", period=Q3, audience=0, actor=sg_office
    )
    assert not created and again.pk == report.pk and again.status == S.FAILED


# --- The workflow table --------------------------------------------------------------------------

USER_MOVES = {
    ("retry", S.FAILED): S.COMPILING,
    ("recompile", S.DRAFT): S.COMPILING,
    ("submit", S.DRAFT): S.IN_REVIEW,
    ("return", S.IN_REVIEW): S.DRAFT,
    ("publish", S.IN_REVIEW): S.PUBLISHED,
}


def _in_status(actor, status: str) -> Report:
    if status == S.COMPILING:
        return services.report_request(kind="quarterly", period=Q3, audience=0, actor=actor)[0]
    if status == S.FAILED:
        report = services.report_request(kind="quarterly", period=Q3, audience=0, actor=actor)[0]
        services.report_fail(report_id=report.pk, reason="boom")
        return Report.objects.get(pk=report.pk)
    report = compiled(actor)
    services.report_narrative_update(report=report, actor=actor, data=NARRATIVE)
    if status == S.DRAFT:
        return Report.objects.get(pk=report.pk)
    report = services.report_transition(report=report, actor=actor, action="submit")
    if status == S.IN_REVIEW:
        return report
    report = services.report_transition(report=report, actor=actor, action="publish")
    if status == S.PUBLISHED:
        return report
    correction = services.report_correct(report=report, actor=actor, reason="A typo")
    published_correction = _publish_correction(actor, correction)
    assert published_correction.status == S.PUBLISHED
    return Report.objects.get(pk=report.pk)


def _publish_correction(actor, correction: Report) -> Report:
    correction = services.report_compile(report_id=correction.pk)
    correction = services.report_transition(report=correction, actor=actor, action="submit")
    return services.report_transition(report=correction, actor=actor, action="publish")


@pytest.mark.parametrize("status", [s for s in S.values])
@pytest.mark.parametrize("action", ["retry", "recompile", "submit", "return", "publish"])
def test_the_sg_office_makes_exactly_the_moves_of_the_table(sg_office, status, action):
    report = _in_status(sg_office, status)
    expected = USER_MOVES.get((action, status))
    if expected is None:
        with pytest.raises(ConflictError):
            services.report_transition(
                report=report, actor=sg_office, action=action, comment="Because."
            )
        assert Report.objects.get(pk=report.pk).status == status
    else:
        moved = services.report_transition(
            report=report, actor=sg_office, action=action, comment="Because."
        )
        assert moved.status == expected
        assert ReportTransition.objects.filter(report=report, action=action).exists()


@pytest.mark.parametrize("action", ["submit", "recompile"])
def test_nobody_outside_the_sg_office_moves_a_report(
    sg_office, special_adviser, analyst, liaison, action
):
    report = _in_status(sg_office, S.DRAFT)
    for person in (special_adviser, analyst, liaison):
        with pytest.raises(ForbiddenError):
            services.report_transition(report=report, actor=person, action=action)
    assert Report.objects.get(pk=report.pk).status == S.DRAFT


def test_the_system_moves_are_not_for_people(sg_office):
    report = _in_status(sg_office, S.COMPILING)
    for action in ("compiled", "fail", "supersede"):
        with pytest.raises(ApplicationValidationError):
            services.report_transition(report=report, actor=sg_office, action=action)


def test_returning_to_draft_needs_a_reason(sg_office):
    report = _in_status(sg_office, S.IN_REVIEW)
    with pytest.raises(ApplicationValidationError) as caught:
        services.report_transition(report=report, actor=sg_office, action="return")
    assert "comment" in caught.value.fields


def test_a_stale_revision_is_refused(sg_office):
    report = _in_status(sg_office, S.DRAFT)
    with pytest.raises(ConflictError, match="changed since you read it"):
        services.report_transition(
            report=report, actor=sg_office, action="submit", revision=report.revision - 1
        )


# --- The narrative -------------------------------------------------------------------------------


def test_dara_writes_the_narrative_of_a_draft(draft, sg_office):
    updated = services.report_narrative_update(
        report=draft, actor=sg_office, data=NARRATIVE, revision=draft.revision
    )
    assert updated.recommendations == NARRATIVE["recommendations"]
    assert updated.revision == draft.revision + 1
    event = AuditEvent.objects.get(action="report.narrative")
    assert sorted(event.summary["fields"]) == sorted(NARRATIVE)


def test_the_narrative_is_checked_field_by_field(draft, sg_office):
    with pytest.raises(ApplicationValidationError) as caught:
        services.report_narrative_update(
            report=draft,
            actor=sg_office,
            data={"executive_summary": 12, "recommendations": "x" * 200_000, "summary": "?"},
        )
    assert set(caught.value.fields) == {"executive_summary", "recommendations", "summary"}
    assert Report.objects.get(pk=draft.pk).executive_summary == ""


def test_the_narrative_is_not_edited_once_in_review(sg_office):
    report = _in_status(sg_office, S.IN_REVIEW)
    with pytest.raises(ConflictError):
        services.report_narrative_update(report=report, actor=sg_office, data=NARRATIVE)


def test_a_report_is_not_published_before_its_narrative_is_written(draft, sg_office):
    report = services.report_transition(report=draft, actor=sg_office, action="submit")
    with pytest.raises(ApplicationValidationError) as caught:
        services.report_transition(report=report, actor=sg_office, action="publish")
    assert set(caught.value.fields) == {
        "executive_summary",
        "progress_by_pillar",
        "recommendations",
    }
    assert Report.objects.get(pk=draft.pk).status == S.IN_REVIEW


# --- Publication freezes everything --------------------------------------------------------------


def test_publishing_stores_the_files_with_their_hashes(public_report, sg_office):
    report = Report.objects.get(pk=public_report.pk)
    assert report.status == S.PUBLISHED and report.published_by == sg_office
    assert bytes(report.pdf).startswith(b"%PDF")
    for name in ("html", "annex_csv", "annex_json"):
        value = getattr(report, name)
        assert value and hashlib.sha256(value.encode()).hexdigest() == getattr(
            report, f"{name}_sha256"
        )
    assert hashlib.sha256(bytes(report.pdf)).hexdigest() == report.pdf_sha256
    joined = report.html_sha256 + report.pdf_sha256 + report.annex_csv_sha256
    assert (
        report.content_hash
        == hashlib.sha256((joined + report.annex_json_sha256).encode()).hexdigest()
    )
    assert NARRATIVE["executive_summary"] in report.html


def test_a_published_report_never_changes_through_the_services(public_report, sg_office):
    for action in ("submit", "return", "recompile", "publish"):
        with pytest.raises(ConflictError):
            services.report_transition(
                report=public_report, actor=sg_office, action=action, comment="x"
            )
    with pytest.raises(ConflictError):
        services.report_narrative_update(report=public_report, actor=sg_office, data=NARRATIVE)


@pytest.mark.parametrize(
    "change",
    [
        {"executive_summary": "Rewritten after the fact."},
        {"html": "<p>forged</p>"},
        {"pdf": b"%PDF-forged"},
        {"annex_json": "{}"},
        {"figures": {"tables": []}},
        {"content_hash": "0" * 64},
        {"status": "draft"},
        {"audience": 1},
    ],
)
def test_the_database_refuses_any_change_to_a_published_report(public_report, change):
    with pytest.raises(ProgrammingError, match="published"), transaction.atomic():
        Report.objects.filter(pk=public_report.pk).update(**change)
    fresh = Report.objects.get(pk=public_report.pk)
    assert fresh.html == public_report.html and fresh.status == S.PUBLISHED


def test_the_database_refuses_to_delete_a_published_report(public_report):
    with (
        pytest.raises(ProgrammingError, match="cannot be deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM reports_report WHERE id = %s", [public_report.pk])
    assert Report.objects.filter(pk=public_report.pk).exists()


# --- Corrections ---------------------------------------------------------------------------------


def test_a_correction_is_a_new_version_that_supersedes_the_old_one(public_report, sg_office):
    correction = services.report_correct(
        report=public_report, actor=sg_office, reason="Referrals to ECOWAS were counted twice."
    )
    assert correction.version == 2 and correction.supersedes_id == public_report.pk
    assert correction.reference == "R2P/2026-Q3/PUB/v2"
    assert correction.executive_summary == NARRATIVE["executive_summary"]
    # Until the correction is published, the old version stands.
    assert Report.objects.get(pk=public_report.pk).status == S.PUBLISHED
    done = _publish_correction(sg_office, correction)
    old = Report.objects.get(pk=public_report.pk)
    assert done.status == S.PUBLISHED and old.status == S.SUPERSEDED
    assert old.superseded_at == done.published_at
    assert old.html == public_report.html and bytes(old.pdf) == bytes(public_report.pdf)
    assert old.content_hash == public_report.content_hash
    # The reason is on both: in the new version's document and on the old one's transition.
    assert "Referrals to ECOWAS were counted twice." in done.html
    assert ReportTransition.objects.get(report=old, action="supersede").comment == (
        "Referrals to ECOWAS were counted twice."
    )


def test_a_correction_needs_a_reason_and_only_one_at_a_time(public_report, sg_office):
    with pytest.raises(ApplicationValidationError) as caught:
        services.report_correct(report=public_report, actor=sg_office, reason="  ")
    assert "reason" in caught.value.fields
    services.report_correct(report=public_report, actor=sg_office, reason="First fix")
    with pytest.raises(ConflictError):
        services.report_correct(report=public_report, actor=sg_office, reason="Second fix")


def test_a_superseded_version_is_not_corrected_again(public_report, sg_office):
    _publish_correction(
        sg_office, services.report_correct(report=public_report, actor=sg_office, reason="Fix")
    )
    with pytest.raises(ConflictError):
        services.report_correct(
            report=Report.objects.get(pk=public_report.pk), actor=sg_office, reason="Again"
        )


# --- Releases ------------------------------------------------------------------------------------


def test_a_confidential_report_is_released_to_named_member_states(sg_office):
    report = published(sg_office, audience=Classification.CONFIDENTIAL)
    created = services.report_release(
        report=report, actor=sg_office, member_states=["nor", "GHA", "NOR"]
    )
    assert sorted(r.member_state for r in created) == ["GHA", "NOR"]
    again = services.report_release(report=report, actor=sg_office, member_states=["NOR"])
    assert again == [] and ReportRelease.objects.filter(report=report).count() == 2
    assert AuditEvent.objects.filter(action="report.release").count() == 1


def test_a_release_names_real_member_states(sg_office):
    report = published(sg_office, audience=Classification.CONFIDENTIAL)
    with pytest.raises(ApplicationValidationError) as caught:
        services.report_release(report=report, actor=sg_office, member_states=["XXX", "NO"])
    assert len(caught.value.fields["member_states"]) == 2
    with pytest.raises(ApplicationValidationError):
        services.report_release(report=report, actor=sg_office, member_states=[])


def test_public_reports_are_not_released_and_not_by_analysts(public_report, sg_office, analyst):
    with pytest.raises(ConflictError, match="public report"):
        services.report_release(report=public_report, actor=sg_office, member_states=["NOR"])
    with pytest.raises(ForbiddenError):
        services.report_release(report=public_report, actor=analyst, member_states=["NOR"])


# --- The schedule --------------------------------------------------------------------------------


def test_the_schedule_asks_for_the_quarter_just_ended_once(sg_office):
    first = services.scheduled_report_request(kind="quarterly", today=date(2026, 10, 1))
    again = services.scheduled_report_request(kind="quarterly", today=date(2026, 10, 1))
    assert first.pk == again.pk and first.requested_by is None
    assert (first.period_start, first.period_end) == (date(2026, 7, 1), date(2026, 9, 30))
    annual = services.scheduled_report_request(kind="annual", today=date(2027, 1, 2))
    assert (annual.period_start, annual.period_end) == (date(2026, 1, 1), date(2026, 12, 31))


def test_the_schedule_leaves_a_published_period_alone(sg_office):
    report = published(sg_office)
    again = services.scheduled_report_request(kind="quarterly", today=date(2026, 10, 1))
    assert again.pk == report.pk and Report.objects.count() == 1


def test_a_compilation_no_worker_started_is_queued_again(sg_office, monkeypatch):
    from django.utils import timezone

    from reports import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.compile_report_task, "delay", sent.append)
    waiting, _ = services.report_request(kind="quarterly", period=Q3, audience=0, actor=sg_office)
    started, _ = services.report_request(kind="quarterly", period=Q3, audience=1, actor=sg_office)
    services.report_request(kind="quarterly", period=Q3, audience=2, actor=sg_office)
    old = timezone.now() - timezone.timedelta(minutes=30)
    Report.objects.filter(pk__in=[waiting.pk, started.pk]).update(status_since=old)
    Report.objects.filter(pk=started.pk).update(started_at=old)
    assert services.report_compiles_requeue_stalled() == [waiting.pk]
    assert sent == [waiting.pk]
