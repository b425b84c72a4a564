"""The citizen's pages with real data, in a real browser: consent, a message with an attachment
and its proof of delivery, a case with its history, a registration, and the e-mail address
confirmed through the link in the captured mail. axe runs on every page."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid_testing.organisation import about, message_sent
from mijnoverheid_testing.trail_chain import chain_is_valid
from mijnoverheid_testing.waiting import wait_until
from services.gegevens.tests.events import registration_changed, route_of
from services.portal.tests.browser.chromium import assert_accessible, chromium, heading, wait_for
from services.portal.tests.browser.conftest import (
    DE_VRIES,
    PortalSystem,
    at_the_mock,
    log_in,
    session_cookie,
)

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BELASTINGDIENST = "00000001003214345000"


def case_status(
    oin: str, bsn: str, identificatie: str, code: str, at: datetime
) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_for(oin, "zaaksysteem"),
        "type": "nl.mijnoverheid.zaken.case-status-changed",
        "time": utc_now().isoformat(),
        "datacontenttype": "application/json",
        "data": {
            "identificatie": identificatie,
            "bsn": bsn,
            "zaaktype_omschrijving": "Aanvraag parkeervergunning",
            "statustype_code": code,
            "statustype_omschrijving": f"Status {code}",
            "datum_status_gezet": at.isoformat(),
            "is_eindstatus": code == "besluit",
            "dossier_url": f"https://loket.voorbeeldstad.example/zaken/{identificatie}",
        },
    }


async def test_the_citizens_pages_with_real_data(system: PortalSystem, browser: WebDriver) -> None:
    platform = system.platform
    log_in(browser, system, DE_VRIES)
    cookie = session_cookie(browser)
    assert cookie is not None

    # Settings: digital post from the Belastingdienst on, recorded with its time.
    browser.get(f"{system.url}/instellingen")
    assert_accessible(browser)
    browser.find_element(By.CSS_SELECTOR, f"#toestemming-{BELASTINGDIENST} button").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "toestemming-historie"), "the proof list")
    assert "aan" in browser.find_element(By.ID, f"toestemming-{BELASTINGDIENST}").text
    change = await platform.database("portal").consent_changes.find_one({"bsn": DE_VRIES})
    assert change is not None
    assert change["digital"] is True
    outbox = await platform.database("portal").outbox.find_one({"_id": change["_id"]})
    assert outbox is not None, "every change goes through the outbox"

    # E-mail: double opt-in through the link in the mail, opened in the browser.
    address = f"burger-{uuid.uuid4().hex[:8]}@example.nl"
    browser.find_element(By.ID, "email").send_keys(address)
    browser.find_element(By.CSS_SELECTOR, "form[action='/instellingen/e-mail'] button").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "klaar"), "the 'mail sent' notice")
    mails = await wait_until(lambda: platform.smtp.mails_to(address), what="the verification mail")
    link = re.search(r"https?://\S+/contactgegevens/bevestigen\?code=[A-Z0-9-]+", mails[0].text)
    assert link is not None
    assert link.group(0).startswith(system.url)
    # Opened later, in a browser that is not logged in: login first, then the same page.
    with chromium() as mail_reader:
        mail_reader.get(link.group(0))
        at_the_mock(mail_reader, system, DE_VRIES)
        assert heading(mail_reader) == "E-mailadres bevestigen"
        code = mail_reader.find_element(By.ID, "code").get_attribute("value")
        assert code is not None
        assert link.group(0).endswith(code)
        assert_accessible(mail_reader)
        confirm = "form[action='/contactgegevens/bevestigen'] button"
        mail_reader.find_element(By.CSS_SELECTOR, confirm).click()
        wait_for(
            mail_reader,
            lambda d: address in d.find_element(By.ID, "e-mailstatus").text,
            "the confirmed address",
        )

    # A message with an attachment, published by the organisation over the broker, once the
    # Berichtenbox has the account and the consent the portal announced (the organisation can
    # ask: it may send digitally).
    deadline = date.today() + timedelta(days=42)
    async with platform.client("belastingdienst") as belastingdienst:
        await wait_until(
            lambda: belastingdienst.all_digital([DE_VRIES]),
            what="the portal's announcements to reach the Berichtenbox",
        )
        event = message_sent(
            belastingdienst.organisation,
            DE_VRIES,
            kind="aanslag",
            deadline=deadline.isoformat(),
            attachments=[
                {
                    "file_name": "aanslag-2025.pdf",
                    "media_type": "application/pdf",
                    "content": base64.b64encode(PDF).decode(),
                }
            ],
        )
        await belastingdienst.publish(event)
        delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
    message_id = delivered["data"]["message_id"]

    # The notification mail's link opens the Berichtenbox, where the message is unread.
    notified = await wait_until(
        lambda: [m for m in platform.smtp.mails_to(address) if "/berichtenbox" in m.text],
        what="the notification mail",
    )
    link = re.search(r"https?://\S+/berichtenbox\b", notified[0].text)
    assert link is not None
    browser.get(link.group(0))
    assert heading(browser) == "Berichtenbox"
    assert event["data"]["subject"] in browser.find_element(By.CSS_SELECTOR, ".portal-unread").text
    assert_accessible(browser)

    browser.find_element(By.PARTIAL_LINK_TEXT, event["data"]["subject"]).click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "bijlagen"), "the message page")
    assert browser.find_element(By.ID, "rechtsgevolg").text == "Ja"
    assert browser.find_element(By.ID, "termijn").text == deadline.strftime("%d-%m-%Y")
    assert_accessible(browser)
    with system.http(cookie) as http:
        download = http.get(f"/berichtenbox/bericht/{message_id}/bijlage/0")
        assert download.status_code == 200
        assert download.content == PDF
        assert "aanslag-2025.pdf" in download.headers["content-disposition"]
        trail = http.get(f"/berichtenbox/bericht/{message_id}/bewijs/spoor.json")
        assert trail.status_code == 200
        assert chain_is_valid(trail.json())
        assert http.get(f"/berichtenbox/bericht/{message_id}/bewijs/spoor.txt").status_code == 200

    browser.find_element(By.PARTIAL_LINK_TEXT, "bewijs van bezorging").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "verificatie"), "the proof page")
    assert browser.find_element(By.ID, "verificatie").get_attribute("data-valid") == "true"
    receipt = browser.find_element(By.ID, "ontvangstbewijs")
    assert receipt.get_attribute("data-valid") == "true", receipt.text
    assert_accessible(browser)

    # A case with three statuses.
    identificatie = f"Z-{uuid.uuid4().hex[:8]}"
    start = datetime.now(UTC) - timedelta(days=3)
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        for day, code in enumerate(("ontvangen", "in-behandeling", "besluit")):
            status = case_status(
                gemeente.organisation.oin,
                DE_VRIES,
                identificatie,
                code,
                start + timedelta(days=day),
            )
            await gemeente.publish(
                status, routing_key=events.CASE_STATUS_CHANGED.key(gemeente.organisation.oin)
            )
        await gemeente.next_event(
            "case-status-recorded",
            lambda e: e["data"].get("status_event_id") == status["id"],
        )
    browser.get(f"{system.url}/lopende-zaken")
    assert_accessible(browser)
    browser.find_element(By.PARTIAL_LINK_TEXT, identificatie).click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "historie"), "the case page")
    history = browser.find_elements(By.CSS_SELECTOR, "#historie li")
    assert [item.text.split(": ", 1)[1] for item in history] == [
        "Status besluit",
        "Status in-behandeling",
        "Status ontvangen",
    ]
    dossier = browser.find_element(By.ID, "dossier").get_attribute("href")
    assert dossier == f"https://loket.voorbeeldstad.example/zaken/{identificatie}"
    assert_accessible(browser)

    # A registration, with where to change it.
    key = f"OBJ-{uuid.uuid4().hex[:6]}"
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        registration = registration_changed(
            gemeente.organisation, DE_VRIES, register="WOZ", key=key
        )
        await gemeente.publish(
            registration, routing_key=route_of(gemeente.organisation, registration)
        )

    def shown() -> bool:
        browser.get(f"{system.url}/persoonlijke-gegevens")
        return bool(browser.find_elements(By.PARTIAL_LINK_TEXT, key))

    await wait_until(shown, what="the registration on the page")
    assert "Gemeente Voorbeeldstad" in browser.find_element(By.TAG_NAME, "main").text
    assert_accessible(browser)
    browser.find_element(By.PARTIAL_LINK_TEXT, key).click()
    wait_for(browser, lambda d: key in heading(d), "the registration page")
    assert "EUR 312000.00" in browser.find_element(By.TAG_NAME, "main").text
    assert_accessible(browser)

    # Another citizen's ids are not found.
    with system.http(cookie) as http:
        assert http.get("/berichtenbox/bericht/not-a-message").status_code == 404
        assert http.get("/lopende-zaken/not-a-case").status_code == 404
