"""Messages shaped like the Berichtenbox's, for probing what a document store serves.

~10 messages per citizen (the owner is a hash of a citizen number, never a BSN), 20 sending
organisations, two years of deliveries, retention dates over the next seven years with a few
already due. `_id` is `<owner>#<newest-first key>#<n>`, so the ids of one citizen's messages
form one range that is in inbox order (the layout a store with `_id` ranges would serve).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SENDERS = [f"000000010{n:011d}" for n in range(1, 21)]
FOLDERS = ["inbox"] * 9 + ["archive"]
BODY = "Geachte heer/mevrouw, hierbij ontvangt u informatie over uw aanvraag. " * 8
BATCH = 1000
DUPLICATE_KEY = 11000
# The far end of the newest-first key: ids sort newest first within a citizen.
_KEY_END = 10**13

# FerretDB's own (b-tree) indexes, the ones a service would declare with create_index.
SECONDARY_INDEXES: list[tuple[str, list[tuple[str, int]]]] = [
    ("owner", [("owner", ASCENDING)]),
    ("owner_newest", [("owner", ASCENDING), ("delivered_at", DESCENDING)]),
    ("expires_at", [("expires_at", ASCENDING)]),
    ("expires_day", [("expires_day", ASCENDING)]),
]
# GIN indexes beside them (PostgreSQL only): what serves FerretDB's `_jsonb->'f' @> value`.
GIN_FIELDS = ["_id", "owner", "state", "expires_day", "sender", "folder", "read"]


@dataclass(frozen=True)
class Dataset:
    ids: list[str]
    owners: list[str]
    due: datetime  # a retention cut-off with some messages due
    due_day: str
    heavy: int = 0  # messages of one extra citizen with a long history (HEAVY_OWNER)


def owner_of(citizen: int) -> str:
    return hashlib.sha256(f"citizen-{citizen}".encode()).hexdigest()


def message(rng: random.Random, owner: str, n: int) -> dict[str, Any]:
    delivered = NOW - timedelta(seconds=rng.randrange(2 * 365 * 86_400))
    expires = NOW + timedelta(seconds=rng.randrange(-3 * 86_400, 7 * 365 * 86_400))
    key = _KEY_END - int(delivered.timestamp() * 1000)
    return {
        "_id": f"{owner}#{key:013d}#{n:07d}",
        "owner": owner,
        "sender": rng.choice(SENDERS),
        "state": "delivered",
        "read": rng.random() < 0.7,
        "folder": rng.choice(FOLDERS),
        "delivered_at": delivered,
        "expires_at": expires,
        "expires_day": expires.date().isoformat(),
        "subject": f"Uw aanvraag {rng.randrange(10**8):08d}",
        "body": BODY,
        "legal_effect": rng.random() < 0.2,
        "content_digest": hashlib.sha256(str(n).encode()).hexdigest(),
    }


def generate(count: int, seed: int = 13) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    citizens = max(1, count // 10)
    for n in range(count):
        yield message(rng, owner_of(rng.randrange(citizens)), n)


HEAVY_OWNER = owner_of(-1)


def heavy_messages(count: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(-1)
    for n in range(count):
        yield message(rng, HEAVY_OWNER, 10_000_000 + n)


def dataset(count: int, heavy: int = 0) -> Dataset:
    ids, owners = [], set()
    for document in generate(count):
        ids.append(document["_id"])
        owners.add(document["owner"])
    ids.extend(document["_id"] for document in heavy_messages(heavy))
    return Dataset(ids, sorted(owners), NOW, NOW.date().isoformat(), heavy)


def load(collection: Collection[dict[str, Any]], data: Dataset) -> None:
    """Fill the collection, keeping what a previous run left of this dataset."""
    base = len(data.ids) - data.heavy
    if _holds(collection, data.ids[base - 1], base):
        print(f"  reusing {base} documents", file=sys.stderr)
    else:
        collection.drop()
        _insert(collection, generate(base), base)
    if data.heavy and not _holds(collection, data.ids[-1], base + data.heavy):
        _insert(collection, heavy_messages(data.heavy), data.heavy)


def _holds(collection: Collection[dict[str, Any]], last_id: str, count: int) -> bool:
    if collection.estimated_document_count() < count:
        return False
    return collection.find_one({"_id": last_id}, {"_id": 1}) is not None


def _insert(
    collection: Collection[dict[str, Any]], documents: Iterator[dict[str, Any]], count: int
) -> None:
    batches = iter(lambda: list(itertools.islice(documents, BATCH)), [])
    for n, batch in enumerate(batches, start=1):
        try:
            collection.insert_many(batch, ordered=False)
        except BulkWriteError as error:  # what an interrupted run stored already
            if any(e.get("code") != DUPLICATE_KEY for e in error.details["writeErrors"]):
                raise
        if (n * BATCH) % 50_000 == 0 or n * BATCH >= count:
            print(f"  loaded {min(n * BATCH, count)}/{count}", file=sys.stderr)


def drop_secondary_indexes(collection: Collection[dict[str, Any]], postgres: str | None) -> None:
    collection.drop_indexes()
    if postgres:
        table = postgres_table(postgres, collection)
        for field in GIN_FIELDS:
            psql(postgres, f'DROP INDEX IF EXISTS "{table[0]}"."{gin_name(table[1], field)}"')


def create_secondary_indexes(collection: Collection[dict[str, Any]]) -> None:
    for name, keys in SECONDARY_INDEXES:
        collection.create_index(keys, name=name)


def create_gin_indexes(collection: Collection[dict[str, Any]], postgres: str) -> None:
    schema, table = postgres_table(postgres, collection)
    for field in GIN_FIELDS:
        psql(
            postgres,
            f'CREATE INDEX IF NOT EXISTS "{gin_name(table, field)}" ON "{schema}"."{table}" '
            f"USING gin ((_jsonb->'{field}') jsonb_path_ops)",
        )
    # Steady state, as autovacuum would leave it: visibility map and statistics up to date
    # (straight after the index builds, the first lookups ran 100× slower for seconds).
    psql(postgres, f'VACUUM ANALYZE "{schema}"."{table}"')


def gin_name(table: str, field: str) -> str:
    return f"{table}_gin_{field.strip('_')}"


def postgres_table(postgres: str, collection: Collection[dict[str, Any]]) -> tuple[str, str]:
    """FerretDB keeps each database in a schema of that name, and each collection's table
    name (lower-cased name + a hash) in that schema's _ferretdb_database_metadata."""
    schema = collection.database.name
    # Names the probe chose itself (database store_probe, collection messages), not input.
    table = psql(
        postgres,
        f"SELECT _jsonb->>'table' FROM \"{schema}\"._ferretdb_database_metadata "  # noqa: S608
        f"WHERE _jsonb->>'_id' = '{collection.name}'",
    )
    if not table:
        raise LookupError(f"no PostgreSQL table for {schema}.{collection.name}")
    return schema, table


def psql(url: str, sql: str) -> str:
    # Our own statements, run by the psql of the PostgreSQL package.
    command = ["psql", url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql]
    result = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return result.stdout.strip()
