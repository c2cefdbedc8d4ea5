"""A report to the General Assembly in the browser: Dara (SG Office) compiles it for a custom
period and a public audience, a real Celery worker compiles it while the page shows the
progress, she writes the narrative, submits it and publishes it (the last step with the keyboard
alone), and Elena (liaison for Norway) finds it, reads it and downloads the PDF and the data
annex, each read audited.

The world is the demo's (confidential situations, which a public report must not count) plus a
few public situations with their signals, assessments, escalations, referrals, response options
and inaction alerts, placed in the period and in the period before it."""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from assessments import demo as demo_assessments
from assessments.models import Assessment, Catalogue, Instrument, OptionTransition, ResponseOption
from cases import services as cases_services
from cases.demo import demo_intake_load
from cases.models import (
    Decision,
    Escalation,
    EscalationTransition,
    InactionAlert,
    Referral,
    ReferralUpdate,
    Signal,
    SignalSituationLink,
    Source,
)
from r2p.models import AuditEvent, Classification
from reports import services as report_services
from reports.figures import Period
from reports.models import Report, ReportStatus
from tests.conftest import WorkerProcess, database_url_for
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PUBLIC = Classification.PUBLIC

NARRATIVE = {
    "Executive summary": (
        "Warnings reached the Secretary-General faster this period than in the one before, "
        "and two escalations were routed to intergovernmental bodies within days of reaching "
        "the desk.\n\nThe gap between the first warning and an adopted response remains wide "
        "where the risk is highest."
    ),
    "Progress by pillar": (
        "Pillar I: States in two monitored situations accepted support to national "
        "institutions.\n\nPillar II: good offices were adopted and carried out in one situation."
        "\n\nPillar III: the Security Council was briefed on the situation at very high risk."
    ),
    "Recommendations to the General Assembly": (
        "The General Assembly is invited to encourage Member States to answer early-warning "
        "letters within thirty days, and to support the joint office's field analysis."
    ),
}

# The statuses an escalation passes through, by action.
ESCALATION_MOVES = {
    "submit": ("draft", "in_review"),
    "review": ("in_review", "reviewed"),
    "endorse": ("reviewed", "endorsed"),
    "transmit": ("endorsed", "at_desk"),
    "decide": ("at_desk", "decided"),
}


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Username")).to_be_visible()


