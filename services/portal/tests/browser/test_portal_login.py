"""The first journey in a real browser: DigiD login, account activation, logout, and the
refusals (under 14, assurance level too low, no CSRF token, an idle session)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from services.portal.tests.browser.chromium import assert_accessible, heading, wait_for
from services.portal.tests.browser.conftest import (
    JANSEN,
    UNDER_14,
    PortalSystem,
    log_in,
    problem_reason,
    session_cookie,
)

pytestmark = pytest.mark.integration


async def test_login_activates_the_account_and_logout_ends_the_session(
    system: PortalSystem, browser: WebDriver
) -> None:
    browser.get(system.url)
    assert_accessible(browser)
    browser.find_element(By.LINK_TEXT, "Inloggen met DigiD").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "acr-midden"), "the DigiD mock")
    assert_accessible(browser)
    log_in(browser, system, JANSEN)

    assert browser.current_url == f"{system.url}/overzicht"
    assert "J. Jansen" in browser.find_element(By.ID, "welkom").text
    account = await system.platform.database("portal").accounts.find_one({"bsn": JANSEN})
    assert account is not None
    assert account["activated_at"] is not None
    assert JANSEN not in browser.current_url
    assert_accessible(browser)

    cookie = session_cookie(browser)
    assert cookie is not None
    with system.http(cookie) as http:
        assert http.get("/overzicht").status_code == 200

    browser.find_element(By.CSS_SELECTOR, "form[action='/uitloggen'] button").click()
    wait_for(browser, lambda d: d.current_url.endswith("/uitgelogd"), "the logged-out page")
    assert_accessible(browser)
    with system.http(cookie) as http:
        answer = http.get("/overzicht")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/inloggen")
    assert await system.session_document(cookie) is None

    log_in(browser, system, JANSEN)  # a second login keeps the first activation time
    again = await system.platform.database("portal").accounts.find_one({"bsn": JANSEN})
    assert again is not None
    assert again["activated_at"] == account["activated_at"]


async def test_a_person_under_14_gets_a_clear_page_and_no_account(
    system: PortalSystem, browser: WebDriver
) -> None:
    log_in(browser, system, UNDER_14)
    assert problem_reason(browser) == "under_14"
    assert heading(browser) == "Nog geen account"
    assert_accessible(browser)
    assert await system.platform.database("portal").accounts.find_one({"bsn": UNDER_14}) is None
    with system.http(session_cookie(browser)) as http:
        assert http.get("/overzicht").status_code == 303


async def test_an_assurance_level_below_midden_is_refused(
    system: PortalSystem, browser: WebDriver
) -> None:
    log_in(browser, system, JANSEN, level="basis")
    assert problem_reason(browser) == "acr_too_low"
    assert "midden" in browser.find_element(By.ID, "probleem").text
    assert_accessible(browser)
    with system.http(session_cookie(browser)) as http:
        assert http.get("/overzicht").status_code == 303


async def test_a_state_change_without_the_csrf_token_is_refused(
    system: PortalSystem, browser: WebDriver
) -> None:
    log_in(browser, system, JANSEN)
    cookie = session_cookie(browser)
    assert cookie is not None
    session = await system.session_document(cookie)
    assert session is not None
    consents = system.platform.database("portal").consent_changes
    form = {"oin": "00000001003214345000", "digitaal": "aan"}
    with system.http(cookie) as http:
        missing = http.post("/instellingen/toestemming", data=form)
        wrong = http.post("/instellingen/toestemming", data={**form, "csrf_token": "x" * 43})
        assert await consents.count_documents({"bsn": JANSEN}) == 0
        right = http.post("/instellingen/toestemming", data={**form, "csrf_token": session["csrf"]})
    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert 'data-reason="refused"' in missing.text
    assert right.status_code == 303
    assert await consents.count_documents({"bsn": JANSEN}) == 1


async def test_an_idle_session_sends_the_citizen_back_to_login(
    system: PortalSystem, browser: WebDriver
) -> None:
    log_in(browser, system, JANSEN)
    cookie = session_cookie(browser)
    assert cookie is not None
    session = await system.session_document(cookie)
    assert session is not None
    sessions = system.platform.database("portal").sessions
    idle_since = session["last_seen"] - timedelta(minutes=15, seconds=1)  # type: ignore[operator]
    await sessions.update_one({"_id": session["_id"]}, {"$set": {"last_seen": idle_since}})

    browser.get(f"{system.url}/berichtenbox")
    wait_for(browser, lambda d: d.find_elements(By.ID, "acr-midden"), "the DigiD login page")
    assert await system.session_document(cookie) is None


async def test_a_session_past_its_absolute_limit_sends_the_citizen_back_to_login(
    system: PortalSystem, browser: WebDriver
) -> None:
    log_in(browser, system, JANSEN)
    cookie = session_cookie(browser)
    assert cookie is not None
    session = await system.session_document(cookie)
    assert session is not None
    sessions = system.platform.database("portal").sessions
    born = session["created_at"] - timedelta(hours=8, seconds=1)  # type: ignore[operator]
    await sessions.update_one({"_id": session["_id"]}, {"$set": {"created_at": born}})

    browser.get(f"{system.url}/berichtenbox")  # active a moment ago, yet too old
    wait_for(browser, lambda d: d.find_elements(By.ID, "acr-midden"), "the DigiD login page")
    assert await system.session_document(cookie) is None


async def test_the_language_switch_shows_every_text_in_english(
    system: PortalSystem, browser: WebDriver
) -> None:
    log_in(browser, system, JANSEN)
    browser.find_element(By.LINK_TEXT, "English").click()
    wait_for(browser, lambda d: heading(d) == "Overview", "the English overview")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert "Welcome, J. Jansen." in browser.find_element(By.ID, "welkom").text
    assert_accessible(browser)
