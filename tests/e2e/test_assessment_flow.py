"""From evidence to a level on the map: Amina writes the first assessment of a demo situation,
Bruno approves it, and the trend and the map of risk show the new level."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from assessments import demo as demo_assessments
from assessments.models import Assessment, AssessmentStatus, FactorLevel, RiskLevel
from cases.demo import demo_intake_load
from cases.models import Origin, Signal, Situation
from r2p.models import AuditEvent
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Username")).to_be_visible()


def demo_signal(number: int) -> Signal:
    return Signal.objects.get(origin=Origin.DEMO, external_id=f"demo-{number}")


@pytest.fixture
def demo(analyst, senior_analyst):
    """What `make run` loads on its first start (r2p_demo), with the fixtures' known passwords:
    the demo intake, then the demo assessments, which leave the Great Lakes situation (Amina
    leads it, Bruno is on its team) without any assessment."""
    assert demo_intake_load()
    assert demo_assessments.load()
    lakes = Situation.objects.get(title=demo_assessments.TITLES["lakes"])
    assert not lakes.assessments.exists()
    return {
        "lakes": lakes,
        # Two reliable sources, both linked to the situation: the field office (B2) and the
        # human-rights mechanism (A2).
        "raids": demo_signal(6),
        "sexual_violence": demo_signal(8),
    }


def fill_factor(page, number, *, level, confidence, narrative, indicators):
    section = page.locator(f"#factor-{number}")
    # A factor not judged yet is folded to one line; its summary opens the form.
    body = section.locator("details.factor__body")
    if body.get_attribute("open") is None:
        section.get_by_text(f"Judge factor {number}:").click()
    section.locator(f'input[name="factor-{number}-level"][value="{level}"]').check()
    section.locator(f'input[name="factor-{number}-confidence"][value="{confidence}"]').check()
    section.locator(f'textarea[name="factor-{number}-narrative"]').fill(narrative)
    for code in indicators:
        section.locator(f'input[name="factor-{number}-indicators"][value="{code}"]').check()
    section.get_by_role("button", name=f"Save factor {number}").click()
    expect(page.locator(".messages")).to_contain_text(f"Factor {number} is saved.")


def add_evidence(page, number, signal, note):
    section = page.locator(f"#factor-{number}")
    section.locator(f'input[name="evidence-{number}-signal"]').fill(str(signal.pk))
    section.locator(f'textarea[name="evidence-{number}-note"]').fill(note)
    section.get_by_role("button", name=f"Add evidence to factor {number}").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Signal #{signal.pk} now backs factor {number}."
    )


def test_amina_assesses_a_demo_situation_bruno_approves_and_the_trend_and_map_show_the_level(
    page, live_server, analyst, senior_analyst, password, screenshot, demo
):
    lakes, raids, sexual_violence = demo["lakes"], demo["raids"], demo["sexual_violence"]

    # 1. The situation page: no approved assessment, so its risk is not assessed.
    log_in(page, live_server, "amina", password)
    page.goto(f"{live_server.url}/situations/{lakes.pk}/")
    risk_panel = page.locator("section", has=page.get_by_role("heading", name="Risk", exact=True))
    expect(risk_panel.locator(".risk-now__overall")).to_contain_text("Not assessed")
    screenshot("assessment-01-situation-not-assessed")
    risk_panel.get_by_role("link", name="Assessments of this situation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{lakes.reference} {lakes.title}: assessments"
    )
    expect(page.locator(".empty-state")).to_contain_text("No assessment of this situation yet")
    screenshot("assessment-02-no-version-yet")

    # 2. Version 1: every factor starts as insufficient information.
    page.get_by_role("button", name="Start version 1").click()
    expect(page.locator(".messages")).to_contain_text(
        "Version 1 is started: every factor starts as insufficient information."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("assessment, version 1")
    assessment = Assessment.objects.get(situation=lakes)
    assert (assessment.version, assessment.author, assessment.status) == (
        1,
        analyst,
        AssessmentStatus.DRAFT,
    )

    # 3. Factor 11 (signs of a widespread or systematic attack) is high, backed by two
    # reliable sources; factor 12 (signs of a plan or policy) moderate, on one source only.
    fill_factor(
        page,
        11,
        level="high",
        confidence="medium",
        narrative="Night raids on displacement sites and sexual violence during village raids "
        "follow one pattern across Ituri and North Kivu.",
        indicators=["11.3", "11.9"],
    )
    add_evidence(page, 11, raids, "Thousands flee after night raids on displacement sites.")
    add_evidence(
        page, 11, sexual_violence, "The same raids come with a pattern of sexual violence."
    )
    factor_11 = page.locator("#factor-11")
    expect(factor_11.locator(".factor__head .risk")).to_have_text("High")
    expect(factor_11.locator("table.evidence tbody tr")).to_have_count(2)
    expect(factor_11.locator("table.evidence")).to_contain_text("B2")
    expect(factor_11.locator("table.evidence")).to_contain_text("A2")
    # Two independent, reliable sources: nothing to flag.
    expect(factor_11.get_by_role("heading", name="Evidence flags")).to_have_count(0)
    factor_11.screenshot(path=str(ARTIFACTS / "assessment-03-factor-11-backed.png"))

    fill_factor(
        page,
        12,
        level="moderate",
        confidence="low",
        narrative="The raids recur with the same weapons and timing, which hints at "
        "coordination; nothing yet shows who plans them.",
        indicators=["12.4"],
    )
    add_evidence(page, 12, sexual_violence, "The raids follow one method in every village.")
    factor_12 = page.locator("#factor-12")
    expect(factor_12.locator(".flag--open")).to_have_text(
        "Unresolved: Evidence from a single source only"
    )
    expect(page.locator(".blockers")).to_contain_text(
        "Factor 12 (moderate): evidence from a single source only."
    )
    factor_12.screenshot(path=str(ARTIFACTS / "assessment-04-factor-12-flagged.png"))
    page.locator(".blockers").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "assessment-05-approval-blocked.png"))
    factor_12.get_by_label("Why the evidence may stand").fill(
        "The rapporteur's team (A2) documented the raids village by village; a second source "
        "is being sought from the field office."
    )
    factor_12.get_by_role("button", name="Acknowledge the flag of factor 12").click()
    expect(page.locator(".messages")).to_contain_text(
        "The evidence flags of factor 12 are acknowledged."
    )
    expect(factor_12.locator(".flag--acknowledged")).to_have_text(
        "Acknowledged: Evidence from a single source only"
    )
    expect(page.locator(".blockers")).to_have_count(0)

    # The rule, explained on the page.
    overall = page.locator("#overall .risk-table__overall")
    expect(overall.locator(".risk").first).to_have_text("Very high")
    expect(overall).to_contain_text(
        "Very high because the risk of crimes against humanity is very high."
    )
    humanity = page.locator("#overall tr").filter(
        has=page.get_by_role("rowheader", name="Crimes against humanity")
    )
    expect(humanity).to_contain_text(
        "Very high because factor 11 is high and factor 12 is moderate."
    )
    page.get_by_label("Overall narrative").fill(
        "Raids on displacement sites and villages in Ituri and North Kivu now follow one "
        "pattern, with sexual violence: the risk of crimes against humanity is very high."
    )
    page.get_by_role("button", name="Save the overall judgment").click()
    expect(page.locator(".messages")).to_contain_text("The overall judgment is saved.")
    screenshot("assessment-06-draft-filled")

    # 4. Submitted; the author gets no approve button (four eyes).
    page.get_by_role("button", name="Submit version 1 for review").click()
    expect(page.locator(".messages")).to_contain_text("Version 1 is submitted for review.")
    expect(page.locator(".status--submitted").first).to_have_text("Submitted for review")
    expect(page.get_by_role("button", name="Approve version 1")).to_have_count(0)
    expect(page.locator("#workflow")).to_contain_text("Four eyes: another reviewer must approve.")
    screenshot("assessment-07-submitted")
    log_out(page)

    # 5. Bruno finds it waiting for his review, and approves it.
    log_in(page, live_server, "bruno", password)
    page.goto(f"{live_server.url}/")
    waiting = page.locator("section", has=page.get_by_role("heading", name="Waiting for my review"))
    screenshot("assessment-08-waiting-for-review")
    waiting.get_by_role("link", name=f"{lakes.reference} version 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("assessment, version 1")
    expect(page.locator("#factor-12 .acknowledgement")).to_contain_text(
        "Acknowledged by Amina Diallo"
    )
    page.get_by_label("Comment (optional)").fill(
        "Agreed: two independent sources for factor 11, and the flag of factor 12 is explained."
    )
    screenshot("assessment-09-review")
    page.get_by_role("button", name="Approve version 1").click()
    expect(page.locator(".messages")).to_contain_text(
        "Version 1 is approved; it no longer changes."
    )
    expect(page.locator(".status--approved").first).to_have_text("Approved")
    expect(page.locator("#workflow")).to_contain_text("Approved by Bruno Okafor")
    # An approved version offers no form any more.
    expect(page.get_by_role("button", name="Save factor 11")).to_have_count(0)
    screenshot("assessment-10-approved")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.APPROVED
    assert assessment.approved_by == senior_analyst
    assert assessment.overall_level == RiskLevel.VERY_HIGH
    assert assessment.judgments.get(factor__number=11).level == FactorLevel.HIGH
    assert AuditEvent.objects.filter(
        action="assessment.status",
        object_id=str(assessment.pk),
        actor=senior_analyst,
        summary__to=AssessmentStatus.APPROVED,
    ).exists()

    # 6. The situation page: the level, and the trend chart drawn with it.
    page.goto(f"{live_server.url}/situations/{lakes.pk}/")
    risk_panel = page.locator("section", has=page.get_by_role("heading", name="Risk", exact=True))
    expect(risk_panel.locator(".risk-now__overall .risk")).to_have_text("Very high")
    expect(risk_panel).to_contain_text("Version 1, approved")
    trend = risk_panel.locator("svg.chart--trend")
    expect(trend).to_have_count(1)
    expect(trend.locator("desc")).to_contain_text("overall Very high")
    expect(trend.locator(".chart__points circle title")).to_have_text(
        [re.compile(r"^Version 1, approved .*: overall Very high;")]
    )
    risk_panel.screenshot(path=str(ARTIFACTS / "assessment-11-situation-risk-panel.png"))
    screenshot("assessment-12-situation")

    # 7. The portfolio: this month's cell of the heat map, and the country on the map.
    page.goto(f"{live_server.url}/portfolio/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Portfolio")
    row = page.locator(
        "svg.heatmap g.heatmap__row", has=page.locator(f'a[href="/situations/{lakes.pk}/"]')
    )
    expect(row).to_have_count(1)
    expect(row.locator("rect title").last).to_contain_text(f"{lakes.reference}, ")
    expect(row.locator("rect title").last).to_contain_text(": Very high")
    expect(row.locator("text").last).to_have_text("VH")
    table_row = page.locator(".heatmap-table tbody tr", has_text=lakes.title)
    expect(table_row.locator("td").last).to_have_text("Very high")
    assert lakes.countries == ["COD"]
    congo = page.locator('svg.worldmap a.worldmap__link[data-country="COD"]')
    expect(congo).to_have_attribute("data-level", str(RiskLevel.VERY_HIGH.value))
    expect(congo).to_have_attribute(
        "aria-label", "Democratic Republic of the Congo: very high risk (1 situation)"
    )
    expect(congo.locator("title")).to_have_text(
        "Democratic Republic of the Congo: very high risk (1 situation)"
    )
    expect(congo).to_have_attribute("href", f"/situations/?country={lakes.countries[0]}")
    screenshot("assessment-13-portfolio")
