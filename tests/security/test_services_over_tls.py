"""The services as production runs them: TLS on every hop, certificates instead of passwords.

Against a TLS-only RabbitMQ node (mutual TLS, EXTERNAL only), a FerretDB with only a TLS
listener and an SMTP relay that requires STARTTLS (fixture `tls_platform`), the four services
run as real processes in production mode: each logs in to the broker with its own certificate,
verifies every server against the test CA, and uses keys generated for the session. An
organisation publishes with its certificate and gets its signed receipt; the citizen's mail
goes out over TLS.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mijnoverheid.certificates import serial_numbers_in
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.notifier import Notifier
from mijnoverheid_testing.organisation import about, message_sent
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.tlsstack import TlsStack
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration

SERVICES = ("berichtenbox", "zaken", "gegevens", "notifier")


@pytest.fixture(scope="module")
async def services(tls_platform: Platform) -> dict[str, ServiceProcess]:
    return await tls_platform.start(*SERVICES)


def connections(platform: Platform) -> list[dict[str, Any]]:
    with platform.stack.management() as management:
        found: list[dict[str, Any]] = (
            management.get(f"/api/vhosts/{platform.vhost}/connections").raise_for_status().json()
        )
    return found


async def test_every_service_logs_in_with_its_own_certificate_over_tls(
    tls_platform: Platform, services: dict[str, ServiceProcess]
) -> None:
    stack = tls_platform.stack
    assert isinstance(stack, TlsStack)
    for process in services.values():
        assert process.environment["MIJNOVERHEID_ENVIRONMENT"] == "production"
        assert "AMQP_URL" in process.environment
        assert "@" not in process.environment["AMQP_URL"], "no user or password in the URL"
    expected = {stack.pki.service(name).rabbitmq_user for name in SERVICES}
    # The broker's own view: who is connected, how they logged in, and over what.
    found = await wait_until(
        lambda: (
            {c["user"] for c in connections(tls_platform)} >= expected and connections(tls_platform)
        ),
        what="every service's broker connection",
    )
    by_user = {c["user"]: c for c in found if c["user"] in expected}
    assert set(by_user) == expected
    for connection in by_user.values():
        assert connection["ssl"] is True
        assert connection["auth_mechanism"] == "EXTERNAL"
        assert connection["ssl_protocol"] in ("tlsv1.3", "tlsv1.2")
        # The user is the certificate's subject, with the platform's OIN in it.
        assert connection["user"] == connection["peer_cert_subject"]
        assert serial_numbers_in(connection["user"]) == ["00000001234567890000"]
        assert connection["peer_cert_issuer"].startswith(
            "CN=TEST MijnOverheid Private Services CA - G1,"
        )


async def test_an_organisation_publishes_with_its_certificate_and_gets_its_receipt(
    tls_platform: Platform, services: dict[str, ServiceProcess]
) -> None:
    stack = tls_platform.stack
    assert isinstance(stack, TlsStack)
    bsn, address = random_bsn(), f"burger-{uuid.uuid4().hex[:8]}@example.nl"
    # The double opt-in through the Notifier's API (a token of this session's issuer); the
    # verification mail goes to the relay over STARTTLS.
    await Notifier(tls_platform, services["notifier"]).verified(bsn, address)

    async with tls_platform.client("belastingdienst") as belastingdienst:
        organisation = belastingdienst.organisation
        assert belastingdienst.user_id == stack.pki.organisation("belastingdienst").rabbitmq_user
        await belastingdienst.enrol(bsn)
        event = message_sent(organisation, bsn)
        await belastingdienst.publish(event)

        delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
        # Published by the Berichtenbox as its certificate's user, which the broker checked.
        assert delivered["_user_id"] == stack.pki.service("berichtenbox").rabbitmq_user
        assert delivered["_routing_key"].endswith(organisation.oin)
        stored = await tls_platform.database("berichtenbox").messages.find_one(
            {"_id": delivered["data"]["message_id"]}
        )
        assert stored is not None
        assert stored["sender_oin"] == organisation.oin

        status = await belastingdienst.next_event(
            "notification-status", lambda e: e["data"]["status"] == "sent"
        )
        assert status["_user_id"] == stack.pki.service("notifier").rabbitmq_user

    receipt = delivered["data"]["receipt"]
    async with httpx.AsyncClient(base_url=services["berichtenbox"].base_url) as client:
        keys = (await client.get("/api/v1/receipt-keys")).json()["keys"]
    key = next(k for k in keys if k["key_id"] == receipt["key_id"])
    Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"])).verify(
        base64.b64decode(receipt["signature"]), receipt["payload"].encode()
    )

    mails = tls_platform.smtp.mails_to(address)
    assert len(mails) == 2  # the verification code and the notification
    assert all(mail.tls for mail in mails), "every mail went over STARTTLS"
