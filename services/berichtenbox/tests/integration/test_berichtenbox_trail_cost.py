"""A trail append and a trail read cost the same number of store round trips whether the trail
has 3 entries or 300, also when several replicas append to one trail at the same time; the
hash chain stays whole and each cause is recorded once.

Round trips are counted with pymongo's command monitoring on the repository's own client.
Whether each of those round trips is index-served (so that its cost does not grow with the
store either) is tests/test_store_index.py's business.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.adapters import trail as trail_adapter
from berichtenbox.adapters.trail import TrailRepository
from berichtenbox.domain.trail import TrailKind, verify_chain
from berichtenbox.ports import Record
from mijnoverheid.storage import Document
from mijnoverheid_testing.observed_store import Observer, observed_database
from mijnoverheid_testing.stack import Stack

pytestmark = pytest.mark.integration

AT = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture
async def counted(stack: Stack) -> AsyncIterator[tuple[AsyncDatabase[Document], Observer]]:
    async with observed_database(stack.mongodb_url, "trail-cost") as (database, commands):
        await trail_adapter.create_indexes(database)
        yield database, commands


def record(n: int) -> Record:
    return Record(TrailKind.NOTIFICATION, f"notification:n-{n}:sent", AT + timedelta(seconds=n))


async def grow(trail: TrailRepository, message_id: str, entries: int) -> None:
    """Bring the trail to `entries` entries (after the two of `start`)."""
    await trail.start(message_id, [record(1), record(2)])
    for first in range(3, entries + 1, 50):
        await trail.append_all(
            message_id, [record(n) for n in range(first, min(first + 50, entries + 1))]
        )


async def test_append_and_read_cost_the_same_for_3_and_300_entries(
    counted: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, commands = counted
    costs = {}
    for length in (3, 300):
        # A fresh repository: nothing cached in this process (as another replica would be).
        message_id = f"m-{length}"
        await grow(TrailRepository(database), message_id, length - 1)
        commands.take()
        await TrailRepository(database).append(message_id, record(10_000))
        append = commands.take().counts()
        entries = await TrailRepository(database).entries(message_id)
        read = commands.take().counts()
        assert len(entries) == length
        assert verify_chain(entries).valid
        costs[length] = (append, read)
    assert costs[3] == costs[300], f"cost grows with the trail: {costs}"
    append, read = costs[300]
    assert sum(append.values()) <= 3, append
    assert read == {"find": 1}, read


async def test_a_redelivered_cause_costs_the_same_and_is_not_recorded_again(
    counted: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, commands = counted
    counts = []
    for length in (3, 300):
        message_id = f"r-{length}"
        await grow(TrailRepository(database), message_id, length)
        commands.take()
        await TrailRepository(database).append(message_id, record(2))  # recorded before
        counts.append(sum(commands.take().counts().values()))
        assert len(await TrailRepository(database).entries(message_id)) == length
    assert counts[0] == counts[1] <= 5, counts


async def test_replicas_appending_to_one_trail_keep_one_chain_and_each_cause_once(
    counted: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, _ = counted
    replicas = [TrailRepository(database) for _ in range(4)]
    await replicas[0].start("shared", [record(1), record(2)])
    # Every replica appends every cause: each must be recorded once, in one unbroken chain.
    await asyncio.gather(
        *(replica.append("shared", record(n)) for n in range(3, 43) for replica in replicas)
    )
    entries = await replicas[0].entries("shared")
    assert verify_chain(entries).valid
    assert sorted(entry.cause for entry in entries) == sorted(record(n).cause for n in range(1, 43))


async def test_appends_to_many_trails_that_arrive_together_share_their_writes(
    counted: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, commands = counted
    trail = TrailRepository(database)
    messages = [f"many-{n}" for n in range(40)]
    await asyncio.gather(*(trail.start(m, [record(1), record(2)]) for m in messages))
    commands.take()
    # Three statuses per message, as a consumer with a prefetch gets them: all at once.
    await asyncio.gather(*(trail.append(m, record(n)) for n in (3, 4, 5) for m in messages))
    writes = commands.take().counts()
    assert writes.get("insert", 0) + writes.get("update", 0) <= 10, writes
    for message_id in messages:
        entries = await trail.entries(message_id)
        assert verify_chain(entries).valid
        assert [entry.cause for entry in entries] == [record(n).cause for n in range(1, 6)]
