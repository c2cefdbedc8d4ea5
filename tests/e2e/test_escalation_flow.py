"""From draft to decision: Amina escalates the demo's Central Sahel situation, Bruno reviews it,
Chen endorses it and sends it to the desk, and Dara decides at the desk to route it to the
Security Council, which makes a referral."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessments import demo as demo_assessments
from cases.demo import demo_intake_load
from cases.models import (
    Body,
    BriefingStatus,
    DecisionOutcome,
    Escalation,
    EscalationStatus,
    Situation,
)
from cases.services import situation_member_add
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE_99 = "Article 99 of the Charter of the United Nations"


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


@pytest.fixture
def demo(analyst, senior_analyst, special_adviser, sg_office):
    """The demo intake and assessments, with the fixtures' known passwords. Central Sahel has
    approved assessments (Amina leads it, Bruno is on its team); Chen joins its team so that
    he reads what he endorses."""
    assert demo_intake_load()
    assert demo_assessments.load()
    sahel = Situation.objects.get(title=demo_assessments.TITLES["sahel"])
    assert sahel.lead_analyst == analyst
    situation_member_add(situation=sahel, user=special_adviser, actor=analyst)
    assert not sahel.escalations.exists()
    return sahel


def move(page, label, comment=""):
    """One of the move buttons of the escalation page, with an optional comment."""
    if comment:
        page.get_by_label("Comment").fill(comment)
    page.locator("#workflow").get_by_role("button", name=label, exact=True).click()


def test_amina_escalates_bruno_reviews_chen_endorses_and_dara_routes_it_to_the_security_council(
    page,
    live_server,
    analyst,
    senior_analyst,
    special_adviser,
    sg_office,
    password,
    screenshot,
    demo,
):
    sahel = demo

    # 1. Amina drafts the escalation from the situation page.
    log_in(page, live_server, "amina", password)
    page.goto(f"{live_server.url}/situations/{sahel.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline.get_by_role("heading", name="From warning to response")).to_be_visible()
    timeline.scroll_into_view_if_needed()
    screenshot("escalation-01-situation")
    timeline.screenshot(path=str(ARTIFACTS / "escalation-02-timeline-panel.png"))
    timeline.get_by_role("link", name="Escalate to the Secretary-General").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Escalate {sahel.reference}")

    # Saving with nothing filled brings the form back with the message by the summary.
    page.get_by_role("button", name="Draft the escalation").click()
    summary_field = page.locator(".field", has=page.get_by_label("Summary"))
    expect(summary_field.locator(".field-error")).to_have_text("This field is required.")
    screenshot("escalation-03-form-errors")

    page.get_by_label("Summary").fill(
        "Attacks on civilians in the tri-border area now follow one pattern ahead of the "
        "elections; the risk of atrocity crimes is very high and the regional response has "
        "stalled. The Secretary-General's attention is needed now."
    )
    options = page.locator('input[name="response_options"]')
    assert options.count() >= 1, "the demo situation has response options to recommend"
    options.first.check()
    recommended_option = int(options.first.get_attribute("value"))
    routing_1 = page.get_by_role("group", name="Routing 1")
    routing_1.get_by_label("Body", exact=True).select_option(label="Security Council")
    routing_1.get_by_label("Rationale", exact=True).fill(
        "Only the Council can authorise the protection the region is asking for."
    )
    screenshot("escalation-04-form-filled")
    page.get_by_role("button", name="Draft the escalation").click()
    expect(page.locator(".messages")).to_contain_text("is drafted.")
    escalation = Escalation.objects.get(situation=sahel)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Escalation {escalation.reference}")
    expect(page.locator(".page-head .status")).to_have_text("Draft")
    expect(page.locator("#options-heading + ul")).to_contain_text(f"#{recommended_option} ")
    # The usual legal basis of a routing to the Council is filled in when none is written.
    assert escalation.recommended_routing[0]["body"] == Body.SECURITY_COUNCIL
    assert escalation.recommended_routing[0]["legal_basis"] == ARTICLE_99
    screenshot("escalation-05-draft")

    # She edits the draft: the other routing rows are folded under "Add another body".
    page.get_by_role("link", name="Edit the draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Edit the draft {escalation.reference}"
    )
    expect(
        page.get_by_role("group", name="Routing 1").get_by_label("Body", exact=True)
    ).to_have_value(Body.SECURITY_COUNCIL)
    expect(page.get_by_role("group", name="Routing 2")).to_be_hidden()
    page.get_by_text("Add another body").click()
    expect(page.get_by_role("group", name="Routing 2")).to_be_visible()
    summary = page.get_by_label("Summary")
    summary.fill(summary.input_value() + " The vote is in two weeks.")
    screenshot("escalation-05b-edit")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".messages")).to_contain_text(
        f"The draft of {escalation.reference} is saved."
    )
    expect(page.locator("#summary-heading + p")).to_contain_text("The vote is in two weeks.")

    move(page, "Submit for review")
    expect(page.locator(".messages")).to_contain_text(
        f"{escalation.reference} is submitted for review."
    )
    expect(page.locator(".page-head .status")).to_have_text("In review")
    # Four eyes: the drafter cannot review her own escalation.
    expect(page.locator("#workflow").get_by_role("button", name="Mark as reviewed")).to_have_count(
        0
    )
    screenshot("escalation-06-in-review")
    log_out(page)

    # 2. Bruno finds it in the Escalations list, reads the working briefing, and reviews it.
    log_in(page, live_server, "bruno", password)
    top_bar(page, "Escalations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Escalations")
    row = page.locator("tbody tr", has_text=escalation.reference)
    expect(row.locator(".status")).to_have_text("In review")
    screenshot("escalation-07-list-bruno")
    row.get_by_role("link", name=escalation.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Escalation {escalation.reference}")
    page.get_by_role("link", name="Read the briefing").click()
    expect(page).to_have_url(f"{live_server.url}/escalations/{escalation.pk}/briefing/")
    briefing = page.locator("article.briefing")
    expect(briefing.locator(".briefing__symbol")).to_contain_text(sahel.reference)
    expect(briefing.locator(".briefing__overall")).to_contain_text("Overall risk: Very high")
    expect(page.locator(".briefing-page__status")).to_contain_text("Working copy")
    screenshot("escalation-08-working-briefing")
    page.get_by_role("link", name="Back to the escalation").click()
    # Bruno attaches a dissenting view before he marks it reviewed; it travels with the briefing.
    page.get_by_label("Your dissenting view").fill(
        "Two of the key signals rest on one source; the level may be high rather than very high."
    )
    page.get_by_role("button", name="Attach the dissenting view").click()
    expect(page.locator(".messages")).to_contain_text("Your dissenting view is attached")
    expect(page.locator("#dissents")).to_contain_text("Two of the key signals rest on one source")
    screenshot("escalation-08b-dissent")
    move(
        page, "Mark as reviewed", "The pattern and the sources hold; ready for the Special Adviser."
    )
    expect(page.locator(".messages")).to_contain_text(
        f"{escalation.reference} is reviewed and awaits endorsement."
    )
    expect(page.locator(".page-head .status")).to_have_text("Reviewed, awaiting endorsement")
    screenshot("escalation-09-reviewed")
    log_out(page)

    # 3. Chen endorses it, which freezes the briefing, and sends it to the desk.
    log_in(page, live_server, "chen", password)
    page.goto(f"{live_server.url}/escalations/{escalation.pk}/")
    expect(
        page.locator("#workflow").get_by_role("button", name="Endorse", exact=True)
    ).to_be_visible()
    screenshot("escalation-10-before-endorsement")
    move(page, "Endorse")
    expect(page.locator(".page-head .status")).to_have_text("Endorsed")
    expect(page.locator("dl.facts")).to_contain_text("Endorsed by")
    screenshot("escalation-11-endorsed")
    move(page, "Send to the Secretary-General's desk")
    expect(page.locator(".messages")).to_contain_text(
        f"{escalation.reference} is sent to the Secretary-General's desk."
    )
    expect(page.locator(".page-head .status")).to_have_text("At the Secretary-General's desk")
    expect(page.locator("#workflow")).to_contain_text("No step is yours from here.")
    screenshot("escalation-12-at-desk-chen")
    log_out(page)

    # 4. Dara finds it at the desk, reads the frozen briefing and routes it to the Council.
    log_in(page, live_server, "dara", password)
    top_bar(page, "Desk")
    expect(page.get_by_role("heading", level=1)).to_have_text("The Secretary-General's desk")
    row = page.locator("table.desk tbody tr", has_text=escalation.reference)
    expect(row).to_have_count(1)
    expect(row.locator(".risk")).to_have_text("Very high")
    screenshot("escalation-13-desk")
    row.get_by_role("link", name=escalation.reference, exact=True).click()
    page.get_by_role("link", name="Read the briefing").click()
    expect(page.locator(".briefing-page__status")).to_contain_text("Frozen at endorsement")
    expect(page.locator("article.briefing .briefing__symbol")).to_contain_text(sahel.reference)
    expect(page.locator("article.briefing .briefing__people")).to_contain_text("Chen Wei")
    screenshot("escalation-14-frozen-briefing")
    page.get_by_role("link", name="Back to the escalation").click()
    page.get_by_role("link", name="Record the decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Decision on {escalation.reference}")
    # The recommended routing comes pre-filled in the first row.
    routing_1 = page.get_by_role("group", name="Routing 1")
    expect(routing_1.get_by_label("Body", exact=True)).to_have_value(Body.SECURITY_COUNCIL)
    legal_basis = routing_1.get_by_label("Legal basis", exact=True)
    if not legal_basis.input_value():
        legal_basis.fill(ARTICLE_99)
    page.get_by_label("Route to one or more bodies").check()
    # The decision's own rationale, above the routing rows (each has a rationale too).
    page.locator("#id_rationale").fill(
        "The Council is the body that can act on a very high risk of atrocity crimes."
    )
    routing_1.get_by_label("Transmittal reference").fill("SG/SC/2024/17")
    screenshot("escalation-15-decision-form")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".messages")).to_contain_text(
        f"The decision on {escalation.reference} is recorded: route to one or more bodies."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("The Secretary-General's desk")
    expect(page.locator("table.desk tbody tr", has_text=escalation.reference)).to_have_count(0)
    screenshot("escalation-16-desk-after")
    page.goto(f"{live_server.url}/escalations/{escalation.pk}/")
    expect(page.locator(".page-head .status")).to_have_text("Decided")
    decisions_panel = page.locator("section", has=page.locator("#decisions-heading"))
    expect(decisions_panel).to_contain_text("Route to one or more bodies")
    expect(decisions_panel.get_by_role("link", name="Security Council")).to_be_visible()
    screenshot("escalation-17-decided")
    # The referrals it made, from the desk's page.
    top_bar(page, "Desk")
    page.locator(".page-head").get_by_role("link", name="Referrals", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    referral_row = page.locator("tbody tr", has_text=escalation.reference)
    expect(referral_row).to_have_count(1)
    expect(referral_row).to_contain_text("Security Council")
    screenshot("escalation-18-referrals")

    # 5. The record.
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.DECIDED
    assert (escalation.drafted_by, escalation.reviewed_by, escalation.endorsed_by) == (
        analyst,
        senior_analyst,
        special_adviser,
    )
    assert list(escalation.response_options.values_list("pk", flat=True)) == [recommended_option]
    moves = list(
        escalation.transitions.order_by("at", "pk").values_list("action", "actor__username")
    )
    assert moves == [
        ("submit", "amina"),
        ("review", "bruno"),
        ("endorse", "chen"),
        ("transmit", "chen"),
        ("decide", "dara"),
    ]
    decision = escalation.decisions.get()
    assert (decision.outcome, decision.decided_by) == (DecisionOutcome.ROUTE, sg_office)
    referral = decision.referrals.get()
    assert referral.body == Body.SECURITY_COUNCIL
    assert referral.legal_basis == ARTICLE_99
    assert referral.transmittal_reference == "SG/SC/2024/17"
    assert escalation.briefings.filter(status=BriefingStatus.FROZEN).count() == 1
