"""The endpoint in-process (no TLS, no broker): an event that cannot be queued is not received
(503, so Open Notificaties sends it again); an accepted one reaches the handler as a ThinEvent
of the organisation the token names."""

from __future__ import annotations

from typing import Any

import httpx

from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.settings import REPOSITORY_ROOT
from zgw_connector.domain.thin_event import ThinEvent, Unacceptable
from zgw_connector.entrypoints.credentials import Credentials
from zgw_connector.entrypoints.webhook import create_app
from zgw_connector.handlers.receive import Receipt

CLIENT, SECRET = "voorbeeldstad-open-notificaties", "a-secret-of-at-least-32-characters-x"
EVENT = {
    "specversion": "1.0",
    "id": "e-1",
    "source": "urn:nld:oin:1:zakensysteem",
    "type": "nl.overheid.zaken.zaak-gemuteerd",
    "subject": "89b06186-c133-4c74-8492-b43392bc4fdb",
    "dataref": "/zaken/api/v1/zaken/89b06186-c133-4c74-8492-b43392bc4fdb",
}


def credentials() -> Credentials:
    registry = OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")
    return Credentials(registry, {CLIENT: SECRET}, "token-secret-of-at-least-32-characters")


async def post(receive: Any) -> httpx.Response:
    app = create_app(credentials(), receive)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://connector") as client:
        token = (
            await client.post(
                "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(CLIENT, SECRET)
            )
        ).json()["access_token"]
        return await client.post(
            "/api/v1/cloudevents",
            json=EVENT,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/cloudevents+json",
            },
        )


async def test_an_event_that_cannot_be_queued_is_503_and_not_received() -> None:
    async def down(sender: Organisation, event: ThinEvent) -> Receipt | Unacceptable:
        raise ConnectionError("broker away")

    answer = await post(down)
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "30"


async def test_the_handler_gets_the_event_of_the_organisation_the_token_names() -> None:
    seen: list[tuple[str, ThinEvent]] = []

    async def receive(sender: Organisation, event: ThinEvent) -> Receipt | Unacceptable:
        seen.append((sender.oin, event))
        return Receipt.ACCEPTED

    answer = await post(receive)
    assert answer.status_code == 202
    [(oin, event)] = seen
    assert oin == "00000001001234567000"
    assert (event.id, event.source, event.subject) == ("e-1", EVENT["source"], EVENT["subject"])
    assert event.time.tzinfo is not None, "no time given: the time it arrived"
