"""A write the database could not make durable is never taken for stored.

The review found three paths (the Berichtenbox's messages, its trail, the Notifier's batched
inserts) that treated a bulk write with a write-concern error as success, so a message could be
acked and receipted that a failover would lose. Here the stores run against the real database,
and only `insert_many` answers as a server whose write concern could not be satisfied (the
documents were taken by the primary, but not confirmed on enough members): the error must reach
the caller, so the delivery is retried, never acked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from berichtenbox.adapters.messages import MessageRepository
from berichtenbox.adapters.trail import TrailRepository
from berichtenbox.domain.message import (
    ReceiveMessage,
    RetentionPolicy,
    Submission,
    message_id_for,
    receive,
)
from berichtenbox.domain.trail import TrailKind
from berichtenbox.ports import Record
from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.kernel import Origin
from mijnoverheid.storage import Document, WriteNotDurableError, coalesced_insert, insert_each
from mijnoverheid_testing.platform import Platform
from notifier.adapters.notifications import NotificationRepository
from notifier.domain.notification import new_notification
from notifier.domain.request import NotificationRequest, Template

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OIN = "00000001003214345000"
WRITE_CONCERN_ERROR = {"code": 64, "errmsg": "waiting for replication timed out"}


def not_durable(collection: AsyncCollection[Document]) -> Callable[..., Any]:
    """`insert_many` that writes, then reports the write concern as not satisfied."""
    real = collection.insert_many

    async def insert_many(documents: list[Document], **options: Any) -> None:
        await real(documents, **options)
        raise BulkWriteError(
            {
                "writeErrors": [],
                "writeConcernErrors": [WRITE_CONCERN_ERROR],
                "nInserted": len(documents),
            }
        )

    return insert_many


def _message(event_id: str) -> Any:
    origin = Origin(OIN, "Belastingdienst", source_for(OIN, "aanslagen"), event_id, NOW)
    submission = Submission(
        recipient_bsn="999993653",
        subject="Uw aanslag",
        body="Geachte heer/mevrouw,",
        reference="K-1",
        legal_effect=True,
    )
    return receive(ReceiveMessage(origin, submission), now=NOW, retention=RetentionPolicy())


async def test_insert_each_reports_every_document_of_a_non_durable_write(
    platform: Platform,
) -> None:
    collection = platform.database("berichtenbox")["durability_probe"]
    collection.insert_many = not_durable(collection)  # type: ignore[method-assign]
    outcomes = await insert_each(collection, [{"_id": "a"}, {"_id": "b"}])
    assert all(isinstance(outcome, WriteNotDurableError) for outcome in outcomes)


async def test_a_coalesced_insert_raises_for_each_caller(platform: Platform) -> None:
    collection = platform.database("notifier")["durability_probe"]
    collection.insert_many = not_durable(collection)  # type: ignore[method-assign]
    insert = coalesced_insert(collection)
    with pytest.raises(WriteNotDurableError):
        await insert({"_id": "c"})


async def test_a_message_whose_write_is_not_durable_is_not_stored(platform: Platform) -> None:
    store = MessageRepository(platform.database("berichtenbox"))
    store._messages.insert_many = not_durable(store._messages)  # type: ignore[method-assign]
    with pytest.raises(WriteNotDurableError):
        await store.add(_message("evt-durability-1"))


async def test_a_trail_whose_write_is_not_durable_is_not_started(platform: Platform) -> None:
    trail = TrailRepository(platform.database("berichtenbox"))
    trail._trail.insert_many = not_durable(trail._trail)  # type: ignore[method-assign]
    message_id = message_id_for(
        Origin(OIN, "Belastingdienst", source_for(OIN, "aanslagen"), "evt-durability-2", NOW)
    )
    records = [Record(TrailKind.SUBMITTED, "submitted", NOW, {})]
    with pytest.raises(WriteNotDurableError):
        await trail.start(message_id, records)
    later = Record(TrailKind.READ, "read", NOW + timedelta(minutes=1))
    with pytest.raises((WriteNotDurableError, BulkWriteError)):
        await trail.append_all(message_id + "-other", [later])


async def test_a_notification_whose_write_is_not_durable_is_not_created(
    platform: Platform,
) -> None:
    notifications = NotificationRepository(platform.database("notifier"))
    collection = notifications._notifications
    collection.insert_many = not_durable(collection)  # type: ignore[method-assign]
    request = NotificationRequest(
        template=Template.MESSAGE_DELIVERED,
        trigger_source=source_for(OIN, "berichtenbox"),
        trigger_event_id="evt-durability-3",
        trigger_event_type="nl.mijnoverheid.berichtenbox.message-delivered",
        organisation_oin=OIN,
        organisation_name="Belastingdienst",
        recipient_bsn="999993653",
        legal_effect=True,
    )
    with pytest.raises(WriteNotDurableError):
        await notifications.add(new_notification(request, NOW, timedelta(hours=48)))
