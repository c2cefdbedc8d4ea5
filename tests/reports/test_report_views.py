"""The report pages: Dara compiles, follows the progress, writes the narrative, submits and
publishes, corrects and releases; field errors in words; the frozen document and its files;
404 for anyone a report is not for."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from r2p.models import AuditEvent, Classification
from reports import services
from reports.models import Report, ReportRelease, ReportStatus
from tests.reports.conftest import NARRATIVE, published

pytestmark = pytest.mark.django_db

S = ReportStatus


def test_dara_sees_the_compile_form_and_the_reports(client, sg_office, draft):
    client.force_login(sg_office)
    page = client.get(reverse("reports:report-list"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Compile a report" in text and draft.reference in text


def test_dara_compiles_a_quarter_from_the_form(client, sg_office):
    client.force_login(sg_office)
    answer = client.post(
        reverse("reports:report-list"),
        {"kind": "quarterly", "year": "2026", "quarter": "3", "audience": "0"},
    )
    report = Report.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "reports:report-detail", args=[report.pk]
    )
    assert report.status == S.COMPILING and report.requested_by == sg_office
    page = client.get(answer["Location"])
    text = page.content.decode()
    assert "Compilation" in text and "data-progress-url" in text
    progress = client.get(reverse("reports:report-progress", args=[report.pk])).json()
    assert progress["status"] == "compiling" and progress["finished"] is False


def test_the_compile_form_names_the_wrong_field(client, sg_office):
    client.force_login(sg_office)
    page = client.post(
        reverse("reports:report-list"),
        {
            "kind": "custom",
            "period_start": "2026-09-01",
            "period_end": "2026-08-01",
            "audience": "0",
        },
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "The period must end on or after its first day." in text
    assert 'id="id_period_end_error"' in text
    assert not Report.objects.exists()


def test_the_list_shows_no_compile_form_to_readers(client, analyst, liaison):
    for person in (analyst, liaison):
        client.force_login(person)
        page = client.get(reverse("reports:report-list"))
        assert page.status_code == 200 and "Compile a report" not in page.content.decode()
        refused = client.post(
            reverse("reports:report-list"), {"kind": "annual", "year": "2025", "audience": "0"}
        )
        assert refused.status_code == 404
    assert not Report.objects.exists()


def test_dara_writes_the_narrative_and_publishes_from_the_page(client, sg_office, draft):
    client.force_login(sg_office)
    detail = reverse("reports:report-detail", args=[draft.pk])
    page = client.get(detail)
    text = page.content.decode()
    assert "Save the narrative" in text and "Submit for review" in text
    saved = client.post(
        reverse("reports:report-narrative", args=[draft.pk]),
        {**NARRATIVE, "revision": draft.revision},
    )
    assert saved.status_code == 302
    report = Report.objects.get(pk=draft.pk)
    assert report.executive_summary == NARRATIVE["executive_summary"]
    client.post(
        reverse("reports:report-move", args=[draft.pk, "submit"]), {"revision": report.revision}
    )
    report.refresh_from_db()
    assert report.status == S.IN_REVIEW
    client.post(
        reverse("reports:report-move", args=[draft.pk, "publish"]), {"revision": report.revision}
    )
    report.refresh_from_db()
    assert report.status == S.PUBLISHED
    page = client.get(detail)
    text = page.content.decode()
    assert "Download the PDF" in text and report.content_hash in text
    assert escape(NARRATIVE["recommendations"]) in text


def test_a_stale_narrative_is_refused_without_losing_the_text(client, sg_office, draft):
    client.force_login(sg_office)
    services.report_narrative_update(report=draft, actor=sg_office, data={"recommendations": "A"})
    answer = client.post(
        reverse("reports:report-narrative", args=[draft.pk]),
        {**NARRATIVE, "revision": draft.revision},
        follow=True,
    )
    assert "changed since you read it" in answer.content.decode()
    assert Report.objects.get(pk=draft.pk).recommendations == "A"


def test_a_too_long_section_is_shown_beside_its_field(client, sg_office, draft):
    client.force_login(sg_office)
    page = client.post(
        reverse("reports:report-narrative", args=[draft.pk]),
        {**NARRATIVE, "recommendations": "x" * 60_000, "revision": draft.revision},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert 'id="id_recommendations_error"' in text and "Keep this under" in text
    assert NARRATIVE["executive_summary"] in text  # what was typed comes back


def test_returning_without_a_reason_says_so(client, sg_office, draft):
    client.force_login(sg_office)
    report = services.report_transition(report=draft, actor=sg_office, action="submit")
    answer = client.post(
        reverse("reports:report-move", args=[report.pk, "return"]),
        {"revision": report.revision},
        follow=True,
    )
    assert "Say why it goes back to draft." in answer.content.decode()
    assert Report.objects.get(pk=report.pk).status == S.IN_REVIEW


def test_the_published_files_download_exactly_as_frozen_and_each_read_is_audited(
    client, liaison, public_report
):
    client.force_login(liaison)
    page = client.get(reverse("reports:report-detail", args=[public_report.pk]))
    assert page.status_code == 200 and public_report.html in page.content.decode()
    pdf = client.get(reverse("reports:report-pdf", args=[public_report.pk]))
    assert pdf.content == bytes(public_report.pdf)
    assert pdf["Content-Disposition"] == 'attachment; filename="R2P-2026-Q3-PUB-v1.pdf"'
    annex = client.get(reverse("reports:report-annex", args=[public_report.pk, "json"]))
    assert annex.content.decode() == public_report.annex_json
    csv = client.get(reverse("reports:report-annex", args=[public_report.pk, "csv"]))
    assert csv.content.decode() == public_report.annex_csv
    reads = AuditEvent.objects.filter(action="report.read", actor=liaison)
    assert sorted(e.summary["what"] for e in reads) == ["annex.csv", "annex.json", "page", "pdf"]


def test_drafts_are_not_for_readers_and_have_no_annex(client, draft, analyst, liaison, sg_office):
    for person in (analyst, liaison):
        client.force_login(person)
        for name, args in (
            ("reports:report-detail", [draft.pk]),
            ("reports:report-pdf", [draft.pk]),
            ("reports:report-progress", [draft.pk]),
        ):
            assert client.get(reverse(name, args=args)).status_code == 404
    client.force_login(sg_office)
    assert client.get(reverse("reports:report-annex", args=[draft.pk, "csv"])).status_code == 404
    preview = client.get(reverse("reports:report-pdf", args=[draft.pk]))
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")


def test_an_outsider_gets_nothing(client, outsider, public_report):
    client.force_login(outsider)
    assert client.get(reverse("reports:report-list")).status_code == 404
    for name, args in (
        ("reports:report-detail", [public_report.pk]),
        ("reports:report-pdf", [public_report.pk]),
        ("reports:report-annex", [public_report.pk, "json"]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404


def test_dara_corrects_a_published_report_and_both_versions_say_why(
    client, sg_office, public_report
):
    client.force_login(sg_office)
    answer = client.post(
        reverse("reports:report-correct", args=[public_report.pk]),
        {"reason": "Two referrals were dated in the wrong quarter."},
    )
    correction = Report.objects.get(supersedes=public_report)
    assert answer["Location"] == reverse("reports:report-detail", args=[correction.pk])
    correction = services.report_compile(report_id=correction.pk)
    correction = services.report_transition(report=correction, actor=sg_office, action="submit")
    services.report_transition(report=correction, actor=sg_office, action="publish")
    old = client.get(reverse("reports:report-detail", args=[public_report.pk])).content.decode()
    new = client.get(reverse("reports:report-detail", args=[correction.pk])).content.decode()
    assert "Superseded." in old and "Two referrals were dated in the wrong quarter." in old
    assert "Correction." in new and "Two referrals were dated in the wrong quarter." in new
    assert correction.reference in old and public_report.reference in new


def test_dara_releases_a_confidential_report_to_norway(client, sg_office):
    report = published(sg_office, audience=Classification.CONFIDENTIAL)
    client.force_login(sg_office)
    answer = client.post(
        reverse("reports:report-release", args=[report.pk]),
        {"member_states": "NOR, ZZZ"},
        follow=True,
    )
    assert "ZZZ is not a known" in answer.content.decode()
    assert not ReportRelease.objects.exists()
    client.post(reverse("reports:report-release", args=[report.pk]), {"member_states": "nor"})
    assert list(ReportRelease.objects.values_list("member_state", flat=True)) == ["NOR"]
