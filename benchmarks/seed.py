"""Fill a store the way production data looks: `python -m benchmarks.seed --n 1000000 --url ...`.

N messages for ~N/10 citizens from 20 organisations (benchmarks/seeding/population.py), with
their trails, notifications and their statuses, contact details, accounts and consent, cases
with their status histories and the overview rows, and registrations with their versions:
~12 documents per message, written through the services' own document mappings, with the
services' own indexes. Resumable and cumulative: a store seeded to 100,000 is topped up to
1,000,000 by running again with the larger N (progress in the `bench_seed` database).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import BulkWriteError

from benchmarks.seeding.berichtenbox_docs import SCANS_START, Write, berichtenbox_writes
from benchmarks.seeding.case_docs import case_writes
from benchmarks.seeding.population import NOW, citizen
from benchmarks.store_data import psql
from mijnoverheid.storage import Document

BATCH = 1000
WRITERS = 3  # insert_many calls in flight: FerretDB uses the second core meanwhile
CHECKPOINT = 500  # citizens between progress records
PRESENCE = {"retention_hours", "overdue_hours"}  # written once per key, not per message
DUPLICATE_KEY = 11000


async def create_indexes(client: AsyncMongoClient[Document], suffix: str) -> None:
    from berichtenbox.app import create_indexes as berichtenbox_indexes
    from gegevens.adapters.mongo import create_indexes as gegevens_indexes
    from notifier.app import create_indexes as notifier_indexes
    from zaken.adapters.mongo import create_indexes as zaken_indexes

    steps: list[tuple[str, Callable[[Any], Awaitable[None]]]] = [
        ("berichtenbox", berichtenbox_indexes),
        ("zaken", zaken_indexes),
        ("gegevens", gegevens_indexes),
        ("notifier", notifier_indexes),
    ]
    for name, create in steps:
        await create(client[name + suffix])


class Writer:
    """Buffers documents per collection; full batches go out WRITERS at a time."""

    def __init__(self, client: AsyncMongoClient[Document], suffix: str) -> None:
        self._client = client
        self._suffix = suffix
        self._buffers: dict[tuple[str, str], list[Document]] = defaultdict(list)
        self._seen: set[tuple[str, str, Any]] = set()
        self._slots = asyncio.Semaphore(WRITERS)
        self._pending: set[asyncio.Task[None]] = set()
        self.written = 0

    async def add(self, write: Write) -> None:
        database, collection, document = write
        if collection in PRESENCE:
            key = (database, collection, document["_id"])
            if key in self._seen:
                return
            self._seen.add(key)
        buffer = self._buffers[(database, collection)]
        buffer.append(document)
        if len(buffer) >= BATCH:
            await self._send(database, collection)

    async def flush(self) -> None:
        for database, collection in list(self._buffers):
            await self._send(database, collection)
        await asyncio.gather(*self._pending)

    async def _send(self, database: str, collection: str) -> None:
        batch = self._buffers.pop((database, collection), [])
        if not batch:
            return
        await self._slots.acquire()
        task = asyncio.create_task(self._insert(database, collection, batch))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _insert(self, database: str, collection: str, batch: list[Document]) -> None:
        try:
            target = self._client[database + self._suffix][collection]
            await target.insert_many(batch, ordered=False)
        except BulkWriteError as error:  # what an interrupted run wrote already
            if any(e.get("code") != DUPLICATE_KEY for e in error.details["writeErrors"]):
                raise
        finally:
            self._slots.release()
        self.written += len(batch)


def progress_bar(done: int, total: int, started: float, documents: int) -> None:
    elapsed = time.monotonic() - started
    share = min(1.0, done / total) if total else 1.0
    rate = done / elapsed if elapsed else 0.0
    eta = (total - done) / rate if rate else 0.0
    bar = "#" * int(share * 30)
    sys.stderr.write(
        f"\r  [{bar:<30}] {done:>9,}/{total:,} messages  {documents:>11,} documents  "
        f"{rate:6,.0f} msg/s  ETA {eta / 60:5.1f} min "
    )
    sys.stderr.flush()


async def seed(url: str, count: int, suffix: str = "") -> tuple[int, int]:
    """Seed up to `count` messages into the databases `<service><suffix>`; (citizens,
    messages) in the store afterwards."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(url, tz_aware=True)
    try:
        state = client[f"bench_seed{suffix}"]["progress"]
        found = await state.find_one({"_id": "progress"}) or {"citizens": 0, "messages": 0}
        citizens, messages = found["citizens"], found["messages"]
        if messages >= count:
            return citizens, messages
        await create_indexes(client, suffix)
        for task, database in (
            ("expire", "berichtenbox"),
            ("warn", "berichtenbox"),
            ("overdue", "notifier"),
        ):
            progress = client[database + suffix][
                f"{'retention' if database == 'berichtenbox' else 'overdue'}_progress"
            ]
            await progress.update_one({"_id": task}, {"$set": {"hour": SCANS_START}}, upsert=True)
        writer, started, first = Writer(client, suffix), time.monotonic(), messages
        while messages < count:
            who = citizen(citizens)
            for write in (*berichtenbox_writes(who), *case_writes(who)):
                await writer.add(write)
            citizens, messages = citizens + 1, messages + len(who.messages)
            if citizens % CHECKPOINT == 0 or messages >= count:
                await writer.flush()
                await state.update_one(
                    {"_id": "progress"},
                    {"$set": {"citizens": citizens, "messages": messages, "now": NOW}},
                    upsert=True,
                )
                progress_bar(messages - first, count - first, started, writer.written)
        sys.stderr.write("\n")
        return citizens, messages
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000, help="messages in the store")
    parser.add_argument("--url", required=True, help="the store (never the shared one)")
    parser.add_argument(
        "--postgres", help="its PostgreSQL URL: VACUUM ANALYZE afterwards, as autovacuum would"
    )
    parser.add_argument("--suffix", default="", help="databases are <service><suffix>")
    arguments = parser.parse_args()
    print(f"seeding {arguments.url} to {arguments.n:,} messages", file=sys.stderr)
    citizens, messages = asyncio.run(seed(arguments.url, arguments.n, arguments.suffix))
    if arguments.postgres:
        print("  VACUUM ANALYZE", file=sys.stderr)
        psql(arguments.postgres, "VACUUM ANALYZE")
    print(f"seeded: {messages:,} messages for {citizens:,} citizens", file=sys.stderr)


if __name__ == "__main__":
    main()
