"""The overdue check at scale, against the real database: replicas split the due
notifications instead of all reading the same first ones, read them in bounded pages of ids,
report each overdue one once, and never read a finished hour again.

What is read is observed with pymongo's command monitoring: every batch of `notifications`
documents the scanners receive.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.storage import Document
from mijnoverheid_testing.observed_store import Observer, observed_database
from mijnoverheid_testing.stack import Stack
from notifier.adapters import notifications
from notifier.adapters.notifications import NotificationRepository, overdue_work
from notifier.domain.notification import State, new_notification
from notifier.handlers.overdue import OverdueScanner
from services.notifier.tests.unit.fakes import RecordingPublisher
from services.notifier.tests.unit.test_notifier_domain import request

pytestmark = pytest.mark.integration

CREATED = datetime(2031, 3, 1, 9, 5, tzinfo=UTC)
OVERDUE_AFTER = timedelta(hours=48)
COUNT = 450


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[tuple[AsyncDatabase[Document], Observer]]:
    async with observed_database(stack.mongodb_url, "overdue-work") as (database, reads):
        await notifications.create_indexes(database)
        yield database, reads


def scanner(
    database: AsyncDatabase[Document], publisher: RecordingPublisher, now: datetime
) -> OverdueScanner:
    return OverdueScanner(
        store=NotificationRepository(database),
        work=overdue_work(database),
        publisher=publisher,
        source=source_for("00000001234567890000", "notifier"),
        clock=lambda: now,
        interval_seconds=60,
    )


async def fill(database: AsyncDatabase[Document]) -> list[str]:
    """COUNT notifications due in one hour; every third one sent (so not overdue)."""
    repository = NotificationRepository(database)
    ids = []
    for n in range(COUNT):
        created = CREATED + timedelta(seconds=n)
        notification = new_notification(request(trigger_event_id=f"e-{n}"), created, OVERDUE_AFTER)
        if n % 3 == 0:
            notification = notification.claimed(created, "a@example.nl").moved_to(
                State.SENT, created
            )
        ids.append(notification.notification_id)
        await repository.add(notification)
    return ids


async def test_replicas_split_the_due_notifications_and_never_reread_a_finished_hour(
    store: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, reads = store
    ids = await fill(database)
    reads.take()
    publisher = RecordingPublisher()
    now = CREATED + OVERDUE_AFTER + timedelta(hours=2)  # the hour is over: units can be done

    counts = await asyncio.gather(
        scanner(database, publisher, now).scan_once(),
        scanner(database, publisher, now).scan_once(),
    )

    unsent = sorted(ids[n] for n in range(COUNT) if n % 3)
    reported = sorted(event.data["notification_id"] for event, _ in publisher.published)
    assert reported == unsent, "each overdue notification reported exactly once"
    assert sum(counts) == len(unsent)
    assert all(count > 0 for count in counts), f"one replica did all the work: {counts}"
    batches = reads.take().batches(notifications.NOTIFICATIONS)
    assert max(len(batch) for batch in batches) <= 200, "a page larger than 200"
    assert sum(len(batch) for batch in batches if batch and set(batch[0]) == {"_id"}) == COUNT

    assert await scanner(database, publisher, now + timedelta(hours=1)).scan_once() == 0
    assert len(reads.take().documents(notifications.NOTIFICATIONS)) == 0, (
        "a finished hour was read again"
    )


async def test_a_notification_due_in_the_current_hour_is_found_by_the_next_scan(
    store: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, _ = store
    publisher = RecordingPublisher()
    notification = new_notification(request(trigger_event_id="late"), CREATED, OVERDUE_AFTER)
    await NotificationRepository(database).add(notification)
    due = notification.overdue_at

    assert await scanner(database, publisher, due - timedelta(seconds=1)).scan_once() == 0
    assert await scanner(database, publisher, due + timedelta(seconds=1)).scan_once() == 1
    assert await scanner(database, publisher, due + timedelta(seconds=2)).scan_once() == 0
    assert [event.data["notification_id"] for event, _ in publisher.published] == [
        notification.notification_id
    ]
