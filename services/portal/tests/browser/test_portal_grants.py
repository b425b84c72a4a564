"""Machtigen in a real browser against the real services: the owner authorises a helper for one
organisation; the helper sees that organisation's message (not another's), marked as someone
else's post, and opens it; the owner sees the view in the message's trail; the owner
withdraws while the helper has the list open, and the helper's next click gets a clear "no
longer authorised" page, and the Berichtenbox itself refuses the helper's token. axe runs on
every page."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from mijnoverheid_testing.organisation import about, message_sent
from mijnoverheid_testing.waiting import wait_until
from portal import keys
from portal.tokens import TokenMinter
from services.portal.tests.browser.chromium import assert_accessible, chromium, heading, wait_for
from services.portal.tests.browser.conftest import (
    DE_VRIES,
    JANSEN,
    PORTAL_ISSUER,
    PortalSystem,
    log_in,
    problem_reason,
    session_cookie,
)

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BELASTINGDIENST, GEMEENTE = "00000001003214345000", "00000001001234567000"
NEVER_LOGGED_IN = "999990032"  # M. Yilmaz: a test person who has no account in this module


async def deliver(system: PortalSystem, broker_user: str, subject: str) -> str:
    async with system.platform.client(broker_user) as organisation:
        attachment = {
            "file_name": "brief.pdf",
            "media_type": "application/pdf",
            "content": base64.b64encode(PDF).decode(),
        }
        event = message_sent(
            organisation.organisation, JANSEN, subject=subject, attachments=[attachment]
        )
        await organisation.publish(event)
        delivered = await organisation.next_event("message-delivered", about(event["id"]))
    return str(delivered["data"]["message_id"])


async def consent(system: PortalSystem, browser: WebDriver, *oins: str) -> None:
    for oin in oins:
        browser.get(f"{system.url}/instellingen")
        browser.find_element(By.CSS_SELECTOR, f"#toestemming-{oin} button").click()
        wait_for(browser, lambda d: d.find_elements(By.ID, "toestemming-historie"), "consent")
    for user in ("belastingdienst", "gemeente-voorbeeldstad"):
        async with system.platform.client(user) as organisation:
            await wait_until(
                lambda o=organisation: o.all_digital([JANSEN]), what="the consent to be known"
            )


def fill_in_grant(browser: WebDriver, system: PortalSystem, bsn: str, name: str) -> None:
    browser.get(f"{system.url}/machtigingen")
    for field in ("bsn", "bsn_herhaald"):
        browser.find_element(By.ID, field).send_keys(bsn)
    browser.find_element(By.ID, "naam_gemachtigde").send_keys(name)
    browser.find_element(By.ID, f"org-{BELASTINGDIENST}").click()
    browser.find_element(By.CSS_SELECTOR, "#machtiging-geven button[type=submit]").click()


def helper_token(system: PortalSystem) -> str:
    """A token as the portal mints them, for asking the Berichtenbox itself."""
    key = keys.token_signing_key(system.key_dir / "token-signing.key", generate=False)
    return TokenMinter(key, PORTAL_ISSUER, 120).mint(DE_VRIES)


async def berichtenbox_answer(system: PortalSystem, path: str) -> int:
    headers = {"Authorization": f"Bearer {helper_token(system)}"}
    base = system.services["berichtenbox"].base_url
    async with httpx.AsyncClient(base_url=base) as client:
        return (await client.get(path, headers=headers)).status_code


async def test_an_owner_authorises_a_helper_who_reads_until_it_is_withdrawn(
    system: PortalSystem, browser: WebDriver
) -> None:
    with chromium() as helper:
        log_in(helper, system, DE_VRIES)  # the helper has an activated account from now on
        log_in(browser, system, JANSEN)
        await consent(system, browser, BELASTINGDIENST, GEMEENTE)
        from_x = await deliver(system, "belastingdienst", "Uw aanslag 2025")
        from_y = await deliver(system, "gemeente-voorbeeldstad", "Uw paspoort")

        # Someone who never logged in cannot be authorised: a clear page, nothing given.
        fill_in_grant(browser, system, NEVER_LOGGED_IN, "Mehmet")
        wait_for(browser, lambda d: d.find_elements(By.ID, "probleem"), "the refusal")
        assert problem_reason(browser) == "grant_no_account"
        assert_accessible(browser)

        fill_in_grant(browser, system, DE_VRIES, "Frits")
        wait_for(browser, lambda d: d.find_elements(By.ID, "klaar"), "the grant recorded")
        [row] = browser.find_elements(By.CSS_SELECTOR, "#gegeven-machtigingen tbody tr")
        assert "Frits" in row.text
        assert "Belastingdienst" in row.text
        assert DE_VRIES not in browser.page_source
        grant_id = str(row.get_attribute("id")).removeprefix("gegeven-")
        assert_accessible(browser)

        # The helper: someone else's post, in a view of its own.
        def received(driver: WebDriver) -> Any:
            driver.get(f"{system.url}/machtigingen")
            return driver.find_elements(By.ID, f"ontvangen-{grant_id}")

        wait_for(helper, received, "the grant in the helper's list")
        assert_accessible(helper)
        helper.find_element(By.CSS_SELECTOR, f"#ontvangen-{grant_id} a").click()
        wait_for(helper, lambda d: d.find_elements(By.ID, "post-van-een-ander"), "the post")
        assert heading(helper) == "Post van J. Jansen"
        assert helper.find_elements(By.ID, f"bericht-{from_x}")
        assert not helper.find_elements(By.ID, f"bericht-{from_y}"), "not the other organisation"
        assert "Uw aanslag 2025" not in helper.page_source, "a listing shows no content"
        assert_accessible(helper)
        helper.find_element(By.CSS_SELECTOR, f"#bericht-{from_x} a").click()
        wait_for(helper, lambda d: d.find_elements(By.ID, "berichttekst"), "the message")
        assert heading(helper) == "Uw aanslag 2025"
        assert "Post van J. Jansen" in helper.find_element(By.ID, "van-wie").text
        assert helper.find_elements(By.ID, "post-van-een-ander")
        assert_accessible(helper)
        link = helper.find_element(By.CSS_SELECTOR, "#bijlagen a").get_attribute("href")
        with system.http(session_cookie(helper)) as http:
            download = http.get(str(link))
            assert (download.status_code, download.content) == (200, PDF)
            other = http.get(f"/machtigingen/{grant_id}/bericht/{from_y}")
            assert other.status_code == 404

        # The owner: the views in the trail, and the message still unread.
        browser.get(f"{system.url}/berichtenbox/bericht/{from_x}/bewijs")
        trail = browser.find_element(By.TAG_NAME, "table").text
        assert "Bekeken door uw gemachtigde Frits" in trail
        assert "Bijlage gedownload door uw gemachtigde Frits" in trail
        assert browser.find_element(By.ID, "verificatie").get_attribute("data-valid") == "true"
        assert_accessible(browser)
        browser.get(f"{system.url}/berichtenbox")
        unread = browser.find_elements(By.CSS_SELECTOR, ".portal-unread a")
        assert any(from_x in str(a.get_attribute("href")) for a in unread)

        # The helper has the list open; the owner withdraws; the helper's next click.
        helper.get(f"{system.url}/machtigingen/{grant_id}/berichten")
        open_link = helper.find_element(By.CSS_SELECTOR, f"#bericht-{from_x} a")
        browser.get(f"{system.url}/machtigingen")
        browser.find_element(By.CSS_SELECTOR, f"#gegeven-{grant_id} form button").click()
        wait_for(browser, lambda d: d.find_elements(By.ID, "klaar"), "the withdrawal")
        row = browser.find_element(By.ID, f"gegeven-{grant_id}")
        assert row.get_attribute("data-active") == "false"
        assert "ingetrokken op" in row.text
        open_link.click()
        wait_for(helper, lambda d: d.find_elements(By.ID, "probleem"), "the refusal")
        assert problem_reason(helper) == "grant_ended"
        assert heading(helper) == "U bent niet meer gemachtigd"
        assert "J. Jansen" in helper.find_element(By.ID, "probleem").text
        assert "Uw aanslag 2025" not in helper.page_source
        assert_accessible(helper)
        helper.get(f"{system.url}/machtigingen")
        assert not helper.find_elements(By.ID, f"ontvangen-{grant_id}")

        # The Berichtenbox itself refuses the helper's token once it heard of the withdrawal.
        path = f"/api/v1/grants/{grant_id}/messages/{from_x}"
        await wait_until(
            lambda: _refused(system, path), what="the Berichtenbox to refuse the withdrawn grant"
        )


async def _refused(system: PortalSystem, path: str) -> bool:
    return await berichtenbox_answer(system, path) == 403


async def test_a_grant_needs_the_csrf_token_and_only_its_owner_withdraws_it(
    system: PortalSystem, browser: WebDriver
) -> None:
    changes = system.platform.database("portal").grant_changes
    form = {"bsn": DE_VRIES, "bsn_herhaald": DE_VRIES, "naam_gemachtigde": "Frits"}
    form |= {"uw_naam": "J. Jansen", f"org-{BELASTINGDIENST}": "aan"}
    with chromium() as helper:
        log_in(helper, system, DE_VRIES)
        log_in(browser, system, JANSEN)
        owner = str(session_cookie(browser))
        mine = {"owner_bsn": JANSEN, "kind": "given"}
        before = await changes.count_documents(mine)
        with system.http(owner) as http:
            assert http.post("/machtigingen", data=form).status_code == 403
            assert await changes.count_documents(mine) == before
            token = await csrf_of(system, owner)
            assert http.post("/machtigingen", data={**form, "csrf_token": token}).status_code == 303
        [given] = [c async for c in changes.find(mine).sort("at", 1)][before:]
        cookie = str(session_cookie(helper))
        with system.http(cookie) as http:
            token = await csrf_of(system, cookie)
            path = f"/machtigingen/{given['grant_id']}/intrekken"
            assert http.post(path, data={"csrf_token": token}).status_code == 404
        assert await changes.count_documents({"grant_id": given["grant_id"]}) == 1, "not withdrawn"


async def csrf_of(system: PortalSystem, cookie: str) -> str:
    session = await system.session_document(cookie)
    assert session is not None
    return str(session["csrf"])
