"""Running the Berichtenbox's retention scan in-process as "another replica" next to the real
service: its own repositories on the service's database and its own broker connection as
user berichtenbox, with a chosen `now` (the service's own loop uses the wall clock)."""

from __future__ import annotations

from typing import Any

from faststream.rabbit import RabbitBroker

from berichtenbox.adapters.messages import MessageRepository
from berichtenbox.adapters.retention_work import retention_work
from berichtenbox.adapters.trail import TrailRepository
from berichtenbox.domain.message import RetentionPolicy
from berichtenbox.domain.reminder import ReminderPolicy
from berichtenbox.domain.trail import TrailEntry
from berichtenbox.handlers.retention import RetentionJob
from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.messaging.publisher import RabbitEventPublisher
from mijnoverheid_testing.organisation import OrganisationClient, about, message_sent
from mijnoverheid_testing.platform import Platform


def retention_replica(
    platform: Platform,
    broker: RabbitBroker,
    policy: RetentionPolicy,
    reminders: ReminderPolicy | None = None,
) -> RetentionJob:
    database = platform.database("berichtenbox")
    return RetentionJob(
        store=MessageRepository(database),
        trail=TrailRepository(database),
        publisher=RabbitEventPublisher(broker, "berichtenbox"),
        policy=policy,
        source=source_for("00000001234567890000", "berichtenbox"),
        work=retention_work(database),
        reminders=reminders or ReminderPolicy(),
    )


async def deliver(organisation: OrganisationClient, bsn: str, **data: Any) -> dict[str, Any]:
    """A message for `bsn` (enrolled first) through the real service: the event sent and the
    delivery's data."""
    await organisation.enrol(bsn)
    event = message_sent(organisation.organisation, bsn, **data)
    await organisation.publish(event)
    delivered = await organisation.next_event("message-delivered", about(event["id"]))
    return {"event": event, **delivered["data"]}


async def trail_of(platform: Platform, message_id: str) -> list[TrailEntry]:
    return await TrailRepository(platform.database("berichtenbox")).entries(message_id)
