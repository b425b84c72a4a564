"""Security across the real processes (no browser needed): the services take only the portal's
short-lived tokens, a production service refuses to trust the development key, and through the
portal another citizen's ids are not found and change nothing."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.contracts import events
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid.settings import DEV_TOKEN_ISSUER_KEYS
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.demo_plan import plan
from mijnoverheid_testing.organisation import OrganisationClient, about, message_sent
from mijnoverheid_testing.portal_citizen import PortalCitizen
from mijnoverheid_testing.waiting import wait_until
from services.portal.tests.browser.conftest import (
    DE_VRIES,
    JANSEN,
    PORTAL_ISSUER,
    PortalSystem,
)

pytestmark = pytest.mark.integration

ROUTES = {
    "berichtenbox": "/api/v1/messages",
    "zaken": "/api/v1/cases",
    "gegevens": "/api/v1/registrations",
    "notifier": "/api/v1/contact-details",
}


async def test_the_services_take_only_the_portals_short_lived_tokens(system: PortalSystem) -> None:
    portal_key = load_private_key(system.key_dir / "token-signing.key")
    stranger = Ed25519PrivateKey.generate()
    bsn = random_bsn()
    minute = timedelta(minutes=1)
    refused = {
        "an unknown issuer": mint_token(stranger, bsn, minute, issuer="urn:elsewhere"),
        "another key under the portal's issuer": mint_token(stranger, bsn, minute, PORTAL_ISSUER),
        "the portal's key, living 10 minutes": mint_token(
            portal_key, bsn, timedelta(minutes=10), PORTAL_ISSUER
        ),
        "the portal's key, expired": mint_token(portal_key, bsn, -2 * minute, PORTAL_ISSUER),
        # The services run where the environment names the portal as the one issuer.
        "the development key": mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, minute),
    }
    accepted = mint_token(portal_key, bsn, minute, PORTAL_ISSUER)
    async with httpx.AsyncClient(timeout=10.0) as http:
        for service, path in ROUTES.items():
            url = system.services[service].base_url + path

            async def answer(token: str, url: str = url) -> int:
                response = await http.get(url, headers={"Authorization": f"Bearer {token}"})
                return response.status_code

            assert await answer(accepted) == 200, service
            for what, token in refused.items():
                assert await answer(token) == 401, f"{service} took {what}"


async def test_a_production_service_refuses_to_start_trusting_the_development_key(
    system: PortalSystem,
) -> None:
    issuers = [{"issuer": PORTAL_ISSUER, "keys": str(DEV_TOKEN_ISSUER_KEYS)}]
    process = system.platform.service("zaken").start(
        MIJNOVERHEID_ENVIRONMENT="production", CITIZEN_TOKEN_ISSUERS=json.dumps(issuers)
    )
    assert await process.exited() != 0
    assert "development key" in process.log_tail()


async def enrolled_through_the_portal(system: PortalSystem, bsn: str) -> None:
    async with PortalCitizen(system.url) as citizen:
        await citizen.log_in(bsn)
        for oin in ("00000001003214345000", "00000001001234567000"):
            await citizen.consent(oin)


async def test_another_citizens_ids_are_not_found_through_the_portal_and_change_nothing(
    system: PortalSystem,
) -> None:
    await enrolled_through_the_portal(system, DE_VRIES)
    async with system.platform.client("belastingdienst") as belastingdienst:
        await wait_until(lambda: belastingdienst.all_digital([DE_VRIES]), what="the consent")
        event = message_sent(belastingdienst.organisation, DE_VRIES, attachments=[PDF])
        await belastingdienst.publish(event)
        delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
    message_id = delivered["data"]["message_id"]
    case_id, registration_id = await case_and_registration(system, DE_VRIES)

    async with PortalCitizen(system.url) as owner, PortalCitizen(system.url) as stranger:
        await owner.log_in(DE_VRIES)
        await stranger.log_in(JANSEN)
        message = f"/berichtenbox/bericht/{message_id}"
        for path in (
            message,
            f"{message}/bijlage/0",
            f"{message}/bewijs",
            f"{message}/bewijs/spoor.json",
            f"{message}/bewijs/spoor.txt",
            f"{message}/bewijs/ontvangstbewijs.json",
            f"{message}/bewijs/sleutel.pem",
            f"/lopende-zaken/{case_id}",
            f"/persoonlijke-gegevens/{registration_id}",
        ):
            assert (await owner.get(path)).status_code == 200, path
            answer = await stranger.get(path)
            assert answer.status_code == 404, path
            assert DE_VRIES not in answer.text
        for action in ("map", "verwijderen", "terugzetten", "definitief-verwijderen"):
            answer = await stranger.post(f"{message}/{action}", {"map": "archive"})
            assert answer.status_code == 404, action
        inbox = await owner.get("/berichtenbox")
        assert message_id in inbox.text, "still in the owner's inbox, untouched"


PDF = {
    "file_name": "brief.pdf",
    "media_type": "application/pdf",
    "content": "JVBERi0xLjQKJSVFT0YK",
}


async def case_and_registration(system: PortalSystem, bsn: str) -> tuple[str, str]:
    """One case status and one WOZ registration from the Gemeente (the demo's own events,
    for this citizen); their ids once recorded."""
    gemeente = system.platform.organisation("gemeente-voorbeeldstad")
    chosen = [
        p
        for p in plan(system.platform.registry)
        if p.broker_user == "gemeente-voorbeeldstad"
        and p.route in (events.CASE_STATUS_CHANGED, events.REGISTRATION_CHANGED)
    ]
    case = next(p for p in chosen if p.route is events.CASE_STATUS_CHANGED)
    woz = next(p for p in chosen if p.event["data"].get("register_code") == "WOZ")
    async with OrganisationClient(system.platform.stack, system.platform.vhost, gemeente) as org:
        for publication in (case, woz):
            data = publication.event["data"]
            data["bsn" if "bsn" in data else "recipient_bsn"] = bsn
            publication.event["id"] = str(uuid.uuid4())
            await org.publish(publication.event, routing_key=publication.route.key(gemeente.oin))
        recorded = await org.next_event(
            "case-status-recorded", lambda e: e["data"]["status_event_id"] == case.event["id"]
        )
        registered = await org.next_event(
            "registration-recorded",
            lambda e: e["data"]["registration_event_id"] == woz.event["id"],
        )
    return recorded["data"]["case_id"], registered["data"]["registration_id"]
