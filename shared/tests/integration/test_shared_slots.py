"""Numbered slots on the real database (mijnoverheid.storage.append_once/read_slots): writers
appending at the same time each get a slot of their own, the slots fill without gaps, and a
redelivered document is not appended again."""

from __future__ import annotations

import asyncio
from functools import partial

import pytest

from mijnoverheid.storage import append_once, read_slots
from mijnoverheid_testing.observed_store import observed_database
from mijnoverheid_testing.stack import Stack

pytestmark = pytest.mark.integration


def slot_id(owner: str, slot: int) -> str:
    return f"{owner}#{slot}"


async def test_concurrent_appends_fill_the_slots_once_each_without_gaps(stack: Stack) -> None:
    async with observed_database(stack.mongodb_url, "slots") as (database, _):
        slots, owner = database["slots"], partial(slot_id, "owner")
        documents = [{"change_id": f"c-{n}"} for n in range(12)]
        # Every document twice (a redelivery racing its first delivery), all at once.
        await asyncio.gather(
            *(append_once(slots, owner, dict(d), key="change_id") for d in documents * 2)
        )
        found = await read_slots(slots, owner)
        assert [document["_id"] for document in found] == [owner(n) for n in range(12)]
        assert sorted(d["change_id"] for d in found) == sorted(d["change_id"] for d in documents)
        assert await slots.count_documents({}) == 12
        assert [d["_id"] for d in await read_slots(slots, owner, start=10)] == [
            owner(10),
            owner(11),
        ]
        assert await read_slots(slots, partial(slot_id, "nobody")) == []
