"""Wie heeft mijn gegevens ingezien, in a real browser: organisations' queries and the
citizen's own reads, from the services' processing logs merged on one page, in Dutch and
English, nothing of another citizen's; axe runs on every state of the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from mijnoverheid.contracts import events
from mijnoverheid_testing.processing_log import ask
from mijnoverheid_testing.waiting import wait_until
from services.portal.tests.browser.chromium import (
    assert_accessible,
    chromium,
    click_and_load,
    heading,
    wait_for,
)
from services.portal.tests.browser.conftest import DE_VRIES, JANSEN, PortalSystem, log_in
from services.portal.tests.browser.test_portal_pages import case_status

pytestmark = pytest.mark.integration

PAGE = "/wie-heeft-mijn-gegevens-ingezien"


def rows(driver: WebDriver) -> list[tuple[str, str, str]]:
    """(service, action, who) of each record shown."""
    found = driver.find_elements(By.CSS_SELECTOR, "#verwerkingen tbody tr[data-action]")
    return [
        (
            str(row.get_attribute("data-service")),
            str(row.get_attribute("data-action")),
            row.find_elements(By.TAG_NAME, "td")[1].text,
        )
        for row in found
    ]


async def test_who_viewed_my_data(system: PortalSystem, browser: WebDriver) -> None:
    platform = system.platform
    log_in(browser, system, JANSEN)
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        oin = gemeente.organisation.oin
        case = case_status(oin, JANSEN, "Z-PLOG-1", "ontvangen", datetime.now(UTC))
        await gemeente.publish(case, routing_key=events.CASE_STATUS_CHANGED.key(oin))

        async def case_found() -> bool:
            wanted = {"identificaties": ["Z-PLOG-1"]}
            _, answer = await ask(gemeente, events.CASE_STATE_REQUESTED, wanted, "case-state")
            return bool(answer["data"]["cases"][0]["state"] != "not-found")

        await wait_until(case_found, what="the gemeente to read the case it reported")
    async with platform.client("belastingdienst") as belastingdienst:
        asked = {"bsns": [JANSEN]}
        await ask(belastingdienst, events.DIGITAL_DELIVERY_REQUESTED, asked, "digital-delivery")

    browser.get(f"{system.url}/overzicht")  # the citizen's own reads: two services, one page
    browser.get(f"{system.url}/lopende-zaken")
    browser.find_element(By.LINK_TEXT, "Wie heeft mijn gegevens ingezien").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "verwerkingen"), "the page")
    assert heading(browser) == "Wie heeft mijn gegevens ingezien"
    shown = rows(browser)
    assert ("berichtenbox", "digital-delivery-queried", "Belastingdienst") in shown
    assert ("zaken", "case-state-queried", "Gemeente Voorbeeldstad") in shown
    assert all(who != "Uzelf" for _, _, who in shown)
    assert "Toestemming voor digitale post" in browser.find_element(By.ID, "verwerkingen").text
    assert_accessible(browser)

    click_and_load(browser, browser.find_element(By.LINK_TEXT, "Door uzelf"), "your own reads")
    assert "wie=uzelf" in browser.current_url
    own = rows(browser)
    assert ("zaken", "cases-listed", "Uzelf") in own
    assert {who for _, _, who in own} == {"Uzelf"}
    # The overview asked the Berichtenbox and Zaken: one page view, one trace, in both logs;
    # the case list after it (the newest cases-listed) is a page view of its own.
    traced = [
        (str(row.get_attribute("data-action")), str(row.get_attribute("data-trace")))
        for row in browser.find_elements(By.CSS_SELECTOR, "#verwerkingen tbody tr[data-action]")
    ]
    folders = {trace for action, trace in traced if action == "folders-listed"}
    cases = [trace for action, trace in traced if action == "cases-listed"]
    assert folders & set(cases)
    assert cases[0] not in folders
    assert_accessible(browser)

    browser.get(f"{system.url}{PAGE}")
    browser.find_element(By.LINK_TEXT, "English").click()
    wait_for(browser, lambda d: heading(d) == "Who viewed my data", "the English page")
    assert "Case state queried" in browser.find_element(By.ID, "verwerkingen").text
    assert_accessible(browser)

    with chromium() as other:
        log_in(other, system, DE_VRIES)
        other.get(f"{system.url}{PAGE}")
        assert rows(other) == []
        assert "Er is niets vastgelegd." in other.find_element(By.ID, "verwerkingen").text
        assert_accessible(other)
