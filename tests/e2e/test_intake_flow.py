"""From a report to a situation: Amina files a signal, finds it in the inbox, triages it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from cases import services
from cases.models import DuplicateDecision, Signal, SignalSituationLink, SignalStatus
from r2p.models import AuditEvent, Classification
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def desk(analyst):
    """Amina's working day: a field source, a newspaper, the Darfur situation, a full inbox."""
    field_office = services.source_create(
        created_by=analyst,
        source_type="un_field_presence",
        reliability="B",
        classification=Classification.CONFIDENTIAL,
        name="Human Rights Section, Nyala",
    )
    newspaper = services.source_create(
        created_by=analyst, source_type="media", reliability="C", name="Sudan Daily Courier"
    )
    darfur = services.situation_create(
        created_by=analyst,
        title="Darfur: attacks on Masalit communities",
        countries=["SDN"],
        summary="Monitoring of targeted attacks in West and Central Darfur.",
        classification=Classification.CONFIDENTIAL,
    )
    services.situation_create(
        created_by=analyst, title="Rakhine State", countries=["MMR"], classification=0
    )
    recent = date.today() - timedelta(days=3)
    backlog = [
        ("Armed clash near the Chad border crossing at Adre", "armed_clash", newspaper, 4),
        ("Hate speech broadcast on local radio in Geneina", "incitement", newspaper, None),
        ("Families flee Ardamata after night raids", "forced_displacement", field_office, 0),
        ("Students detained at a checkpoint in Zalingei", "detention_disappearance", newspaper, 0),
        ("Militia convoy seen moving towards Murnei", "armed_mobilisation", field_office, None),
    ]
    for headline, category, source, deaths in backlog:
        services.signal_create(
            actor=analyst,
            data={
                "headline": headline,
                "occurred_on": recent,
                "country": "SDN",
                "category": category,
                "source": source,
                "credibility": 3,
                "fatalities_best": deaths,
                "classification": Classification.PUBLIC,
            },
        )
    return {"field_office": field_office, "newspaper": newspaper, "darfur": darfur}


def test_amina_files_a_signal_finds_it_by_search_and_links_it_to_her_situation(
    page, live_server, analyst, password, screenshot, desk
):
    darfur, field_office = desk["darfur"], desk["field_office"]
    log_in(page, live_server, "amina", password)

    # 1. The form.
    page.goto(f"{live_server.url}/signals/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New signal")
    page.get_by_label("Headline").fill("Masalit villagers killed in dawn attack on Misterei")
    page.get_by_label("Category").select_option("violence_against_civilians")
    page.get_by_label("What happened").fill(
        "Armed men on motorcycles surrounded Misterei at dawn and shot at residents fleeing "
        "towards the wadi. Survivors reached Adre the next day."
    )
    page.get_by_label("Date of the event").fill((date.today() - timedelta(days=2)).isoformat())
    page.get_by_label("Country").select_option("SDN")
    page.get_by_label("Place").fill("Misterei")
    page.get_by_label("Deaths, best estimate").fill("27")
    page.locator("#id_source").select_option(
        label=f"{field_office.pseudonym} · B (Usually reliable)"
    )
    page.get_by_label("Credibility of this information").select_option("2")
    page.get_by_label("Classification", exact=True).select_option(str(Classification.CONFIDENTIAL))
    screenshot("intake-1-signal-form")
    page.get_by_role("button", name="File the signal").click()
    expect(page.locator(".messages")).to_contain_text("is filed and waits in the inbox")
    signal = Signal.objects.get(headline__startswith="Masalit villagers")
    # Her own CONFIDENTIAL signal, untriaged, is hers to read (cases.access: any cleared staff).
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"#{signal.pk} Masalit villagers killed in dawn attack on Misterei"
    )
    assert signal.status == SignalStatus.NEW and signal.created_by == analyst
    screenshot("intake-2-signal-filed")

    # 2. The inbox: six new signals; "/" goes to the search box.
    page.goto(f"{live_server.url}/inbox/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage inbox")
    expect(page.locator("#inbox-count")).to_contain_text("6 signals match")
    expect(page.locator("#marking-top")).to_have_text("CONFIDENTIAL")
    screenshot("intake-3-inbox")
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search", exact=True)).to_be_focused()
    page.keyboard.type("killed Misterei")
    page.keyboard.press("Enter")
    rows = page.locator(".inbox-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("mark")).to_have_text(["killed", "Misterei", "Misterei"])
    expect(page.locator("#inbox-count")).to_contain_text("1 signal matches")
    screenshot("intake-4-inbox-search")

    # 3. Keyboard triage: j to the row, x to select it, l to the situation, then Link.
    page.locator("main").focus()
    page.keyboard.press("j")
    expect(rows.first).to_be_focused()
    page.keyboard.press("x")
    expect(rows.first.get_by_role("checkbox")).to_be_checked()
    expect(page.locator("[data-selected-count]")).to_have_text("1")
    page.keyboard.press("l")
    situation_select = page.get_by_label("Link to situation")
    expect(situation_select).to_be_focused()
    situation_select.select_option(label=f"{darfur.reference} · {darfur.title}")
    screenshot("intake-5-inbox-selected")
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.locator(".messages")).to_have_text(
        f"1 signal linked to {darfur.reference} ({darfur.title})."
    )
    # Back on the same search, now empty: the signal left the new ones.
    expect(page.get_by_role("searchbox", name="Search", exact=True)).to_have_value(
        "killed Misterei"
    )
    expect(page.locator(".empty-state")).to_contain_text("No new signal matches")
    screenshot("intake-6-inbox-after-link")
    signal.refresh_from_db()
    assert signal.status == SignalStatus.TRIAGED
    assert SignalSituationLink.objects.filter(signal=signal, situation=darfur).exists()
    assert AuditEvent.objects.filter(action="signal.link", object_id=str(signal.pk)).exists()

    # 4. The situation page shows it among the latest signals.
    page.goto(f"{live_server.url}/situations/{darfur.pk}/")
    latest = page.locator("section", has=page.get_by_role("heading", name="Latest signals"))
    expect(latest).to_contain_text("Masalit villagers killed in dawn attack on Misterei")
    expect(latest).to_contain_text("B2")
    screenshot("intake-7-situation")


