"""A consumer killed between its durable write and its ack loses nothing and sends no second
e-mail: the broker redelivers, the write is found, the same events are re-emitted."""

from __future__ import annotations

import pytest

from mijnoverheid.faults import FAILPOINT_ENV, FAILPOINT_EXIT_CODE
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import about, message_sent
from mijnoverheid_testing.platform import Platform
from tests.e2e.conftest import notification_mails, set_email

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("crashing", ["berichtenbox", "notifier"])
async def test_killed_between_write_and_ack_loses_nothing_and_mails_once(
    own_platform: Platform, crashing: str
) -> None:
    platform = own_platform
    bsn, address = random_bsn(), f"crash-{crashing}@example.nl"
    healthy = "notifier" if crashing == "berichtenbox" else "berichtenbox"
    await platform.start(healthy)
    doomed = platform.service(crashing).start(**{FAILPOINT_ENV: f"{crashing}.after-store"})
    await doomed.ready()
    await set_email(platform, bsn, address)
    await platform.enrol(bsn, "belastingdienst")

    async with platform.client("belastingdienst") as belastingdienst:
        event = message_sent(belastingdienst.organisation, bsn)
        await belastingdienst.publish(event)

        assert await doomed.exited() == FAILPOINT_EXIT_CODE
        restarted = platform.service(crashing).start()
        await restarted.ready()

        delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
        message_id = delivered["data"]["message_id"]
        await belastingdienst.next_event(
            "notification-status",
            lambda e: e["data"]["message_id"] == message_id and e["data"]["status"] == "sent",
        )
        # Not just the first mail: everything the redelivery set off has run its course.
        await platform.drained()
    messages = platform.database("berichtenbox").messages
    assert await messages.count_documents({"recipient_bsn": bsn}) == 1
    assert len(notification_mails(platform, address)) == 1
