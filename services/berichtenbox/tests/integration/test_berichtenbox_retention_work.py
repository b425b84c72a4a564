"""The retention scan at scale, against the real database: replicas share the work, messages
are read in bounded pages without their bodies, each is handled once, and a unit that is done
is never read again (so a million expiring messages neither fill memory nor repeat work).

What is read is observed with pymongo's command monitoring: every batch of `messages`
documents the scan receives.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.adapters import messages, trail
from berichtenbox.adapters.messages import MessageRepository
from berichtenbox.adapters.retention_work import retention_work
from berichtenbox.adapters.trail import TrailRepository
from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.message import Message, NewMessage, RetentionPolicy
from berichtenbox.handlers.retention import RetentionJob, RetentionReport
from berichtenbox.ports import RetentionTask
from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.storage import Document
from mijnoverheid.timed_work import LEASE, TimedWork, WorkUnit
from mijnoverheid_testing.observed_store import Observer, observed_database
from mijnoverheid_testing.stack import Stack
from services.berichtenbox.tests.unit.fakes import RecordingPublisher

pytestmark = pytest.mark.integration

SENDER_OIN = "00000001003214345000"
EXPIRES = datetime(2031, 3, 1, 9, 30, tzinfo=UTC)
WARN = timedelta(days=14)
COUNT = 450
BODY = "Geachte heer/mevrouw, " * 500  # ~11 kB: a scan that loads bodies shows it


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[tuple[AsyncDatabase[Document], Observer]]:
    async with observed_database(stack.mongodb_url, "retention-work") as (database, reads):
        await messages.create_indexes(database)
        await trail.create_indexes(database)
        yield database, reads


def a_message(n: int, **overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "message_id": f"m-{n:05d}",
        "event_source": source_for(SENDER_OIN, "zaaksysteem"),
        "event_id": f"evt-{n}",
        "sender_oin": SENDER_OIN,
        "sender_name": "Belastingdienst",
        "recipient_bsn": "999993653",
        "subject": "Uw aanslag",
        "body": BODY,
        "reference": f"KENMERK-{n}",
        "legal_effect": True,
        "kind": "aanslag",
        "deadline": None,
        "sent_at": EXPIRES - timedelta(days=100),
        "delivered_at": EXPIRES - timedelta(days=100),
        "expires_at": EXPIRES + timedelta(seconds=n),
    }
    fields.update(overrides)
    return Message(**fields)


def replica(database: AsyncDatabase[Document], publisher: RecordingPublisher) -> RetentionJob:
    return RetentionJob(
        store=MessageRepository(database, warn_before=WARN),
        trail=TrailRepository(database),
        publisher=publisher,
        policy=RetentionPolicy(warn_before=WARN),
        source=source_for("00000001234567890000", "berichtenbox"),
        work=retention_work(database),
    )


async def fill(database: AsyncDatabase[Document], **overrides: Any) -> None:
    repository = MessageRepository(database, warn_before=WARN)
    await asyncio.gather(
        *(repository.add(NewMessage(a_message(n, **overrides))) for n in range(COUNT))
    )


@pytest.fixture
async def filled(
    store: tuple[AsyncDatabase[Document], Observer],
) -> tuple[AsyncDatabase[Document], Observer]:
    """The store with COUNT messages, what filling it read forgotten."""
    database, reads = store
    await fill(database)
    reads.take()
    return store


async def two_replicas(
    database: AsyncDatabase[Document], publisher: RecordingPublisher, now: datetime
) -> list[RetentionReport]:
    """Two replicas scanning at the same moment."""
    return list(
        await asyncio.gather(
            replica(database, publisher).run_retention_once(now),
            replica(database, publisher).run_retention_once(now),
        )
    )


def assert_bounded_and_without_bodies(batches: list[list[dict[str, Any]]]) -> None:
    assert batches, "the scan read no messages"
    assert max(len(batch) for batch in batches) <= 200, "a page larger than 200 messages"
    assert not any("body" in document for batch in batches for document in batch), "bodies read"


async def test_replicas_expire_each_message_once_in_bounded_pages_and_never_reread(
    filled: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, reads = filled
    publisher = RecordingPublisher()
    now = EXPIRES + timedelta(hours=2)  # the units' hour has ended: they can be done

    reports = await two_replicas(database, publisher, now)

    assert sum(report.expired for report in reports) == COUNT, reports
    assert all(report.failed == 0 for report in reports), reports
    assert_bounded_and_without_bodies(reads.take().batches(messages.MESSAGES))
    repository = TrailRepository(database)
    for n in range(0, COUNT, 37):
        causes = [entry.cause for entry in await repository.entries(a_message(n).message_id)]
        assert causes == [rules.EXPIRED_CAUSE]
    stored = await database[messages.MESSAGES].find_one({"_id": a_message(7).message_id})
    assert stored is not None
    assert (stored["body"], stored["attachments"]) == ("", [])
    assert stored["expired_at"] is not None
    reads.take()

    again = await replica(database, publisher).run_retention_once(now + timedelta(hours=1))
    assert again == RetentionReport()
    assert len(reads.take().documents(messages.MESSAGES)) == 0, "done units were read again"


async def test_replicas_warn_each_unread_message_once_and_never_reread(
    filled: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, reads = filled
    publisher = RecordingPublisher()
    now = EXPIRES - WARN + timedelta(hours=2)

    reports = await two_replicas(database, publisher, now)

    assert sum(report.warned for report in reports) == COUNT, reports
    warned = [event.data["message_id"] for event, _ in publisher.published]
    assert sorted(warned) == sorted(a_message(n).message_id for n in range(COUNT))
    assert_bounded_and_without_bodies(reads.take().batches(messages.MESSAGES))

    later = await replica(database, publisher).run_retention_once(now + timedelta(days=1))
    assert later == RetentionReport()
    assert len(reads.take().documents(messages.MESSAGES)) == 0, "warned messages were read again"
    assert len(publisher.published) == COUNT


async def test_a_message_stored_inside_its_warning_window_is_still_warned(
    store: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, _ = store
    publisher = RecordingPublisher()
    early = EXPIRES - WARN - timedelta(days=1)
    await replica(database, publisher).run_retention_once(early)  # the scans go on meanwhile
    delivered = EXPIRES - timedelta(days=3)  # inside the window already (a short retention)
    late = a_message(1, delivered_at=delivered, sent_at=delivered)
    await MessageRepository(database, warn_before=WARN).add(NewMessage(late))

    await replica(database, publisher).run_retention_once(delivered + timedelta(minutes=5))

    assert [event.data["message_id"] for event, _ in publisher.published] == [late.message_id]


async def test_a_claim_holds_across_the_turn_of_a_lease_period_and_a_done_unit_stays_done(
    store: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, _ = store
    period_start = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
    clock = {"now": period_start + LEASE * 0.6}  # the second half of a period
    a, b = (TimedWork(database, "retention", clock=lambda: clock["now"]) for _ in range(2))
    unit = WorkUnit(RetentionTask.EXPIRE.value, "2031-03-01T09/03", closed=True)

    assert await a.hold(unit)
    assert not await b.hold(unit)
    clock["now"] = period_start + LEASE * 1.1  # the next period: still A's
    assert not await b.hold(unit)
    assert await a.hold(unit)

    await a.release(unit, done=True)
    assert not await b.hold(unit), "a unit done must not be taken up again"
    clock["now"] = period_start + LEASE * 5
    assert not await b.hold(unit)


async def test_a_hold_refused_half_way_gives_back_what_it_claimed(
    store: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, _ = store
    period_start = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
    clock = {"now": period_start + LEASE * 0.6}  # the second half: this period and the next
    a, b = (TimedWork(database, "retention", clock=lambda: clock["now"]) for _ in range(2))
    unit = WorkUnit(RetentionTask.EXPIRE.value, "2031-03-02T09/05", closed=True)
    claims = database["retention_claims"]
    next_period = int((period_start + LEASE).timestamp() // LEASE.total_seconds())
    # Another replica already holds the next period (it claimed late in this one).
    await claims.insert_one({"_id": f"expire:{unit.key}@{next_period}", "replica": "other"})

    assert not await a.hold(unit)
    left = [claim["_id"] async for claim in claims.find({"_id": {"$regex": unit.key}})]
    assert left == [f"expire:{unit.key}@{next_period}"], "the current period given back"
    assert await b.hold(unit) is False
    await claims.delete_many({})
    assert await a.hold(unit), "nothing of the refused hold remembered"
