"""What the document store is given, it gives back: every BSON type the project stores, at
its edges, read back unchanged (as BSON: types and the order of fields) by `_id`, by a filter
the store matches itself and in a count.

FerretDB v1 keeps each document as JSON with a schema ("sjson") and decodes it on every read;
tools/ferretdb/sjson-goccy-json.patch swaps that decoder for a faster one, and this test holds
the built binary to decoding exactly what was stored. It runs against whatever store the suite
uses (FerretDB on PostgreSQL or SQLite, or MongoDB).
"""

from __future__ import annotations

from datetime import UTC, datetime

import bson
import pytest
from bson import Binary, Int64, ObjectId, Regex, Timestamp

from mijnoverheid_testing.observed_store import observed_database
from mijnoverheid_testing.stack import Stack

pytestmark = pytest.mark.integration

TEXTS = [
    "",
    "plain",
    'quotes " and \\ backslashes / slashes',
    "controls \n\r\t\b\f\x01\x1f",
    "accents é ü ñ, ij, € and 😀 (outside the BMP)",
    "\u2028\u2029 line separators",
    "<script>&amp;</script>",
    "x" * 20_000,
    # Escapes and multi-byte characters across the decoder's buffer refills.
    'é😀"\\\n\u0001€' * 3_000,
]


def every_kind() -> dict[str, object]:
    return {
        "texts": TEXTS,
        "int32": [0, -1, 2**31 - 1, -(2**31)],
        "int64": [Int64(2**31), Int64(2**63 - 1), Int64(-(2**63))],
        # Not -0.0: PostgreSQL's jsonb keeps no sign of zero (FerretDB gives back 0.0).
        "doubles": [0.0, 1.5, -2.25e-308, 5e-324, 1.7976931348623157e308, 0.1 + 0.2],
        "booleans": [True, False],
        "nothing": None,
        "when": datetime(2026, 12, 1, 5, 30, 12, 345000, tzinfo=UTC),
        "early": datetime(1970, 1, 1, tzinfo=UTC),
        "object_id": ObjectId("65f0c0ffee00000000000001"),
        "bytes": bytes(range(256)),  # subtype 0, which pymongo gives back as bytes
        "empty_bytes": b"",
        "binary": Binary(b"\x00\xffdigest", 5),
        "pattern": Regex("^a.*b$", "i"),
        "timestamp": Timestamp(2**32 - 1, 7),
        "nested": {"deeper": {"list": [1, "two", {"three": 3.0}], "empty": {}}, "n": []},
        # FerretDB v1 refuses arrays directly in arrays.
        "mixed": [None, True, 1, Int64(2), 3.5, "four", {"six": [6]}],
    }


async def test_every_type_comes_back_as_it_was_stored(stack: Stack) -> None:
    async with observed_database(stack.mongodb_url, "round-trip") as (database, _):
        collection = database["documents"]  # its client gives dates back in UTC
        stored = [{"_id": f"d-{i}", "owner": f"o-{i % 2}", **every_kind()} for i in range(6)]
        stored.append({"_id": ObjectId(), "owner": "o-0", "only": "the id differs"})
        await collection.insert_many(stored)

        for document in stored:
            # As BSON, so that a type (int32, int64, double) or the order of fields counts.
            found = await collection.find_one({"_id": document["_id"]})
            assert found is not None
            assert bson.encode(found) == bson.encode(document)
        # Filtered and counted by the store itself (decoding every document it matches).
        owned = [d async for d in collection.find({"owner": "o-0"}).sort("_id", 1)]
        assert sorted(map(str, (d["_id"] for d in owned))) == sorted(
            str(d["_id"]) for d in stored if d["owner"] == "o-0"
        )
        by_id = {str(d["_id"]): bson.encode(d) for d in stored}
        assert all(bson.encode(d) == by_id[str(d["_id"])] for d in owned)
        assert await collection.count_documents({"owner": "o-1"}) == 3
        assert await collection.count_documents({"texts": TEXTS[3]}) == 6
