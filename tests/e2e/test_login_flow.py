import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_amina_logs_in_sees_her_analyst_home_and_logs_out(
    page, live_server, analyst, password, screenshot
):
    log_in(page, live_server, "amina", password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Amina Diallo")
    expect(page.locator(".whoami")).to_contain_text("Analyst")
    expect(page.locator(".whoami")).to_contain_text("Cleared CONFIDENTIAL")
    expect(page.locator("#marking-top")).to_have_text("PUBLIC")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Audit trail")).to_have_count(0)
    activity = page.get_by_role("table", name="recorded actions")
    expect(activity).to_contain_text("Logged in")
    screenshot("home-analyst")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")


def test_farid_the_auditor_reaches_the_audit_trail_from_his_home(
    page, live_server, auditor, password, screenshot
):
    log_in(page, live_server, "farid", password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(page.locator("#marking-top")).to_have_text("CONFIDENTIAL")
    expect(page.get_by_role("table")).to_contain_text("farid")
    screenshot("audit-trail-auditor")


def test_a_wrong_password_shows_the_error_and_a_keyboard_user_retries_without_the_mouse(
    page, live_server, analyst, password, screenshot
):
    log_in(page, live_server, "amina", "wrong")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    screenshot("login-error")
    # The username field has the focus again; type, Tab, type, Enter.
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("amina")
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Amina Diallo")
    # On every page the first Tab lands on the skip link, which jumps to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
