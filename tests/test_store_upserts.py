"""Upserts by `_id` that race each other all succeed and all apply, as on MongoDB.

MongoDB retries an upsert whose insert lost a race on the unique `_id` as an update.
FerretDB v1 failed the whole update command instead, with a reply pymongo cannot read
(no `nModified`: a KeyError, not a BulkWriteError) and the updates after the failing one not
applied. tools/ferretdb/update-upsert-retry.patch retries such an upsert once as MongoDB does;
Zaken's case overview (upserted by competing writers) relies on it.
"""

from __future__ import annotations

import asyncio

import pytest
from pymongo import UpdateOne

from mijnoverheid_testing.observed_store import observed_database
from mijnoverheid_testing.stack import Stack

pytestmark = pytest.mark.integration

WRITERS, ROWS, ROUNDS = 6, 12, 5


async def test_racing_upserts_by_id_all_succeed(stack: Stack) -> None:
    async with observed_database(stack.mongodb_url, "store-upserts") as (database, _):
        rows = database["rows"]
        for round_ in range(ROUNDS):
            ids = [f"r{round_}-{n}" for n in range(ROWS)]

            async def write(writer: int, ids: list[str] = ids) -> None:
                updates = [
                    UpdateOne({"_id": i}, {"$set": {"by": writer}}, upsert=True) for i in ids
                ]
                result = await rows.bulk_write(updates, ordered=False)
                # Every row upserted or, having lost the race, matched: none dropped. (Which
                # writer's value stays is not asked: FerretDB v1 writes an update back whole,
                # so concurrent updates of one document can overwrite each other.)
                assert result.upserted_count + result.matched_count == ROWS

            outcomes = await asyncio.gather(
                *(write(w) for w in range(WRITERS)), return_exceptions=True
            )
            assert [o for o in outcomes if o is not None] == []
            assert await rows.count_documents({"_id": {"$in": ids}}) == ROWS
