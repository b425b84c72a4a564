"""The trail collection: one document per entry, `_id` = "<message>#<seq>".

Appending costs the same however long the trail is: a head hint per message (`trail_heads`,
by `_id`: the seq and hash of an entry that exists) says where the trail ended, and the next
entry is inserted into the slot after it. Unique keys make that safe with competing writers:
a taken slot means another writer appended first (read forward from there, by `_id`, and try
the next slot), and the (message, cause) index means a cause is recorded once. A hint is only
ever behind the trail, never ahead of it (it is written after the entries it names), so a
lost or late hint costs a read, never a wrong chain. Each process also keeps the heads it
wrote or read last, so a trail it just wrote to needs no hint read.

Reading a trail is one query on `message_id` (the (message, cause) index on MongoDB, its GIN
companion on FerretDB with PostgreSQL). Entries that arrive together are written together
(Coalescers): the first entries of messages stored together in one write and their hints in
a second; appends to several trails in one ordered write and their hints in one bulk write.
The store commits every write on its own.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from berichtenbox.adapters.trail_documents import (
    START,
    Head,
    chain,
    entry_id,
    head_document,
    to_document,
    to_entry,
)
from berichtenbox.domain.trail import TrailEntry
from berichtenbox.ports import Record
from mijnoverheid.coalescing import Coalescer
from mijnoverheid.storage import Document, insert_each, only_duplicates

TRAIL = "trail"
HEADS = "trail_heads"
_MAX_ATTEMPTS = 50
_READ_BATCH = 1000  # entries per round trip when reading a trail (the server's default: 101)
KNOWN_HEADS = 8192  # trails whose head a process remembers (most recently used)

NewTrail = tuple[str, list[Record]]


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    await database[TRAIL].create_index(
        [("message_id", ASCENDING), ("cause", ASCENDING)], unique=True, name="cause_once"
    )


class TrailRepository:
    def __init__(
        self, database: AsyncDatabase[Document], *, known_heads: int = KNOWN_HEADS
    ) -> None:
        self._trail = database[TRAIL]
        self._heads = database[HEADS]
        self._start = Coalescer(self._start_many)
        self._append = Coalescer(self._append_many)
        self._known: OrderedDict[str, Head] = OrderedDict()
        self._known_heads = known_heads

    async def entries(self, message_id: str) -> list[TrailEntry]:
        cursor = self._trail.find({"message_id": message_id}, batch_size=_READ_BATCH)
        found = [to_entry(document) async for document in cursor]
        return sorted(found, key=lambda entry: entry.seq)

    async def has(self, message_id: str, cause: str) -> bool:
        query = {"message_id": message_id, "cause": cause}
        return await self._trail.find_one(query, {"_id": 1}) is not None

    async def begun(self, message_id: str) -> bool:
        """Whether the message's trail has begun (so the message is stored): from what this
        process knows, else by `_id`."""
        if message_id in self._known:
            return True
        if await self._heads.find_one({"_id": message_id}, {"_id": 1}) is not None:
            return True
        return await self._trail.find_one({"_id": entry_id(message_id, 1)}, {"_id": 1}) is not None

    async def append(self, message_id: str, record: Record) -> None:
        """Append once per cause."""
        await self._append((message_id, [record]))

    async def append_all(self, message_id: str, records: list[Record]) -> None:
        """Append, in order, the records whose cause is not there yet."""
        await self._append((message_id, list(records)))

    async def start(self, message_id: str, records: list[Record]) -> None:
        await self._start((message_id, records))

    async def _start_many(self, trails: Sequence[NewTrail]) -> list[BaseException | None]:
        """Begin the trails of new messages in one write, and their hints in a second; a trail
        that turns out to exist already (a redelivery) is completed the long way instead."""
        chains = [chain(START, message_id, records) for message_id, records in trails]
        outcomes = iter(
            await insert_each(self._trail, [to_document(e) for entries in chains for e in entries])
        )
        results: list[BaseException | None] = []
        begun: list[TrailEntry] = []
        for (message_id, records), entries in zip(trails, chains, strict=True):
            failures = [error for _ in entries if (error := next(outcomes)) is not None]
            try:
                if any(not isinstance(error, DuplicateKeyError) for error in failures):
                    raise failures[0]
                if failures:
                    await self._write_chains({message_id: records})
                elif entries:
                    begun.append(entries[-1])
            except Exception as error:
                results.append(error)
            else:
                results.append(None)
        hints = [head_document(e.message_id, Head.of(e)) for e in begun]
        for entry, outcome in zip(begun, await insert_each(self._heads, hints), strict=True):
            if outcome is not None and not isinstance(outcome, DuplicateKeyError):
                raise outcome
            self._remember(entry.message_id, Head.of(entry))
        return results

    async def _append_many(self, items: Sequence[NewTrail]) -> list[BaseException | None]:
        pending: dict[str, list[Record]] = {}
        for message_id, records in items:
            pending.setdefault(message_id, []).extend(records)
        try:
            await self._write_chains(pending)
        except Exception as error:  # each caller retries; what was appended stays, once
            return [error] * len(items)
        return [None] * len(items)

    async def _write_chains(self, pending: Mapping[str, Sequence[Record]]) -> None:
        """Append each trail's records whose cause is not there yet: the new entries of all
        trails in one ordered write (those up to a taken slot or a recorded cause are in; the
        rest go again on the head found), then the hints in one bulk write."""
        found = await asyncio.gather(*(self._head(message_id) for message_id in pending))
        heads = dict(zip(pending, found, strict=True))
        remaining = {message_id: list(records) for message_id, records in pending.items()}
        advanced: set[str] = set()
        for _ in range(_MAX_ATTEMPTS):
            remaining = {
                message_id: records for message_id, records in remaining.items() if records
            }
            if not remaining:
                break
            flat = [
                entry
                for message_id, records in remaining.items()
                for entry in chain(heads[message_id], message_id, records)
            ]
            failed = len(flat)
            try:
                await self._trail.insert_many([to_document(entry) for entry in flat])
            except BulkWriteError as error:
                if not only_duplicates(error):
                    raise
                failed = min(int(each["index"]) for each in error.details["writeErrors"])
            for entry in flat[:failed]:
                heads[entry.message_id] = Head.of(entry)
                advanced.add(entry.message_id)
                del remaining[entry.message_id][0]
            if failed < len(flat):
                await self._resolve(flat[failed].message_id, heads, remaining)
        if any(remaining.values()):
            raise RuntimeError("trail append kept losing the race; will be retried")
        for message_id, head in heads.items():
            self._remember(message_id, head)
        await self._write_hints({message_id: heads[message_id] for message_id in advanced})

    async def _resolve(
        self, message_id: str, heads: dict[str, Head], remaining: dict[str, list[Record]]
    ) -> None:
        """The insert into the slot after the head failed on a unique key: either another
        writer took the slot (move to the end of its entries) or the cause is recorded."""
        taken = await self._trail.find_one({"_id": entry_id(message_id, heads[message_id].seq + 1)})
        if taken is None:  # the slot is free, so the cause was refused: recorded before
            del remaining[message_id][0]
        else:
            heads[message_id] = await self._walk(message_id, to_entry(taken))

    async def _head(self, message_id: str) -> Head:
        known = self._known.get(message_id)
        if known is not None:
            self._known.move_to_end(message_id)
            return known
        hint = await self._heads.find_one({"_id": message_id})
        return Head(hint["seq"], hint["hash"]) if hint else START

    async def _walk(self, message_id: str, entry: TrailEntry) -> Head:
        """From an entry that exists, by `_id`, to the last one."""
        while following := await self._trail.find_one({"_id": entry_id(message_id, entry.seq + 1)}):
            entry = to_entry(following)
        return Head.of(entry)

    async def _write_hints(self, heads: Mapping[str, Head]) -> None:
        """Plain sets: a late writer may set an older head, which costs a later append a
        read. Two first hints of one trail may race (a duplicate key): either is true."""
        if not heads:
            return
        writes = [
            UpdateOne(
                {"_id": message_id}, {"$set": {"seq": head.seq, "hash": head.hash}}, upsert=True
            )
            for message_id, head in heads.items()
        ]
        try:
            await self._heads.bulk_write(writes, ordered=False)
        except BulkWriteError as error:
            if not only_duplicates(error):
                raise

    def _remember(self, message_id: str, head: Head) -> None:
        known = self._known.get(message_id)
        if known is not None and known.seq > head.seq:
            return
        self._known[message_id] = head
        self._known.move_to_end(message_id)
        while len(self._known) > self._known_heads:
            self._known.popitem(last=False)
