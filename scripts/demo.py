"""`make demo`: two demo organisations publish a realistic set of events against `make run`.

Sets e-mail addresses for two demo citizens, publishes as the Belastingdienst and the Gemeente
Voorbeeldstad (each as its own broker user: over TLS with its certificate of the local test CA,
or with its local password after `make run TLS=no`), and prints every receipt, rejection and
notification status that comes back on the organisations' own queues.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid_testing.notifier import CODE
from mijnoverheid_testing.organisation import OrganisationClient, message_sent
from mijnoverheid_testing.pki.index import TestPki
from mijnoverheid_testing.stack import Stack, demo_registry
from mijnoverheid_testing.tlsstack import CertificateStack
from mijnoverheid_testing.waiting import wait_until

VHOST = "mijnoverheid"
NOTIFIER_URL = os.environ.get("NOTIFIER_URL", "http://127.0.0.1:8084")
CITIZENS = {"999993653": "j.jansen@example.nl", "999990019": "f.de.vries@example.nl"}
NOT_A_BSN = "123456789"
LOCAL = Path(__file__).resolve().parents[1] / ".local"
MAILS = LOCAL / "mails"
MINIMAL_PDF = base64.b64encode(b"%PDF-1.4\n% demo\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


async def set_addresses() -> None:
    """Through the real double opt-in: set the address, read the code from the mail sink,
    confirm it."""
    key = load_private_key(DEV_PRIVATE_KEY)
    async with httpx.AsyncClient(base_url=NOTIFIER_URL) as client:
        for bsn, address in CITIZENS.items():
            headers = {"Authorization": f"Bearer {mint_token(key, bsn, timedelta(minutes=5))}"}
            current = await client.get("/api/v1/contact-details", headers=headers)
            if current.is_success and current.json().get("email") == address:
                continue  # verified in an earlier demo run
            started = time.time()
            response = await client.put(
                "/api/v1/contact-details", json={"email": address}, headers=headers
            )
            response.raise_for_status()
            code = await wait_until(
                lambda address=address, started=started: _code_mailed_to(address, started),
                timeout=30,
                what=f"the verification mail to {address}",
            )
            confirmed = await client.post(
                "/api/v1/contact-details/verification", json={"code": code}, headers=headers
            )
            confirmed.raise_for_status()
            print(f"Verified {address} with the code mailed to it.")


def _code_mailed_to(address: str, since: float) -> str | None:
    for mail in sorted(MAILS.glob("*.txt")):
        if mail.stat().st_mtime >= since - 1 and f"To: {address}" in mail.read_text():
            found = CODE.search(mail.read_text())
            if found:
                return found.group(0)
    return None


FINAL = {"sent", "delivered", "no-contact", "permanent-failure", "bounced"}


def _answers(client: OrganisationClient) -> tuple[int, int, int]:
    outcomes = client.events("notification-status", lambda e: e["data"]["status"] in FINAL)
    return (
        len(client.events("message-delivered")),
        len(outcomes),
        len(client.events("message-rejected")),
    )


def show(organisation: str, event: dict[str, Any]) -> None:
    kind = event["type"].rsplit(".", 1)[-1]
    data = event["data"]
    detail = data.get("status") or data.get("reason") or data.get("message_id", "")
    print(f"  {organisation:<24} {kind:<22} {detail}")


def local_stack() -> Stack:
    """The broker as `make run` set it up (.local/run.env): TLS with certificates, or plain."""
    run = LOCAL / "run.env"
    settings = (
        dict(line.split("=", 1) for line in run.read_text().splitlines() if "=" in line)
        if run.exists()
        else {}
    )
    if settings.get("LOCAL_TLS", "yes") == "yes":
        port = int(os.environ.get("LOCAL_TLS_PORT_BASE", "5680")) + 1
        pki = TestPki.load(LOCAL / "pki")
        return CertificateStack("localhost", port, "", "", pki=pki, registry=demo_registry())
    return Stack("127.0.0.1", 5672, "http://127.0.0.1:15672", "mongodb://127.0.0.1:27017")


async def main() -> None:
    await set_addresses()
    stack = local_stack()
    registry = demo_registry()
    jansen, de_vries = CITIZENS
    deadline = date.today() + timedelta(weeks=6)
    belastingdienst = registry.by_broker_user("belastingdienst")
    gemeente = registry.by_broker_user("gemeente-voorbeeldstad")
    assert belastingdienst is not None
    assert gemeente is not None
    plan = [
        (
            belastingdienst,
            message_sent(
                belastingdienst,
                jansen,
                subject="Aanslag inkomstenbelasting 2025",
                body="U moet € 1.234 betalen.",
                kind="aanslag",
                legal_effect=True,
                deadline=deadline.isoformat(),
                attachments=[
                    {
                        "file_name": "aanslag-2025.pdf",
                        "media_type": "application/pdf",
                        "content": MINIMAL_PDF.decode(),
                    }
                ],
            ),
        ),
        (
            belastingdienst,
            message_sent(
                belastingdienst,
                de_vries,
                subject="Voorlopige aanslag 2026",
                body="Uw voorlopige aanslag.",
                kind="aanslag",
                legal_effect=True,
            ),
        ),
        (
            gemeente,
            message_sent(
                gemeente,
                de_vries,
                subject="Uw parkeervergunning",
                kind="brief",
                body="Uw parkeervergunning is verlengd tot 31-12-2027.",
                legal_effect=False,
            ),
        ),
        (
            gemeente,
            message_sent(
                gemeente,
                jansen,
                subject="Beschikking WOZ-waarde 2026",
                kind="besluit",
                body="De WOZ-waarde van uw woning is vastgesteld.",
                legal_effect=True,
            ),
        ),
        (gemeente, message_sent(gemeente, NOT_A_BSN, subject="Dit wordt geweigerd")),
    ]
    clients = {
        org.broker_user: OrganisationClient(stack, VHOST, org)
        for org in (belastingdienst, gemeente)
    }
    for client in clients.values():
        await client.__aenter__()
    try:
        # Only a citizen with an activated account who consented to an organisation's digital
        # post gets its messages: announced as the portal does when they log in and choose.
        for client in clients.values():
            await client.enrol(*CITIZENS)
        print("The demo citizens have an account and chose digital post from both senders.")
        for organisation, event in plan:
            await clients[organisation.broker_user].publish(event)
        print(f"Published {len(plan)} message-sent events; answers:")
        # Per organisation: (receipts, final notification statuses, rejections) to wait for.
        expected = {"belastingdienst": (2, 2, 0), "gemeente-voorbeeldstad": (2, 2, 1)}
        await wait_until(
            lambda: all(_answers(clients[name]) == counts for name, counts in expected.items()),
            timeout=60,
            what="receipts, notification outcomes and the rejection",
        )
        for name, client in clients.items():
            for event in client.received:
                show(name, event)
    finally:
        for client in clients.values():
            await client.__aexit__()
    print("\nThe e-mails are in .local/mails/ (the demo citizens' addresses are fictitious).")


if __name__ == "__main__":
    asyncio.run(main())
