"""`make demo` against real processes: its citizens go through the real DigiD mock login and
portal settings pages (no portal event is published by the demo), the organisations wait until
the Berichtenbox lets them send digitally, publish, and get every answer. Then, as the demo's
last line says, logging in as J. Jansen shows its messages, cases and registrations. With
DOCS_SCREENSHOTS set (`make screenshots`) this is also where docs/portal/*.png come from."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from mijnoverheid_testing.demo import CITIZENS, DemoTarget, activate, link_in, run
from mijnoverheid_testing.demo_plan import JANSEN, NOT_A_BSN
from mijnoverheid_testing.waiting import wait_until
from services.portal.tests.browser.chromium import assert_accessible, screenshot, wait_for
from services.portal.tests.browser.conftest import PortalSystem

pytestmark = pytest.mark.integration


def demo_target(system: PortalSystem, said: list[str]) -> DemoTarget:
    smtp = system.platform.smtp
    return DemoTarget(
        portal_url=system.url,
        stack=system.platform.stack,
        vhost=system.platform.vhost,
        registry=system.platform.registry,
        mail_link=lambda address, _since: link_in([mail.text for mail in smtp.mails_to(address)]),
        say=said.append,
    )


async def test_the_demo_goes_through_the_real_login_and_shows_in_the_portal(
    system: PortalSystem, browser: WebDriver
) -> None:
    said: list[str] = []
    target = demo_target(system, said)
    answers = await run(target)

    portal = system.platform.database("portal")
    for citizen in CITIZENS:
        account = await portal.accounts.find_one({"bsn": citizen.bsn})
        assert account is not None, "activated by logging in at the DigiD mock"
        assert await portal.consent_changes.count_documents({"bsn": citizen.bsn}) == 2
    rejected = [e for e in answers["gemeente-voorbeeldstad"] if e["type"].endswith("rejected")]
    assert [e["data"]["reason"] for e in rejected] == ["invalid-bsn"]
    delivered = [e for name in answers for e in answers[name] if e["type"].endswith("delivered")]
    assert len(delivered) == 4
    assert not any(NOT_A_BSN in line or JANSEN in line for line in said), "no BSN in the output"

    # Running it again changes nothing at the portal: consent and address are there already.
    await activate(target, CITIZENS[0])
    assert await portal.consent_changes.count_documents({"bsn": JANSEN}) == 2
    assert said[-1].startswith("J. Jansen logged in"), said[-3:]

    # "Open the portal and log in as J. Jansen": at the mock's page, then every main page.
    browser.get(f"{system.url}/inloggen")
    wait_for(browser, lambda d: d.find_elements(By.ID, f"person-{JANSEN}"), "the DigiD mock")
    screenshot(browser, "digid-mock-inloggen")
    assert_accessible(browser)
    browser.find_element(By.ID, f"person-{JANSEN}").click()
    browser.find_element(By.CSS_SELECTOR, "button[name=login]").click()
    wait_for(browser, lambda d: d.current_url.endswith("/overzicht"), "the overview")
    screenshot(browser, "overzicht")
    assert_accessible(browser)

    browser.get(f"{system.url}/berichtenbox")
    main = browser.find_element(By.TAG_NAME, "main").text
    for subject in ("Aanslag inkomstenbelasting 2025", "Beschikking WOZ-waarde 2026"):
        assert subject in main
    assert "Uw parkeervergunning" not in main, "F. de Vries's message is not J. Jansen's"
    screenshot(browser, "berichtenbox")
    assert_accessible(browser)

    browser.find_element(By.PARTIAL_LINK_TEXT, "Aanslag inkomstenbelasting 2025").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "bijlagen"), "the message")
    screenshot(browser, "bericht")
    assert_accessible(browser)
    browser.find_element(By.PARTIAL_LINK_TEXT, "bewijs van bezorging").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "ontvangstbewijs"), "the proof page")
    assert browser.find_element(By.ID, "ontvangstbewijs").get_attribute("data-valid") == "true"
    screenshot(browser, "bewijs")
    assert_accessible(browser)

    browser.get(f"{system.url}/lopende-zaken")
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Aanvraag parkeervergunning" in main
    assert "Bezwaar aanslag 2024" in main
    screenshot(browser, "lopende-zaken")
    assert_accessible(browser)
    browser.find_element(By.PARTIAL_LINK_TEXT, "Z-PARK-").click()
    wait_for(
        browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#historie li")) == 3, "history"
    )
    screenshot(browser, "zaak")
    assert_accessible(browser)

    def all_registrations_shown() -> bool:
        # Only the WOZ change is answered (its register's changes are e-mailed): reload.
        browser.get(f"{system.url}/persoonlijke-gegevens")
        main = browser.find_element(By.TAG_NAME, "main").text
        return all(key in main for key in ("WOZ-0363-000123", "BRP-ADRES", "IB-2025"))

    await wait_until(all_registrations_shown, what="the demo's registrations on the page")
    screenshot(browser, "persoonlijke-gegevens")
    assert_accessible(browser)

    browser.get(f"{system.url}/instellingen")
    assert CITIZENS[0].email in browser.find_element(By.ID, "e-mailstatus").text
    screenshot(browser, "instellingen")
    assert_accessible(browser)
