"""The query shapes the store probe measures: what the services' reads and writes need."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

from pymongo import DESCENDING
from pymongo.collection import Collection

from benchmarks import store_data
from benchmarks.store_data import Dataset

Shape = Callable[[Collection[dict[str, Any]], Dataset, random.Random, int], object]
_fresh = itertools.count()


def _inserts(rng: random.Random) -> list[dict[str, Any]]:
    return [store_data.message(rng, f"probe-{next(_fresh):09d}", n) for n in range(64)]


# name -> (what it stands for, the call); cap is the maxTimeMS of every read.
SHAPES: dict[str, tuple[str, Shape]] = {
    "a_hit": (
        "find_one {_id} (hit)",
        lambda c, d, r, cap: c.find_one({"_id": r.choice(d.ids)}, max_time_ms=cap),
    ),
    "a_miss": (
        "find_one {_id} (miss)",
        lambda c, d, r, cap: c.find_one({"_id": f"missing#{r.random()}"}, max_time_ms=cap),
    ),
    "a_update": (
        "update_one {_id} $set",
        lambda c, d, r, cap: c.update_one({"_id": r.choice(d.ids)}, {"$set": {"read": True}}),
    ),
    "b_in20": (
        "find {_id: {$in: 20 ids}}",
        lambda c, d, r, cap: list(c.find({"_id": {"$in": r.sample(d.ids, 20)}}, max_time_ms=cap)),
    ),
    "b_20x": (
        "20 × find_one {_id}",
        lambda c, d, r, cap: [c.find_one({"_id": i}, max_time_ms=cap) for i in r.sample(d.ids, 20)],
    ),
    "c_id_state": (
        "find {_id, state}",
        lambda c, d, r, cap: list(
            c.find({"_id": r.choice(d.ids), "state": "delivered"}, max_time_ms=cap)
        ),
    ),
    "d_owner": (
        "find {owner}",
        lambda c, d, r, cap: list(c.find({"owner": r.choice(d.owners)}, max_time_ms=cap)),
    ),
    "e_owner_page": (
        "find {owner} sort delivered_at desc limit 20",
        lambda c, d, r, cap: list(
            c.find({"owner": r.choice(d.owners)}, max_time_ms=cap)
            .sort("delivered_at", DESCENDING)
            .limit(20)
        ),
    ),
    "e_inbox_page": (
        "find {owner, folder} sort read, delivered_at limit 20",
        lambda c, d, r, cap: list(
            c.find({"owner": r.choice(d.owners), "folder": "inbox"}, max_time_ms=cap)
            .sort([("read", 1), ("delivered_at", -1)])
            .limit(20)
        ),
    ),
    "e_heavy_page": (
        "e_inbox_page for the citizen of --heavy",
        lambda c, d, r, cap: list(
            c.find({"owner": store_data.HEAVY_OWNER, "folder": "inbox"}, max_time_ms=cap)
            .sort([("read", 1), ("delivered_at", -1)])
            .limit(20)
        ),
    ),
    "f_count": (
        "count_documents {owner}",
        lambda c, d, r, cap: c.count_documents({"owner": r.choice(d.owners)}, maxTimeMS=cap),
    ),
    "g_id_range": (
        "find {_id: owner# range} sort _id limit 20",
        lambda c, d, r, cap: list(
            c.find(
                {"_id": {"$gte": (o := r.choice(d.owners)) + "#", "$lt": o + "#~"}}, max_time_ms=cap
            )
            .sort("_id", 1)
            .limit(20)
        ),
    ),
    "h_insert1": (
        "insert_one 1 doc",
        lambda c, d, r, cap: c.insert_one(store_data.message(r, f"probe-{next(_fresh):09d}", 0)),
    ),
    "h_insert64": ("insert_many 64 docs", lambda c, d, r, cap: c.insert_many(_inserts(r))),
    "i_expiry": (
        "find {expires_at $lte t} limit 200",
        lambda c, d, r, cap: list(
            c.find({"expires_at": {"$lte": d.due}}, max_time_ms=cap).limit(200)
        ),
    ),
    "j_expiry_day": (
        "find {expires_day: day} limit 200",
        lambda c, d, r, cap: list(c.find({"expires_day": d.due_day}, max_time_ms=cap).limit(200)),
    ),
}
# When other phases follow, `bare` measures only these (the rest read the same way).
BARE = ["d_owner", "h_insert64"]