def top_bar(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def tab_to(page, locator, *, limit: int = 120) -> int:
    """Press Tab from where the focus is (the top of a page just loaded) until `locator` has the
    focus; the number of presses. Fails if it is never reached (not focusable, hidden, or out of
    the tab order)."""
    handle = locator.element_handle()
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => document.activeElement === el", handle):
            return presses
    raise AssertionError(f"{locator} is not reached with the Tab key in {limit} presses")


def has_visible_focus(locator) -> bool:
    """The focused element draws an outline (or a box shadow) that a sighted keyboard user sees."""
    return locator.evaluate(
        """(el) => {
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
            return outline || (s.boxShadow && s.boxShadow !== 'none');
        }"""
    )


# --- The world ----------------------------------------------------------------------------------


class World:
    """Public records placed in time relative to today: the report covers the last 90 days."""

    def __init__(self, amina, bruno):
        self.amina, self.bruno = amina, bruno
        self.now = timezone.now()
        today = self.now.date()
        self.period = Period(today - timedelta(days=89), today)
        self.catalogue = Catalogue.objects.order_by("-version").first()
        self.sources = {
            source.source_type: source for source in Source.objects.filter(classification=PUBLIC)
        }
        self.count = 0

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def situation(self, title, countries, opened_days_ago):
        situation = cases_services.situation_create(
            created_by=self.amina,
            title=title,
            countries=countries,
            summary="Demo record written for the report test; it does not describe a real event.",
            classification=PUBLIC,
            lead_analyst=self.amina,
        )
        opened = self.ago(opened_days_ago)
        type(situation).objects.filter(pk=situation.pk).update(created_at=opened, updated_at=opened)
        return situation

    def signal(self, days_ago, country, category, source_type, situation=None):
        self.count += 1
        at = self.ago(days_ago)
        signal = Signal.objects.create(
            headline=f"Public demo signal {self.count}",
            occurred_on=at.date() - timedelta(days=1),
            reported_at=at,
            country=country,
            category=category,
            source=self.sources[source_type],
            credibility=2,
            origin="demo",
            created_by=self.amina,
            classification=PUBLIC,
        )
        Signal.objects.filter(pk=signal.pk).update(created_at=at)
        if situation is not None:
            SignalSituationLink.objects.create(
                signal=signal, situation=situation, linked_by=self.amina
            )

    def assessment(self, situation, version, level, approved_days_ago):
        Assessment.objects.create(
            situation=situation,
            version=version,
            catalogue=self.catalogue,
            status="approved",
            author=self.amina,
            genocide_level=level,
            crimes_against_humanity_level=level,
            war_crimes_level=level,
            computed_level=level,
            overall_level=level,
            approved_by=self.bruno,
            approved_at=self.ago(approved_days_ago),
            classification=PUBLIC,
        )

    def escalation(self, name, situation, *moves):
        status_to = moves[-1][0]
        escalation = Escalation.objects.create(
            reference=f"ESC-R{name}",
            situation=situation,
            summary="Killings of civilians reported along the border (demo).",
            status=ESCALATION_MOVES[status_to][1],
            status_since=self.ago(moves[-1][1]),
            drafted_by=self.amina,
            classification=PUBLIC,
        )
        for action, days_ago in moves:
            before, after = ESCALATION_MOVES[action]
            row = EscalationTransition.objects.create(
                escalation=escalation,
                action=action,
                from_status=before,
                to_status=after,
                actor=self.amina,
            )
            EscalationTransition.objects.filter(pk=row.pk).update(at=self.ago(days_ago))
        return escalation

    def decision(self, escalation, outcome, days_ago, sg_office):
        decision = Decision.objects.create(
            escalation=escalation,
            outcome=outcome,
            rationale="The Secretary-General's reasons (demo).",
            decided_by=sg_office,
        )
        Decision.objects.filter(pk=decision.pk).update(decided_at=self.ago(days_ago))
        return decision

    def referral(self, decision, body, sent_days_ago, *updates):
        sent_on: date = self.ago(sent_days_ago).date()
        status = updates[-1][0] if updates else "sent"
        referral = Referral.objects.create(
            decision=decision,
            body=body,
            legal_basis="Article 99 of the Charter of the United Nations",
            rationale="The body best placed to act (demo).",
            sent_on=sent_on,
            status=status,
            action_taken="The Council adopted a resolution (demo)."
            if status == "action_taken"
            else "",
            follow_up_on=sent_on + timedelta(days=30),
        )
        for status, days_ago in updates:
            row = ReferralUpdate.objects.create(
                referral=referral,
                status=status,
                follow_up_on=self.ago(days_ago).date() + timedelta(days=30),
                actor=self.amina,
            )
            ReferralUpdate.objects.filter(pk=row.pk).update(at=self.ago(days_ago))
        return referral

    def option(self, situation, instrument, *moves):
        adopted = [days for step, days in moves if step == "adopted"]
        option = ResponseOption.objects.create(
            situation=situation,
            instrument=Instrument.objects.get(key=instrument),
            rationale="It may prevent the worst (demo).",
            lead_actor="Special Adviser",
            feasibility="medium",
            status=moves[-1][0],
            adopted_by="Security Council" if adopted else "",
            adopted_on=self.ago(adopted[0]).date() if adopted else None,
            proposed_by=self.amina,
        )
        previous = ""
        for step, days_ago in moves:
            row = OptionTransition.objects.create(
                option=option, from_status=previous, to_status=step, actor=self.amina
            )
            OptionTransition.objects.filter(pk=row.pk).update(at=self.ago(days_ago))
            previous = step

    def alert(self, situation, raised_days_ago, closed_days_ago=None):
        alert = InactionAlert.objects.create(
            situation=situation,
            level=3,
            high_since=self.ago(raised_days_ago + 30),
            closed_at=self.ago(closed_days_ago) if closed_days_ago is not None else None,
        )
        InactionAlert.objects.filter(pk=alert.pk).update(raised_at=self.ago(raised_days_ago))


@pytest.fixture
def world(analyst, senior_analyst, special_adviser, sg_office, liaison, partner):
    """The demo world and, on top of it, public records in the last 90 days (the report's
    period) and in the 90 days before (its previous period)."""
    assert demo_intake_load()
    assert demo_assessments.load()
    w = World(analyst, senior_analyst)

    lake = w.situation("Lake basin border districts (public demo)", ["NGA", "CMR"], 400)
    highlands = w.situation("Northern highlands (public demo)", ["ETH"], 400)
    valley = w.situation("Southern river valley (public demo)", ["COL"], 300)
    coast = w.situation("Eastern coastal provinces (public demo)", ["MOZ"], 250)
    plateau = w.situation("Central plateau (public demo)", ["AFG"], 60)

    # New signals: this period, then the previous one.
    for days, country, category, source, situation in [
        (2, "NGA", "violence_against_civilians", "media", lake),
        (5, "NGA", "violence_against_civilians", "event_dataset", lake),
        (9, "CMR", "forced_displacement", "partner_system", lake),
        (12, "CMR", "incitement", "social_media", None),
        (18, "ETH", "armed_clash", "event_dataset", highlands),
        (21, "ETH", "armed_clash", "media", highlands),
        (25, "ETH", "detention_disappearance", "partner_system", None),
        (33, "COL", "attack_on_humanitarians", "media", valley),
        (40, "COL", "violence_against_civilians", "event_dataset", valley),
        (47, "MOZ", "forced_displacement", "event_dataset", coast),
        (52, "MOZ", "forced_displacement", "partner_system", coast),
        (55, "AFG", "incitement", "social_media", plateau),
        (61, "AFG", "civic_space", "media", plateau),
        (70, "NGA", "armed_mobilisation", "partner_system", lake),
        (84, "ETH", "election_violence", "media", highlands),
        (95, "NGA", "violence_against_civilians", "event_dataset", lake),
        (101, "ETH", "armed_clash", "media", highlands),
        (118, "COL", "violence_against_civilians", "event_dataset", valley),
        (130, "COL", "forced_displacement", "partner_system", valley),
        (150, "MOZ", "armed_clash", "media", coast),
        (166, "NGA", "incitement", "social_media", None),
    ]:
        w.signal(days, country, category, source, situation)

    # Assessments (1 low, 2 moderate, 3 high, 4 very high).
    w.assessment(lake, 1, 3, 150)
    w.assessment(lake, 2, 4, 45)
    w.assessment(highlands, 1, 2, 120)
    w.assessment(valley, 1, 3, 60)
    w.assessment(coast, 1, 1, 20)

    # Escalations decided and routed; one the period before, held.
    lake_escalation = w.escalation(
        "1",
        lake,
        ("submit", 40),
        ("review", 39.2),
        ("endorse", 38),
        ("transmit", 37.8),
        ("decide", 35),
    )
    w.referral(
        w.decision(lake_escalation, "route", 35, sg_office),
        "sc",
        34,
        ("acknowledged", 30),
        ("on_agenda", 20),
    )
    valley_escalation = w.escalation(
        "2",
        valley,
        ("submit", 58),
        ("review", 57.5),
        ("endorse", 55),
        ("transmit", 54.9),
        ("decide", 52),
    )
    w.referral(
        w.decision(valley_escalation, "route", 52, sg_office),
        "hrc",
        51,
        ("acknowledged", 45),
        ("action_taken", 15),
    )
    highlands_escalation = w.escalation(
        "3",
        highlands,
        ("submit", 130),
        ("review", 129),
        ("endorse", 126),
        ("transmit", 125.5),
        ("decide", 120),
    )
    w.decision(highlands_escalation, "hold", 120, sg_office)

    # Response options.
    w.option(lake, "sc-briefing", ("proposed", 36), ("adopted", 25))
    w.option(highlands, "good-offices", ("proposed", 50), ("adopted", 30), ("implemented", 5))
    w.option(valley, "public-statement", ("proposed", 140), ("adopted", 125))
    w.option(coast, "national-institutions", ("proposed", 10))
    w.option(plateau, "national-institutions", ("proposed", 8), ("adopted", 3))

    # Inaction alerts.
    w.alert(lake, 80, 25)
    w.alert(valley, 110, 70)
    return w


@pytest.fixture
def other_reports(world, sg_office):
    """Reports Elena must not see: a public draft of the period before, and a confidential
    report published and released to Ghana (her clearance is PUBLIC)."""
    earlier = Period(
        world.period.start - timedelta(days=90), world.period.start - timedelta(days=1)
    )
    draft, _ = report_services.report_request(
        kind="custom", period=earlier, audience=PUBLIC, actor=sg_office
    )
    draft = report_services.report_compile(report_id=draft.pk)
    confidential, _ = report_services.report_request(
        kind="custom", period=earlier, audience=Classification.CONFIDENTIAL, actor=sg_office
    )
    confidential = report_services.report_compile(report_id=confidential.pk)
    report_services.report_narrative_update(
        report=confidential,
        actor=sg_office,
        data={
            "executive_summary": "Confidential findings.",
            "progress_by_pillar": "Confidential progress.",
            "recommendations": "Confidential recommendations.",
        },
    )
    confidential = report_services.report_transition(
        report=confidential, actor=sg_office, action="submit"
    )
    confidential = report_services.report_transition(
        report=confidential, actor=sg_office, action="publish"
    )
    report_services.report_release(report=confidential, actor=sg_office, member_states=["GHA"])
    assert draft.status == ReportStatus.DRAFT
    assert confidential.status == ReportStatus.PUBLISHED
    return draft, confidential


@pytest.fixture
def start_worker(transactional_db):
    """A real Celery worker, started when the test asks for it (after the page shows that the
    report waits for one)."""
    workers: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "r2p.settings",
            "DATABASE_URL": database_url_for(connection.settings_dict),
            "REDIS_URL": settings.REDIS_URL,
            "HTTPS": "false",
            "DATABASE_CONN_MAX_AGE": "0",
        }
        worker = WorkerProcess(env, f"test-report-{uuid.uuid4().hex[:8]}")
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()


