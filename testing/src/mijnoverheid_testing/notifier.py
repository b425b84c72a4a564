"""The Notifier as a real process in a test platform, and what a test does with it: verify an
address through the real double opt-in, publish triggers as the producing services."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aio_pika
import httpx

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.contracts import routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE, source_for, utc_now
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid_testing.dsn import send_report
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.waiting import wait_until

PLATFORM_OIN = "00000001234567890000"
# Reported like every change, but steps on the way to an outcome.
STEPS = frozenset({"created", "sending"})
VERIFICATION_PATH = "/api/v1/contact-details/verification"
CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b")
# The key of the return paths' signatures in tests (not the development default, so a test
# shows that the setting is used).
TEST_BOUNCE_SECRET = "test-platform-notifier-bounce-secret"  # noqa: S105 - tests only
# Short delays, so that retries and deadlines happen within a test.
FAST = {
    "NOTIFIER_DEV_AUTO_VERIFY": "false",
    "NOTIFIER_RETRY_DELAYS_SECONDS": "[0.3, 0.3, 0.3, 0.3]",
    "NOTIFIER_MAX_ATTEMPTS": "3",
    "NOTIFIER_OVERDUE_AFTER_SECONDS": "4",
    "NOTIFIER_OVERDUE_SCAN_SECONDS": "0.5",
    "SMTP_RATE_LIMIT": "0",
}


def token(bsn: str) -> str:
    return mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, timedelta(minutes=5))


@dataclass
class Notifier:
    """A running Notifier process."""

    platform: Platform
    process: ServiceProcess

    @staticmethod
    def address() -> str:
        return f"burger-{uuid.uuid4().hex[:10]}@example.nl"

    @staticmethod
    def about(event: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
        """Matches the Notifier's outcome events (not the created/sending steps, which are
        reported too) about the notification for trigger `event`."""
        return lambda e: (
            e["data"].get("trigger_event_id") == event["id"] and e["data"]["status"] not in STEPS
        )

    @staticmethod
    def statuses(events: list[dict[str, Any]]) -> list[str]:
        """The outcomes in order, without the created/sending steps."""
        ordered = sorted(events, key=lambda e: e["data"]["sequence"])
        return [e["data"]["status"] for e in ordered if e["data"]["status"] not in STEPS]

    @property
    def bounce_endpoint(self) -> tuple[str, int]:
        return ("127.0.0.1", int(self.process.environment["NOTIFIER_BOUNCE_PORT"]))

    async def send_report(
        self,
        return_path: str,
        *,
        recipient: str,
        action: str,
        status: str,
        envelope_id: str | None = None,
    ) -> tuple[int, str]:
        """A delivery status report sent straight to the bounce endpoint, once, as anybody
        could: the endpoint's answer (code, text)."""
        return await asyncio.to_thread(
            send_report,
            self.bounce_endpoint,
            return_path=return_path,
            recipient=recipient,
            action=action,
            status=status,
            envelope_id=envelope_id,
        )

    def citizen(self, bsn: str) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.platform.stack.citizen_token(bsn)}"}
        return httpx.AsyncClient(base_url=self.process.base_url, headers=headers, timeout=30)

    async def code_mailed_to(self, email: str, nth: int = 1) -> str:
        mails = await wait_until(
            lambda: (
                len(self.platform.smtp.mails_to(email)) >= nth
                and self.platform.smtp.mails_to(email)
            ),
            what=f"verification mail {nth} to the address",
        )
        found = CODE.search(mails[nth - 1].text)
        assert found, "the mail holds a code"
        return found.group(0)

    async def verified(self, bsn: str, email: str) -> None:
        async with self.citizen(bsn) as client:
            (await client.put("/api/v1/contact-details", json={"email": email})).raise_for_status()
            code = await self.code_mailed_to(email)
            confirmed = await client.post(
                "/api/v1/contact-details/verification", json={"code": code}
            )
            confirmed.raise_for_status()

    async def trigger(
        self,
        route: routing.EventRoute,
        oin: str,
        data: dict[str, Any],
        user: str | None = None,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """Publish a trigger as the producing service (its own broker user); the same
        `event_id` again is a duplicate."""
        user = user or route.service
        event_id = event_id or str(uuid.uuid4())
        event = {
            "specversion": "1.0",
            "id": event_id,
            "source": source_for(PLATFORM_OIN, route.service),
            "type": f"nl.mijnoverheid.{route.service}.{route.event}",
            "time": utc_now().isoformat(),
            "data": data,
        }
        connection = await self.platform.stack.connect(user, self.platform.vhost)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(routing.EXCHANGE, ensure=False)
            await exchange.publish(
                aio_pika.Message(
                    json.dumps(event).encode(),
                    content_type=CONTENT_TYPE,
                    message_id=event_id,
                    user_id=self.platform.stack.user_id(user),
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=route.key(oin),
                mandatory=True,
            )
        return event


async def start_notifier(platform: Platform, **environment: str) -> Notifier:
    secret = {"NOTIFIER_BOUNCE_SECRET": TEST_BOUNCE_SECRET}
    process = platform.service("notifier").start(**{**FAST, **secret, **environment})
    await process.ready()
    return Notifier(platform, process)
