"""The citizen's copy of the processing log on the real database (FerretDB or MongoDB): every
record stored once in its slot, whoever writes at the same time, listed newest first, per
citizen and party group, and dropped by whole months after the retention period."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.processing_log.activities import MESSAGE_READ
from mijnoverheid.processing_log.model import Party, PartyGroup, ProcessingRecord, RecordStatus
from mijnoverheid.processing_log.store import COLLECTION, ProcessingLogStore
from mijnoverheid.storage import Document
from mijnoverheid_testing.stack import Stack

pytestmark = pytest.mark.integration

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[AsyncDatabase[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(stack.mongodb_url, tz_aware=True)
    name = f"plog_{uuid.uuid4().hex[:10]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


def record(subject: str, at: datetime, n: int, party: Party | None = None) -> ProcessingRecord:
    return ProcessingRecord(
        subject=subject,
        action=MESSAGE_READ.code,
        activity=MESSAGE_READ.activity.code,
        party=party or Party.citizen(),
        started_at=at,
        ended_at=at,
        trace_id=f"{n:032x}",
        span_id=f"{n:016x}",
        parent_span_id=None,
        status=RecordStatus.UNSET,
    )


async def test_concurrent_writers_fill_one_sequence_without_gaps_or_losses(
    database: AsyncDatabase[Document],
) -> None:
    """Two processes (two stores, each with its own memory) and many reads at once."""
    one, two = ProcessingLogStore(database, 24), ProcessingLogStore(database, 24)
    subject = uuid.uuid4().hex
    writes = [
        (one if n % 2 else two).append(record(subject, NOW + timedelta(milliseconds=n), n))
        for n in range(60)
    ]
    await asyncio.gather(*writes)
    ids = {d["_id"] async for d in database[COLLECTION].find({"month": "2026-05"}, {"_id": 1})}
    assert ids == {f"{subject}:self:2026-05:{slot}" for slot in range(60)}
    fresh = ProcessingLogStore(database, 24)  # a third process that has seen nothing
    found, total = await fresh.page(subject, PartyGroup.SELF, NOW, 0, 100)
    assert total == 60
    assert sorted(r.span_id for r in found) == sorted(f"{n:016x}" for n in range(60))


async def test_a_page_is_newest_first_across_months_and_only_the_citizens_own(
    database: AsyncDatabase[Document],
) -> None:
    store = ProcessingLogStore(database, 24)
    mine, theirs = uuid.uuid4().hex, uuid.uuid4().hex
    organisation = Party.organisation("00000001003214345000")
    moments = [NOW - timedelta(days=40), NOW - timedelta(days=35), NOW - timedelta(days=1), NOW]
    for n, at in enumerate(moments):
        await store.append(record(mine, at, n, organisation))
    await store.append(record(mine, NOW, 90))  # the citizen's own read: the other group
    await store.append(record(theirs, NOW, 91, organisation))
    first, total = await store.page(mine, PartyGroup.OTHERS, NOW, 0, 3)
    second, _ = await store.page(mine, PartyGroup.OTHERS, NOW, 3, 3)
    assert total == 4
    assert [r.span_id for r in first + second] == [f"{n:016x}" for n in (3, 2, 1, 0)]
    assert all(r.party == organisation and r.subject == mine for r in first + second)
    own, own_total = await store.page(mine, PartyGroup.SELF, NOW, 0, 10)
    assert (own_total, [r.span_id for r in own]) == (1, [f"{90:016x}"])
    nothing, none = await store.page(uuid.uuid4().hex, PartyGroup.OTHERS, NOW, 0, 10)
    assert (nothing, none) == ([], 0)


async def test_whole_months_past_the_retention_period_are_dropped_and_not_listed(
    database: AsyncDatabase[Document],
) -> None:
    store = ProcessingLogStore(database, 2)  # this month and the two before it
    subject = uuid.uuid4().hex
    for n, days in enumerate((0, 40, 70, 100)):  # May, April, March, February
        await store.append(record(subject, NOW - timedelta(days=days), n))
    listed, total = await store.page(subject, PartyGroup.SELF, NOW, 0, 10)
    assert total == 3
    assert [r.span_id[-1] for r in listed] == ["0", "1", "2"]
    assert await store.delete_expired(NOW) == 1
    assert await database[COLLECTION].count_documents({}) == 3
