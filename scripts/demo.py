"""`make demo`: against `make run`, the demo citizens go through the real portal and DigiD mock
(login activates the account, digital consent on the settings page, the e-mail address
confirmed with the link mailed to `.local/mails/`), then two demo organisations publish
messages, cases and registrations, and everything they get back is printed.

The flow is mijnoverheid_testing.demo, which the portal's demo test runs against a test
platform. The organisations publish as their own broker users: over TLS with their certificates
of the local test CA, or with their local passwords after `make run TLS=no`.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from mijnoverheid_testing.demo import CITIZENS, DemoTarget, link_in, run
from mijnoverheid_testing.pki.index import TestPki
from mijnoverheid_testing.stack import Stack, demo_registry
from mijnoverheid_testing.tlsstack import CertificateStack

ROOT = Path(__file__).resolve().parents[1]
LOCAL = ROOT / ".local"
MAILS = LOCAL / "mails"
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8080")


def mail_link(address: str, since: float) -> str | None:
    """The mail sink of `make run` keeps each mail as readable text."""
    texts = [
        mail.read_text(encoding="utf-8")
        for mail in sorted(MAILS.glob("*.txt"))
        if mail.stat().st_mtime >= since - 1
    ]
    return link_in([text for text in texts if f"To: {address}" in text])


def local_stack() -> Stack:
    """The broker as `make run` set it up (.local/run.env): TLS with certificates, or plain."""
    run_env = LOCAL / "run.env"
    settings = (
        dict(line.split("=", 1) for line in run_env.read_text().splitlines() if "=" in line)
        if run_env.exists()
        else {}
    )
    if settings.get("LOCAL_TLS", "yes") == "yes":
        port = int(os.environ.get("LOCAL_TLS_PORT_BASE", "5680")) + 1
        pki = TestPki.load(LOCAL / "pki")
        return CertificateStack("localhost", port, "", "", pki=pki, registry=demo_registry())
    return Stack("127.0.0.1", 5672, "http://127.0.0.1:15672", "mongodb://127.0.0.1:27017")


def show(organisation: str, event: dict[str, Any]) -> None:
    kind = event["type"].rsplit(".", 1)[-1]
    data = event["data"]
    detail = next(
        (
            str(data[key])
            for key in ("status", "reason", "message_id", "case_id", "registration_id")
            if data.get(key)
        ),
        "",
    )
    print(f"  {organisation:<24} {kind:<22} {detail}")


async def main() -> None:
    target = DemoTarget(
        portal_url=PORTAL_URL,
        stack=local_stack(),
        vhost="mijnoverheid",
        registry=demo_registry(),
        mail_link=mail_link,
    )
    answers = await run(target)
    print("Answers on the organisations' own queues:")
    for organisation, received in answers.items():
        for event in received:
            # The answers to "may I send digitally", and the notifications' steps, are noise.
            steps = event["data"].get("status") in ("created", "sending")
            if not event["type"].endswith(".digital-delivery") and not steps:
                show(organisation, event)
    jansen = CITIZENS[0]
    print(f"\nThe e-mails are in {MAILS}/ (the demo citizens' addresses are fictitious).")
    print(
        f"\nOpen {PORTAL_URL} and log in as {jansen.name} (BSN {jansen.bsn}) at the DigiD mock:"
        " the demo's messages, cases and registrations are there."
    )


if __name__ == "__main__":
    asyncio.run(main())
