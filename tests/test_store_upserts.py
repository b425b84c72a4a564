"""Upserts by `_id` that race each other all succeed and all apply, as on MongoDB.

MongoDB retries an upsert whose insert lost a race on the unique `_id` as an update.
FerretDB v1 failed the whole update command instead, with a reply pymongo cannot read
(no `nModified`: a KeyError, not a BulkWriteError) and the updates after the failing one not
applied. tools/ferretdb/update-upsert-retry.patch retries such an upsert once as MongoDB does;
Zaken's case overview (upserted by competing writers) relies on it.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from pymongo import UpdateOne

from mijnoverheid.storage import connect
from mijnoverheid_testing.stack import Stack

pytestmark = pytest.mark.integration

WRITERS, ROWS, ROUNDS = 6, 12, 5


async def test_racing_upserts_by_id_all_succeed(stack: Stack) -> None:
    client = connect(stack.mongodb_url, "test-store-upserts")
    database = client[f"store-upserts-{uuid.uuid4().hex[:12]}"]
    try:
        rows = database["rows"]
        for round_ in range(ROUNDS):
            ids = [f"r{round_}-{n}" for n in range(ROWS)]

            async def write(writer: int, ids: list[str] = ids) -> None:
                # Each writer its own field: a losing upsert dropped instead of retried shows.
                updates = [
                    UpdateOne({"_id": i}, {"$set": {f"w{writer}": True}}, upsert=True) for i in ids
                ]
                result = await rows.bulk_write(updates, ordered=False)
                assert result.upserted_count + result.matched_count == ROWS

            outcomes = await asyncio.gather(
                *(write(w) for w in range(WRITERS)), return_exceptions=True
            )
            assert [o for o in outcomes if o is not None] == []
            assert await rows.count_documents({"_id": {"$in": ids}}) == ROWS
    finally:
        await client.drop_database(database.name)
        await client.close()
