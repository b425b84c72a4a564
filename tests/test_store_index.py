"""The document store serves a lookup by `_id` from its index instead of scanning.

FerretDB v1.24.2's SQLite backend filtered `_id` with an SQL expression its unique index was
not built on, so every find, update and delete by `_id` read the whole table;
tools/ferretdb/sqlite-id-index.patch fixes it and this test holds the built binary to it.
FerretDB's `explain` returns the backend's own query plan: SQLite's `EXPLAIN QUERY PLAN`
rows ("SEARCH t USING INDEX t__id_ (<expr>=?)" against "SCAN t"), PostgreSQL's plan tree, or
MongoDB's winning plan, so one test covers every store the suite may run against.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from bson import ObjectId

from mijnoverheid.storage import connect
from mijnoverheid_testing.stack import Stack

pytestmark = pytest.mark.integration

MONGODB_INDEX_STAGES = {"IDHACK", "EXPRESS_IXSCAN", "IXSCAN", "CLUSTERED_IXSCAN"}


def _nodes(plan: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in a nested plan (PostgreSQL's `Plans`, MongoDB's `inputStage(s)`)."""
    if isinstance(plan, dict):
        yield plan
        for value in plan.values():
            yield from _nodes(value)
    elif isinstance(plan, list):
        for value in plan:
            yield from _nodes(value)


def access_paths(explain: dict[str, Any]) -> list[str]:
    """How the store reads the collection, in its own words, one entry per access."""
    planner = explain.get("queryPlanner", {})
    if "winningPlan" in planner:  # MongoDB
        return [str(node["stage"]) for node in _nodes(planner["winningPlan"]) if "stage" in node]
    plan = planner.get("Plan")
    if isinstance(plan, list):  # FerretDB on SQLite: "id=.. parent=.. notused=.. detail=..."
        return [row.split("detail=", 1)[-1] for row in plan]
    return [str(node["Node Type"]) for node in _nodes(plan) if "Node Type" in node]  # PostgreSQL


def index_served(paths: list[str]) -> bool:
    def served(path: str) -> bool:
        if path in MONGODB_INDEX_STAGES or ("Index" in path and "Scan" in path):  # MongoDB, PG
            return True
        return path.startswith("SEARCH ") and " USING " in path and "INDEX" in path  # SQLite

    def scans(path: str) -> bool:
        return path in {"COLLSCAN", "Seq Scan"} or path.startswith("SCAN ")

    return any(served(p) for p in paths) and not any(scans(p) for p in paths)


def test_the_plan_reader_tells_a_scan_from_an_index_lookup() -> None:
    sqlite_scan = {"queryPlanner": {"Plan": ["id=2 parent=0 notused=0 detail=SCAN t_1"]}}
    sqlite_search = {
        "queryPlanner": {
            "Plan": ["id=3 parent=0 notused=0 detail=SEARCH t_1 USING INDEX t_1__id_ (<expr>=?)"]
        }
    }
    pg_seq = {"queryPlanner": {"Plan": {"Node Type": "Seq Scan"}}}
    mongo_idhack = {"queryPlanner": {"winningPlan": {"stage": "IDHACK"}}}
    mongo_collscan = {"queryPlanner": {"winningPlan": {"stage": "COLLSCAN"}}}
    assert not index_served(access_paths(sqlite_scan))
    assert index_served(access_paths(sqlite_search))
    assert not index_served(access_paths(pg_seq))
    assert index_served(access_paths(mongo_idhack))
    assert not index_served(access_paths(mongo_collscan))


async def test_a_lookup_by_id_is_served_by_the_index(stack: Stack) -> None:
    client = connect(stack.mongodb_url, "test-store-index")
    database = client[f"store-index-{uuid.uuid4().hex[:12]}"]
    try:
        collection = database["messages"]
        object_id = ObjectId()
        await collection.insert_many(
            [{"_id": f"m-{i:04d}", "owner": f"o-{i % 7}"} for i in range(300)]
            + [{"_id": object_id, "owner": "o-0"}]
        )
        for key in ("m-0123", "no-such-id", object_id):
            find = {"find": "messages", "filter": {"_id": key}}
            explain = await database.command({"explain": find, "verbosity": "queryPlanner"})
            paths = access_paths(explain)
            assert index_served(paths), f"find by _id {key!r} is not index-served: {paths}"

        # The changed expression must still find exactly what the scan found.
        assert await collection.find_one({"_id": "m-0123"}) == {"_id": "m-0123", "owner": "o-4"}
        assert await collection.find_one({"_id": object_id}) == {"_id": object_id, "owner": "o-0"}
        assert await collection.find_one({"_id": "no-such-id"}) is None
        result = await collection.update_one({"_id": "m-0200"}, {"$set": {"read": True}})
        assert result.modified_count == 1
        assert (await collection.delete_one({"_id": "m-0201"})).deleted_count == 1
        assert await collection.count_documents({}) == 300
    finally:
        await client.drop_database(database.name)
        await client.close()