def test_amina_checks_possible_duplicates_inline_and_rejects_one(
    page, live_server, analyst, password, screenshot, desk
):
    newspaper, field_office = desk["newspaper"], desk["field_office"]
    base = {
        "occurred_on": date.today() - timedelta(days=1),
        "country": "SDN",
        "category": "violence_against_civilians",
        "credibility": 2,
        "classification": Classification.PUBLIC,
    }
    report = services.signal_create(
        actor=analyst,
        data={**base, "headline": "Shelling of the Abu Shouk camp market", "source": field_office},
    )
    article = services.signal_create(
        actor=analyst,
        data={**base, "headline": "Abu Shouk camp market shelled", "source": newspaper},
    )
    log_in(page, live_server, "amina", password)
    page.goto(f"{live_server.url}/inbox/?q=Abu+Shouk")
    row = page.locator(f"#signal-{report.pk}")
    disclosure = row.locator("details.dups")
    expect(disclosure.locator("summary")).to_have_text("Possible duplicates")
    disclosure.locator("summary").click()
    expect(disclosure.locator("summary")).to_have_text("Possible duplicates: 1")
    expect(disclosure).to_contain_text("Abu Shouk camp market shelled")
    screenshot("intake-8-duplicates-open")
    disclosure.get_by_role("button", name="Different").click()
    expect(disclosure.locator("summary")).to_have_text("Possible duplicates: none left")
    decision = DuplicateDecision.objects.get()
    assert (decision.signal_id, decision.candidate_id) == (report.pk, article.pk)
    assert decision.verdict == DuplicateDecision.Verdict.REJECTED
    # The shortcut list opens with "?".
    page.locator("main").focus()
    page.keyboard.press("?")
    expect(page.locator("#inbox-keys table")).to_be_visible()
    screenshot("intake-9-shortcuts")


@pytest.fixture
def page_without_javascript(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="en-GB", java_script_enabled=False
    )
    yield context.new_page()
    context.close()


def test_without_javascript_amina_still_triages_and_rules_on_duplicates(
    page_without_javascript, live_server, analyst, password, desk
):
    page = page_without_javascript
    newspaper, field_office = desk["newspaper"], desk["field_office"]
    base = {
        "occurred_on": date.today() - timedelta(days=1),
        "country": "SDN",
        "category": "violence_against_civilians",
        "credibility": 2,
        "classification": Classification.PUBLIC,
    }
    report = services.signal_create(
        actor=analyst,
        data={**base, "headline": "Shelling of the Abu Shouk camp market", "source": field_office},
    )
    article = services.signal_create(
        actor=analyst,
        data={**base, "headline": "Abu Shouk camp market shelled", "source": newspaper},
    )
    log_in(page, live_server, "amina", password)
    page.goto(f"{live_server.url}/inbox/?category=violence_against_civilians")

    # Dismissing without a reason: the error stands beside the field, the selection is kept.
    page.get_by_label(f"Select signal #{article.pk}").check()
    page.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".bulk .field-error")).to_have_text(
        "Say why these signals are dismissed; the reason is kept."
    )
    expect(page.get_by_label(f"Select signal #{article.pk}")).to_be_checked()
    page.screenshot(path=str(ARTIFACTS / "intake-10-nojs-bulk-error.png"), full_page=True)

    # The duplicates disclosure holds a link to the suggestions as a page of their own.
    row = page.locator(f"#signal-{report.pk}")
    row.locator("details.dups summary").click()
    row.get_by_role("link", name=f"Check for possible duplicates of #{report.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Possible duplicates of #{report.pk}"
    )
    page.screenshot(path=str(ARTIFACTS / "intake-11-nojs-duplicates.png"), full_page=True)
    page.get_by_role("button", name="Same event").click()
    # Back on the same filtered list, with the verdict said.
    expect(page.locator(".messages")).to_contain_text("report the same event")
    expect(page.get_by_label("Category", exact=True)).to_have_value("violence_against_civilians")
    expect(page.locator(f"#signal-{report.pk} td.num").last).to_have_text("2")
    page.screenshot(path=str(ARTIFACTS / "intake-12-nojs-corroborated.png"), full_page=True)
    report.refresh_from_db()
    article.refresh_from_db()
    assert report.cluster_id == article.cluster_id is not None
