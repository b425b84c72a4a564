"""The Berichtenbox's trash, unread first and the signed receipt, in a real browser: delete to
the trash, restore to the folder it came from, delete for good from the trash; the proof page
checks the receipt, and the downloads verify offline with the commands it shows. axe runs on
every page."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from mijnoverheid_testing.organisation import about, message_sent
from mijnoverheid_testing.waiting import wait_until
from services.portal.tests.browser.chromium import (
    assert_accessible,
    click_and_load,
    heading,
    wait_for,
)
from services.portal.tests.browser.conftest import (
    DE_VRIES,
    PortalSystem,
    log_in,
    problem_reason,
    session_cookie,
)

pytestmark = pytest.mark.integration

BELASTINGDIENST = "00000001003214345000"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def deliver(system: PortalSystem, subjects: list[str]) -> list[str]:
    """Published by the Belastingdienst over the broker, once the Berichtenbox knows of the
    consent given in the browser; the message ids, oldest first."""
    async with system.platform.client("belastingdienst") as belastingdienst:
        ids = []
        for subject in subjects:
            event = message_sent(
                belastingdienst.organisation,
                DE_VRIES,
                subject=subject,
                attachments=[
                    {
                        "file_name": "brief.pdf",
                        "media_type": "application/pdf",
                        "content": base64.b64encode(PDF).decode(),
                    }
                ],
            )
            await belastingdienst.publish(event)
            delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
            ids.append(str(delivered["data"]["message_id"]))
    return ids


def listed_subjects(driver: WebDriver, subjects: list[str]) -> list[str]:
    """The subjects in the order the listing shows them."""
    links = driver.find_elements(By.CSS_SELECTOR, "tbody tr td:first-child a")
    texts = [link.text for link in links]
    return sorted(subjects, key=lambda s: next(i for i, t in enumerate(texts) if s in t))


async def test_trash_restore_delete_for_good_unread_first_and_the_receipt(
    system: PortalSystem, browser: WebDriver, tmp_path: Path
) -> None:
    log_in(browser, system, DE_VRIES)
    browser.get(f"{system.url}/instellingen")
    browser.find_element(By.CSS_SELECTOR, f"#toestemming-{BELASTINGDIENST} button").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "toestemming-historie"), "the consent")
    async with system.platform.client("belastingdienst") as belastingdienst:
        await wait_until(
            lambda: belastingdienst.all_digital([DE_VRIES]), what="the consent to be known"
        )
    first, second, third = await deliver(system, ["Eerste brief", "Tweede brief", "Derde brief"])

    # Unread first: the read message goes below the unread ones, whatever its date.
    browser.get(f"{system.url}/berichtenbox/bericht/{third}")
    browser.get(f"{system.url}/berichtenbox")
    subjects = ["Eerste brief", "Tweede brief", "Derde brief"]
    assert listed_subjects(browser, subjects) == ["Tweede brief", "Eerste brief", "Derde brief"]
    unread = browser.find_elements(By.CSS_SELECTOR, ".portal-unread")
    assert len(unread) == 2
    assert_accessible(browser)

    # Delete to the trash from the message page (filed in an own folder first).
    browser.get(f"{system.url}/berichtenbox/bericht/{second}")
    browser.find_element(By.ID, "eigen_map").send_keys("Belastingen")
    filed = browser.find_element(By.CSS_SELECTOR, "form[action$='/map'] button")
    click_and_load(browser, filed, "the message page after filing it")
    wait_for(browser, lambda d: d.find_elements(By.ID, "bijlagen"), "the message page again")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/verwijderen'] button").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "prullenbak"), "the trash")
    assert "Tweede brief" in browser.find_element(By.ID, "prullenbak").text
    assert_accessible(browser)
    browser.get(f"{system.url}/berichtenbox")
    assert "Tweede brief" not in browser.find_element(By.TAG_NAME, "main").text
    browser.get(f"{system.url}/berichtenbox/bericht/{second}")
    assert browser.find_elements(By.ID, "in-prullenbak"), "a message in the trash says so"
    assert_accessible(browser)

    # Restore from the trash: back in its own folder.
    browser.get(f"{system.url}/berichtenbox?map=trash")
    restore = browser.find_element(
        By.CSS_SELECTOR, f"#weg-{second} form[action$='/terugzetten'] button"
    )
    # The trash's address is the same before and after: wait for the page to be replaced.
    click_and_load(browser, restore, "the trash after restoring")
    assert "/berichtenbox?map=trash" in browser.current_url
    assert not browser.find_elements(By.ID, f"weg-{second}")
    browser.get(f"{system.url}/berichtenbox?map=Belastingen")
    assert "Tweede brief" in browser.find_element(By.TAG_NAME, "main").text

    # Delete for good: only from the trash, and a post without the CSRF token changes nothing.
    cookie = session_cookie(browser)
    assert cookie is not None
    with system.http(cookie) as http:
        refused = http.post(f"/berichtenbox/bericht/{first}/verwijderen", data={})
        assert refused.status_code == 403
        session = await system.session_document(cookie)
        assert session is not None
        token = {"csrf_token": str(session["csrf"])}
        not_in_trash = http.post(
            f"/berichtenbox/bericht/{first}/definitief-verwijderen", data=token
        )
        assert not_in_trash.status_code == 409
        assert 'data-reason="not_in_trash"' in not_in_trash.text
        assert http.get(f"/berichtenbox/bericht/{first}").status_code == 200
    browser.get(f"{system.url}/berichtenbox/bericht/{first}")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/verwijderen'] button").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, f"weg-{first}"), "the message in the trash")
    selector = f"#weg-{first} form[action$='/definitief-verwijderen'] button"
    browser.find_element(By.CSS_SELECTOR, selector).click()
    wait_for(browser, lambda d: not d.find_elements(By.ID, f"weg-{first}"), "it to be gone")
    browser.get(f"{system.url}/berichtenbox/bericht/{first}")
    assert problem_reason(browser) == "gone"
    assert_accessible(browser)

    # The proof outlives the content: the receipt still verifies, here and offline.
    browser.get(f"{system.url}/berichtenbox/bericht/{first}/bewijs")
    check = browser.find_element(By.ID, "ontvangstbewijs")
    assert check.get_attribute("data-valid") == "true", check.text
    assert_accessible(browser)
    commands = browser.find_element(By.ID, "controle-offline").text
    with system.http(cookie) as http:
        for kind in ("ontvangstbewijs.json", "sleutel.pem"):
            download = http.get(f"/berichtenbox/bericht/{first}/bewijs/{kind}")
            assert download.status_code == 200
            assert f"bewijs-{kind}" in download.headers["content-disposition"]
            (tmp_path / f"bewijs-{kind}").write_bytes(download.content)
    assert_offline_verification(commands, tmp_path)
    assert heading(browser) == "Bewijs van bezorging"


def assert_offline_verification(commands: str, folder: Path) -> None:
    """The page's own commands, run as shown, say the signature verifies; a changed payload
    does not."""
    result = run(commands, folder)
    assert "Signature Verified Successfully" in result.stdout, result.stdout + result.stderr
    (folder / "bewijs.txt").write_text("{}")
    last_command = commands.strip().splitlines()[-1]
    tampered = run(last_command, folder)
    assert tampered.returncode != 0


def run(commands: str, folder: Path) -> subprocess.CompletedProcess[Any]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
