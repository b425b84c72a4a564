"""The database goes away just as the relay accepts a mail (found by the chaos run, where a
FerretDB restart fell between the 250 and its record): the Notifier records the answer once
the database is back, and the citizen gets one mail, not a second one after the lease."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from mijnoverheid.contracts import events as routes
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.notifier import Notifier, start_notifier
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.proxy import SwitchableProxy
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration

# Longer than the outage and one server selection (5 s), so the answer is recorded within it.
LEASE_SECONDS = 30
OUTAGE_SEEN = {
    "recording the relay's answer: database unavailable, retrying",
    "infrastructure unavailable, retrying in place",
}


async def test_a_database_outage_right_after_the_relay_accepted_sends_one_mail(
    platform: Platform,
) -> None:
    database = urlsplit(platform.stack.mongodb_url)
    async with SwitchableProxy(database.hostname or "127.0.0.1", database.port or 27017) as proxy:
        proxy.switch_on()
        notifier = await start_notifier(
            platform,
            MONGODB_URL=f"mongodb://127.0.0.1:{proxy.port}",
            NOTIFIER_SENDING_LEASE_SECONDS=str(LEASE_SECONDS),
            NOTIFIER_DEV_AUTO_VERIFY="true",
        )
        bsn, email = random_bsn(), Notifier.address()
        async with notifier.citizen(bsn) as citizen:
            (await citizen.put("/api/v1/contact-details", json={"email": email})).raise_for_status()

        async def take_the_database_away() -> None:
            proxy.switch_off()

        platform.smtp.before_next_accept(take_the_database_away)
        async with platform.client("belastingdienst") as belastingdienst:
            oin = belastingdienst.organisation.oin
            data = {
                "message_id": f"m-{random_bsn()}",
                "sender_oin": oin,
                "reference": "KENMERK-OUTAGE",
                "recipient_bsn": bsn,
                "legal_effect": True,
                "delivered_at": "2026-03-02T10:15:00Z",
            }
            trigger = await notifier.trigger(routes.MESSAGE_DELIVERED, oin, data)
            await wait_until(
                lambda: any(
                    line["message"] in OUTAGE_SEEN for line in notifier.process.log_lines()
                ),
                what="the Notifier to find the database gone after the relay's 250",
            )
            proxy.switch_on()

            def outcomes() -> list[str] | None:
                events = belastingdienst.events("notification-status", Notifier.about(trigger))
                found = Notifier.statuses(events)
                return found if "sent" in found else None

            assert await wait_until(outcomes, timeout=3 * LEASE_SECONDS, what="sent") == ["sent"]
            await platform.drained("notifier")
        notifier.process.stop()

    mails = [mail for mail in platform.smtp.mails_to(email) if mail.message["Message-ID"]]
    assert len(mails) == 1, "the relay accepted one mail; the outage after it sent no other"