# --- The flow -----------------------------------------------------------------------------------


def test_dara_compiles_writes_and_publishes_a_public_report_and_elena_reads_it(
    page,
    live_server,
    sg_office,
    liaison,
    password,
    screenshot,
    world,
    other_reports,
    start_worker,
):
    period = world.period
    draft_elsewhere, confidential = other_reports

    # 1. Dara opens Reports and compiles the last 90 days for a public audience.
    log_in(page, live_server, "dara", password)
    top_bar(page, "Reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports to the General Assembly")
    form = page.locator("form.compile-form")
    # The kind of period is chosen with the arrow keys, as in any radio group.
    form.get_by_label("Quarterly").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(form.get_by_label("Custom period")).to_be_checked()
    # Only the fields a custom period needs are shown.
    expect(form.get_by_label("Quarter", exact=True)).to_be_hidden()
    expect(form.get_by_label("Year", exact=True)).to_be_hidden()
    form.get_by_label("First day").fill(period.start.isoformat())
    form.get_by_label("Last day").fill(period.end.isoformat())
    expect(form.get_by_label("Audience")).to_have_value(str(PUBLIC))
    screenshot("report-compile-form")
    # Tab from the last field to the Compile button, and Enter.
    compile_button = form.get_by_role("button", name="Compile")
    form.get_by_label("Last day").focus()
    tab_to(page, compile_button, limit=10)
    assert has_visible_focus(compile_button), "the focused Compile button shows its focus"
    page.keyboard.press("Enter")

    # No worker runs yet: the page shows the report waiting for one.
    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    report = Report.objects.get(
        period_start=period.start, period_end=period.end, audience=PUBLIC, version=1
    )
    expect(page).to_have_url(f"{live_server.url}/reports/{report.pk}/")
    expect(page.locator(".messages")).to_contain_text(f"{report.reference} is being compiled.")
    progress = page.locator("section.report-progress")
    expect(progress).to_be_visible()
    expect(progress.locator("h2 .status")).to_have_text("Compiling")
    expect(progress).to_contain_text("Waiting for a worker")
    screenshot("report-compiling")

    # A real worker starts; the page polls the progress and turns into the draft by itself.
    start_worker()
    expect(page.locator(".report-tags .status")).to_have_text("Draft", timeout=60_000)
    expect(progress).to_have_count(0)
    document = page.locator(".report-page article.report-doc")
    expect(document.locator("h1")).to_contain_text(
        "Implementation of the responsibility to protect"
    )
    expect(page.locator(".report-page__status")).to_contain_text("Draft: figures compiled")
    expect(document.locator("svg[role=img]").first).to_be_visible()
    screenshot("report-draft")
    # Five public situations in this period, four in the one before (the plateau opened later);
    # the demo's confidential situations are not counted.
    monitored = document.locator("#table-situations_by_region tfoot tr")
    expect(monitored.locator("td")).to_have_text(["5", "4"])
    referrals = document.locator("#table-referrals_by_body")
    expect(referrals.locator("tr", has_text="Security Council").locator("td")).to_have_text(
        ["1", "0"]
    )
    expect(document).not_to_contain_text("Central Sahel")
    expect(document.locator(".report-doc__missing")).to_have_count(3)

    # 2. She writes the narrative and saves it.
    narrative = page.locator("section.report-narrative")
    for label, text in NARRATIVE.items():
        narrative.get_by_label(label).fill(text)
    narrative.get_by_role("button", name="Save the narrative").click()
    expect(page.locator(".messages")).to_contain_text("The narrative is saved.")
    expect(document.locator(".report-doc__missing")).to_have_count(0)
    expect(document.locator("#part-executive-summary")).to_contain_text(
        "Warnings reached the Secretary-General faster"
    )
    expect(page.locator("section.moves")).not_to_contain_text("Still to write")
    screenshot("report-narrative")

    page.locator("section.moves").get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messages")).to_contain_text("The report is submitted for review.")
    expect(page.locator(".report-tags .status")).to_have_text("In review")
    expect(page.locator("section.report-narrative")).to_have_count(0)

    # She publishes with the keyboard alone: Tab from the top of the page, then Enter.
    publish = page.locator("section.moves").get_by_role("button", name="Publish", exact=True)
    presses = tab_to(page, publish)
    assert presses > 1
    assert has_visible_focus(publish), "the focused Publish button shows its focus"
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("The report is published.")
    expect(page.locator(".report-tags .status")).to_have_text("Published")
    files = page.locator("section.report-files")
    expect(files.get_by_role("link", name="Download the PDF")).to_be_visible()
    screenshot("report-published")
    report.refresh_from_db()
    assert report.status == ReportStatus.PUBLISHED
    assert report.published_by == sg_office
    assert bytes(report.pdf).startswith(b"%PDF")
    log_out(page)

    # 3. Elena finds it under Reports, and nothing else.
    log_in(page, live_server, "elena", password)
    top_bar(page, "Reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports to the General Assembly")
    expect(page.locator("form.compile-form")).to_have_count(0)
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(report.reference)
    expect(rows.first.locator(".status")).to_have_text("Published")
    expect(page.locator("main")).not_to_contain_text(draft_elsewhere.reference)
    expect(page.locator("main")).not_to_contain_text(confidential.reference)
    screenshot("report-liaison-list")
    rows.first.get_by_role("link", name=report.reference).click()
    expect(page).to_have_url(f"{live_server.url}/reports/{report.pk}/")
    document = page.locator(".report-page article.report-doc")
    expect(document.locator("#part-recommendations")).to_contain_text(
        "answer early-warning letters within thirty days"
    )
    expect(page.locator("section.report-files")).not_to_contain_text("Issue a correction")
    expect(page.locator("section.moves")).to_have_count(0)
    expect(page.get_by_role("heading", name="History")).to_have_count(0)
    screenshot("report-liaison-read")

    files = page.locator("section.report-files")
    with page.expect_download() as pdf_download:
        files.get_by_role("link", name="Download the PDF").click()
    pdf_path = ARTIFACTS / "report-published.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert pdf_download.value.suggested_filename == report.reference.replace("/", "-") + ".pdf"

    with page.expect_download() as json_download:
        files.get_by_role("link", name="Data annex (JSON)").click()
    annex_path = ARTIFACTS / "report-published.json"
    json_download.value.save_as(annex_path)
    annex = json.loads(annex_path.read_text(encoding="utf-8"))
    assert annex["reference"] == report.reference
    assert annex["audience"] == "PUBLIC"
    assert annex["period"] == period.as_dict()
    tables = {table["key"]: table for table in annex["tables"]}
    assert [cell["value"] for cell in tables["situations_by_region"]["total"]["cells"]] == [5, 4]

    # Every read she made is in the audit trail.
    reads = AuditEvent.objects.filter(actor=liaison, action="report.read").order_by("id")
    assert [(event.object_id, event.summary["what"]) for event in reads] == [
        (str(report.pk), "page"),
        (str(report.pk), "pdf"),
        (str(report.pk), "annex.json"),
    ]
    assert all(event.summary["hash"] == report.content_hash for event in reads)
