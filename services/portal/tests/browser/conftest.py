"""The portal in a real browser against real processes: the DigiD mock, the portal, and the
services (on the test platform's own vhost and databases), with the portal's own token key as
the only key the services trust."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from mijnoverheid_testing.notifier import FAST, TEST_BOUNCE_SECRET
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from portal import keys
from services.portal.tests.browser.chromium import chromium, wait_for

pytestmark = pytest.mark.integration

CLIENT_ID = "mijnoverheid-portal-test"
JANSEN = "999993653"  # adult demo citizen (config/digid-test-persons.yaml)
DE_VRIES = "999990019"
UNDER_14 = "999990020"
COOKIE = "session"  # over http in development; __Host-session with Secure otherwise
PORTAL_ISSUER = "urn:nld:mijnoverheid:portal"


@dataclass
class PortalSystem:
    platform: Platform
    portal: ServiceProcess
    mock: ServiceProcess
    services: dict[str, ServiceProcess]
    key_dir: Path

    @property
    def url(self) -> str:
        return self.portal.base_url

    async def session_document(self, cookie: str) -> dict[str, object] | None:
        key = hashlib.sha256(cookie.encode()).hexdigest()
        found: dict[str, object] | None = await self.platform.database("portal").sessions.find_one(
            {"_id": key}
        )
        return found

    def http(self, cookie: str | None = None) -> httpx.Client:
        cookies = {COOKIE: cookie} if cookie else {}
        return httpx.Client(base_url=self.url, cookies=cookies, follow_redirects=False)


@pytest.fixture(scope="module")
async def system(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> PortalSystem:
    key_dir = tmp_path_factory.mktemp("portal-keys")
    client_key = key_dir / "oidc-client.jwk.json"
    signing_key = key_dir / "token-signing.key"
    keys.oidc_client_key(client_key, generate=True)
    keys.token_signing_key(signing_key, generate=True)

    portal = platform.service("portal")
    mock = platform.service("digid_mock")
    clients = key_dir / "clients.yaml"
    clients.write_text(
        yaml.safe_dump(
            {
                "clients": [
                    {
                        "client_id": CLIENT_ID,
                        "redirect_uris": [f"{portal.base_url}/inloggen/terug"],
                        "post_logout_redirect_uris": [f"{portal.base_url}/uitgelogd"],
                        "jwks_file": str(keys.public_jwks_path(client_key)),
                    }
                ]
            }
        )
    )
    mock.start(MIJNOVERHEID_ENVIRONMENT="development", DIGID_MOCK_CLIENTS_FILE=str(clients))
    issuers = [{"issuer": PORTAL_ISSUER, "keys": str(keys.public_pem_path(signing_key))}]
    trusted = {"CITIZEN_TOKEN_ISSUERS": json.dumps(issuers)}
    services = {
        name: platform.service(name).start(**trusted)
        for name in ("berichtenbox", "zaken", "gegevens")
    }
    services["notifier"] = platform.service("notifier").start(
        **FAST, NOTIFIER_BOUNCE_SECRET=TEST_BOUNCE_SECRET, PORTAL_URL=portal.base_url, **trusted
    )
    portal.start(
        MIJNOVERHEID_ENVIRONMENT="development",
        PORTAL_URL=portal.base_url,
        OIDC_ISSUER=mock.base_url,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_KEY=str(client_key),
        PORTAL_TOKEN_SIGNING_KEY=str(signing_key),
        SESSION_COOKIE_SECURE="false",
        **{f"{name.upper()}_URL": process.base_url for name, process in services.items()},
    )
    for process in (mock, *services.values(), portal):
        await process.ready()
    return PortalSystem(platform, portal, mock, services, key_dir)


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        yield driver


def log_in(driver: WebDriver, system: PortalSystem, bsn: str, level: str = "midden") -> None:
    """Through the real flow: the portal's login link, the mock's page, back to the portal."""
    driver.get(f"{system.url}/inloggen")
    at_the_mock(driver, system, bsn, level)


def at_the_mock(driver: WebDriver, system: PortalSystem, bsn: str, level: str = "midden") -> None:
    """Pick the test person and level on the DigiD mock's page, and wait to be back."""
    wait_for(driver, lambda d: d.find_elements(By.ID, "acr-midden"), "the DigiD mock's page")
    driver.find_element(By.ID, f"person-{bsn}").click()
    driver.find_element(By.ID, f"acr-{level}").click()
    driver.find_element(By.CSS_SELECTOR, "button[name=login]").click()
    wait_for(driver, lambda d: d.current_url.startswith(system.url), "the way back to the portal")


def session_cookie(driver: WebDriver) -> str | None:
    found = driver.get_cookie(COOKIE)
    return str(found["value"]) if found else None


def problem_reason(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "probleem").get_attribute("data-reason"))


def as_json(value: object) -> str:
    return json.dumps(value, default=str)
