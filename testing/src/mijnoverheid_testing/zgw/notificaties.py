"""An organisation's Open Notificaties as the connector meets it: it fetches an access token with
its OAuth2 client credentials and delivers thin CloudEvents in Open Zaak's shape (structured
JSON, `application/cloudevents+json`), optionally over mutual TLS with the organisation's
certificate."""

from __future__ import annotations

import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from mijnoverheid_testing.zgw.data import BRONORGANISATIE, Resource

GEMUTEERD = "nl.overheid.zaken.zaak-gemuteerd"
VERWIJDERD = "nl.overheid.zaken.zaak-verwijderd"
GEOPEND = "nl.overheid.zaken.zaak-geopend"


def thin_event(kind: str, zaak: Resource, **overrides: Any) -> dict[str, Any]:
    """As Open Zaak builds it: `subject` the zaak's UUID, `dataref` its path in the Zaken API,
    `data` a few attributes for Open Notificaties' filters (never trusted by MijnOverheid)."""
    event = {
        "specversion": "1.0",
        "type": kind,
        "source": "urn:nld:oin:00000001001234567000:zakensysteem",
        "subject": zaak["uuid"],
        "id": str(uuid.uuid4()),
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dataref": urlsplit(zaak["url"]).path,
        "datacontenttype": "application/json",
        "data": {
            "bronorganisatie": BRONORGANISATIE,
            "zaaktype": zaak["zaaktype"],
            "zaaktype.catalogus": zaak["zaaktype"].replace("zaaktypen", "catalogussen"),
            "vertrouwelijkheidaanduiding": "openbaar",
        },
    }
    event.update(overrides)
    return event


@dataclass
class OpenNotificaties:
    """Delivers to the connector's endpoint at `base_url` (its own root, e.g. https://localhost:8443)."""

    base_url: str
    client_id: str
    secret: str
    trust: ssl.SSLContext

    async def token(self) -> str:
        async with httpx.AsyncClient(verify=self.trust, timeout=30) as client:
            answer = await client.post(
                f"{self.base_url}/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.secret),
            )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    async def deliver(
        self,
        event: dict[str, Any] | bytes,
        *,
        token: str | None = None,
        authenticate: bool = True,
        tls: ssl.SSLContext | None = None,
    ) -> httpx.Response:
        headers = {"Content-Type": "application/cloudevents+json"}
        if authenticate:
            headers["Authorization"] = f"Bearer {token or await self.token()}"
        body = event if isinstance(event, bytes) else httpx.Request("POST", "/", json=event).content
        async with httpx.AsyncClient(verify=tls or self.trust, timeout=30) as client:
            return await client.post(
                f"{self.base_url}/api/v1/cloudevents", content=body, headers=headers
            )
