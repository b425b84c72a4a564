"""A transient fault is retried, never turned into a rejection: with the database away, the
message waits unacknowledged; when the database is back, it is delivered once."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import about, message_sent
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.proxy import SwitchableProxy
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration


def _unacknowledged(platform: Platform, queue: str) -> int:
    with platform.stack.management() as management:
        response = management.get(f"/api/queues/{platform.vhost}/{queue}")
    return int(response.json().get("messages_unacknowledged", 0)) if response.is_success else 0


async def test_database_outage_delays_but_never_rejects(own_platform: Platform) -> None:
    platform = own_platform
    database = urlsplit(platform.stack.mongodb_url)
    async with SwitchableProxy(database.hostname or "127.0.0.1", database.port or 27017) as proxy:
        proxy.switch_on()
        service = platform.service("berichtenbox")
        service.environment["MONGODB_URL"] = f"mongodb://127.0.0.1:{proxy.port}"
        await service.start().ready()
        bsn = random_bsn()
        await platform.enrol(bsn, "belastingdienst")
        proxy.switch_off()

        async with platform.client("belastingdienst") as belastingdienst:
            event = message_sent(belastingdienst.organisation, bsn)
            await belastingdienst.publish(event)
            await wait_until(
                lambda: _unacknowledged(platform, "berichtenbox.message-sent") == 1,
                what="the message held, unacknowledged, while the database is away",
            )
            proxy.switch_on()
            await belastingdienst.next_event("message-delivered", about(event["id"]), timeout=60)
            assert not belastingdienst.events("message-rejected", about(event["id"]))
    stored = platform.database("berichtenbox").messages
    assert await stored.count_documents({"recipient_bsn": bsn}) == 1
    # The broker's statistics lag by a few seconds.
    await wait_until(
        lambda: _unacknowledged(platform, "berichtenbox.message-sent") == 0,
        what="the message acknowledged once stored and receipted",
    )
