"""The reminder for unread post, end to end: the Berichtenbox and the Notifier as real
processes, the real broker, store and SMTP server.

The retention scan runs in-process as "another replica" with a chosen `now` (as in
services/berichtenbox/tests/integration/test_berichtenbox_retention.py): its own repositories
on the service's database and its own broker connection as user berichtenbox. The service's
own scan runs on the wall clock, hourly, and finds nothing due.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from faststream.rabbit import RabbitBroker

from berichtenbox.domain.message import RetentionPolicy
from berichtenbox.domain.reminder import ReminderPolicy
from berichtenbox.domain.trail import TrailEntry, TrailKind, verify_chain
from berichtenbox.handlers.retention import RetentionJob
from mijnoverheid.contracts.envelope import derived_event_id
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.notifier import Notifier, start_notifier
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.waiting import wait_until
from services.berichtenbox.tests.replicas import deliver, retention_replica, trail_of
from tests.e2e.conftest import citizen_token, notification_mails

pytestmark = pytest.mark.integration

REMIND_AFTER_DAYS = 3  # not the default, so the test shows the setting is used
LEFT_UNREAD = "nl.mijnoverheid.berichtenbox.message-left-unread"
DELIVERED = "nl.mijnoverheid.berichtenbox.message-delivered"


@pytest.fixture(scope="module")
async def berichtenbox(platform: Platform) -> ServiceProcess:
    process = platform.service("berichtenbox").start(
        RETENTION_SCAN_SECONDS="3600", UNREAD_REMINDER_DAYS=str(REMIND_AFTER_DAYS)
    )
    await process.ready()
    return process


@pytest.fixture(scope="module")
async def notifier(platform: Platform) -> Notifier:
    return await start_notifier(platform)


@pytest.fixture(scope="module")
async def replica_broker(platform: Platform) -> AsyncIterator[RabbitBroker]:
    async with platform.service_broker("berichtenbox") as broker:
        yield broker


def replica(platform: Platform, broker: RabbitBroker) -> RetentionJob:
    reminders = ReminderPolicy(timedelta(days=REMIND_AFTER_DAYS))
    return retention_replica(platform, broker, RetentionPolicy(), reminders)


def status_of(message_id: str, trigger_type: str, status: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: (
        e["data"]["message_id"] == message_id
        and e["data"]["trigger_event_type"] == trigger_type
        and e["data"]["status"] == status
    )


async def test_a_message_left_unread_gets_one_reminder_mail_a_read_one_none(
    platform: Platform,
    berichtenbox: ServiceProcess,
    notifier: Notifier,
    replica_broker: RabbitBroker,
) -> None:
    unread_bsn, read_bsn, silent_bsn = random_bsn(), random_bsn(), random_bsn()
    unread_address, read_address = Notifier.address(), Notifier.address()
    await notifier.verified(unread_bsn, unread_address)
    await notifier.verified(read_bsn, read_address)
    async with platform.client("belastingdienst") as belastingdienst:
        # Legal effect: reminded whatever the setting for other post.
        unread = await deliver(belastingdienst, unread_bsn, legal_effect=True)
        read = await deliver(belastingdienst, read_bsn, legal_effect=True)
        # No address: no-contact.
        no_address = await deliver(belastingdienst, silent_bsn, legal_effect=True)
        async with httpx.AsyncClient(base_url=berichtenbox.base_url) as api:
            opened = await api.get(
                f"/api/v1/messages/{read['message_id']}",
                headers={"Authorization": f"Bearer {citizen_token(read_bsn)}"},
            )
            assert opened.status_code == 200
        for message in (unread, read):
            await belastingdienst.next_event(
                "notification-status", status_of(message["message_id"], DELIVERED, "sent")
            )
        stored = await platform.database("berichtenbox").messages.find_one(
            {"_id": unread["message_id"]}
        )
        assert stored is not None
        due: datetime = stored["delivered_at"] + timedelta(days=REMIND_AFTER_DAYS)

        # Not yet due: nothing.
        report = await replica(platform, replica_broker).run_retention_once(
            due - timedelta(hours=2)
        )
        assert report.reminded == 0
        # Two replicas at the same moment (both claim the units), then a later scan.
        await asyncio.gather(
            replica(platform, replica_broker).run_retention_once(due + timedelta(minutes=1)),
            replica(platform, replica_broker).run_retention_once(due + timedelta(minutes=1)),
        )
        await replica(platform, replica_broker).run_retention_once(due + timedelta(hours=2))

        sent = await belastingdienst.next_event(
            "notification-status", status_of(unread["message_id"], LEFT_UNREAD, "sent")
        )
        await belastingdienst.next_event(
            "notification-status", status_of(no_address["message_id"], LEFT_UNREAD, "no-contact")
        )
        await platform.drained()  # a late duplicate would show as a second mail or event

        def reminders_of(message: dict[str, Any]) -> list[dict[str, Any]]:
            return belastingdienst.events(
                "message-left-unread", lambda e: e["data"]["message_id"] == message["message_id"]
            )

        [reminder] = reminders_of(unread)
        assert reminders_of(read) == []
        assert len(reminders_of(no_address)) == 1
        event = unread["event"]
        assert reminder["id"] == derived_event_id(
            event["source"], event["id"], "message-left-unread"
        )
        assert reminder["_user_id"] == "berichtenbox"
        assert sent["data"]["trigger_event_id"] == reminder["id"]
        statuses = [
            e["data"]["status"]
            for e in belastingdienst.events("notification-status")
            if e["data"]["trigger_event_id"] == reminder["id"]
        ]
        assert statuses == ["created", "sending", "sent"]

    unread_mails = notification_mails(platform, unread_address)
    assert len(unread_mails) == 2, "the notice of the message, and one reminder"
    mail = unread_mails[1]
    assert mail.message["Subject"] == (
        "Herinnering: u heeft een bericht in uw Berichtenbox nog niet gelezen"
    )
    assert "/berichtenbox" in mail.text
    for secret in (unread_bsn, event["data"]["subject"], event["data"]["body"], "Vertrouwelijk"):
        assert secret not in mail.text
    assert len(notification_mails(platform, read_address)) == 1, "read: no reminder"

    # The trail: the reminder once, then the Notifier's statuses about it.
    notification_id = sent["data"]["notification_id"]
    entries = await wait_until(
        lambda: _with_status(platform, unread["message_id"], notification_id, "sent"),
        what="the reminder's sent status in the trail",
    )
    reminded = [e for e in entries if e.kind is TrailKind.UNREAD_REMINDED]
    assert [e.details for e in reminded] == [{"event_id": reminder["id"]}]
    assert verify_chain(entries).valid
    read_trail = await trail_of(platform, read["message_id"])
    assert TrailKind.UNREAD_REMINDED not in [e.kind for e in read_trail]


async def _with_status(
    platform: Platform, message_id: str, notification_id: str, status: str
) -> list[TrailEntry] | None:
    entries = await trail_of(platform, message_id)
    found = any(
        e.kind is TrailKind.NOTIFICATION
        and e.details.get("notification_id") == notification_id
        and e.details.get("status") == status
        for e in entries
    )
    return entries if found else None
