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
companion on FerretDB with PostgreSQL). The first entries of messages stored together are
written together (a Coalescer): the store commits every write on its own.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from berichtenbox.domain.trail import GENESIS, TrailEntry, TrailKind, next_entry
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


def _entry_id(message_id: str, seq: int) -> str:
    return f"{message_id}#{seq:06d}"


@dataclass(frozen=True)
class Head:
    """The last entry of a trail as far as known: every entry up to `seq` exists."""

    seq: int
    hash: str

    def to_entry(self, message_id: str) -> TrailEntry | None:
        """Enough of the entry for `next_entry` to chain on (its seq and hash)."""
        if self.seq == 0:
            return None
        return TrailEntry(message_id, self.seq, TrailKind.STORED, _EPOCH, "", hash=self.hash)


_START = Head(0, GENESIS)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # unused by next_entry, which reads seq and hash


def _chain(head: Head, message_id: str, records: Sequence[Record]) -> list[TrailEntry]:
    chain: list[TrailEntry] = []
    previous = head.to_entry(message_id)
    for record in records:
        previous = next_entry(
            previous, message_id, record.kind, record.at, record.cause, record.details
        )
        chain.append(previous)
    return chain


class TrailRepository:
    def __init__(
        self, database: AsyncDatabase[Document], *, known_heads: int = KNOWN_HEADS
    ) -> None:
        self._trail = database[TRAIL]
        self._heads = database[HEADS]
        self._start = Coalescer(self._start_many)
        self._known: OrderedDict[str, Head] = OrderedDict()
        self._known_heads = known_heads

    async def entries(self, message_id: str) -> list[TrailEntry]:
        cursor = self._trail.find({"message_id": message_id}, batch_size=_READ_BATCH)
        found = [_to_entry(document) async for document in cursor]
        return sorted(found, key=lambda entry: entry.seq)

    async def has(self, message_id: str, cause: str) -> bool:
        query = {"message_id": message_id, "cause": cause}
        return await self._trail.find_one(query, {"_id": 1}) is not None

    async def append(self, message_id: str, record: Record) -> None:
        """Append once per cause."""
        await self.append_all(message_id, [record])

    async def start(self, message_id: str, records: list[Record]) -> None:
        await self._start((message_id, records))

    async def _start_many(self, trails: Sequence[NewTrail]) -> list[BaseException | None]:
        """Begin the trails of new messages in one write, and their hints in a second; a trail
        that turns out to exist already (a redelivery) is completed entry by entry instead."""
        chains = [_chain(_START, message_id, records) for message_id, records in trails]
        outcomes = iter(
            await insert_each(self._trail, [_to_document(e) for chain in chains for e in chain])
        )
        results: list[BaseException | None] = []
        begun: list[TrailEntry] = []
        for (message_id, records), chain in zip(trails, chains, strict=True):
            failures = [error for _ in chain if (error := next(outcomes)) is not None]
            try:
                if any(not isinstance(error, DuplicateKeyError) for error in failures):
                    raise failures[0]
                if failures:
                    await self.append_all(message_id, records)
                elif chain:
                    begun.append(chain[-1])
            except Exception as error:
                results.append(error)
            else:
                results.append(None)
        hints = [_head_document(e.message_id, Head(e.seq, e.hash)) for e in begun]
        for entry, outcome in zip(begun, await insert_each(self._heads, hints), strict=True):
            if outcome is not None and not isinstance(outcome, DuplicateKeyError):
                raise outcome
            self._remember(entry.message_id, Head(entry.seq, entry.hash))
        return results

    async def append_all(self, message_id: str, records: list[Record]) -> None:
        """Append the records whose cause is not there yet, in one write (two or three round
        trips however long the trail is; more only when another writer appends meanwhile)."""
        head = await self._head(message_id)
        pending = list(records)
        appended = False
        for _ in range(_MAX_ATTEMPTS):
            if not pending:
                break
            chain = _chain(head, message_id, pending)
            try:
                await self._trail.insert_many([_to_document(entry) for entry in chain])
            except BulkWriteError as error:
                if not only_duplicates(error):
                    raise
                # Ordered: those before the first failure are in, the rest were not tried.
                failed = min(int(each["index"]) for each in error.details["writeErrors"])
                if failed:
                    head, appended = Head(chain[failed - 1].seq, chain[failed - 1].hash), True
                del pending[:failed]
                taken = await self._trail.find_one({"_id": _entry_id(message_id, head.seq + 1)})
                if taken is None:  # the slot is free, so the cause was refused: recorded before
                    del pending[0]
                else:  # another writer appended first: move to the end of what it wrote
                    head = await self._walk(message_id, _to_entry(taken))
            else:
                head, appended = Head(chain[-1].seq, chain[-1].hash), True
                pending.clear()
        if pending:
            raise RuntimeError("trail append kept losing the race; will be retried")
        await self._advance(message_id, head, write_hint=appended)

    async def _head(self, message_id: str) -> Head:
        known = self._known.get(message_id)
        if known is not None:
            self._known.move_to_end(message_id)
            return known
        hint = await self._heads.find_one({"_id": message_id})
        return Head(hint["seq"], hint["hash"]) if hint else _START

    async def _walk(self, message_id: str, entry: TrailEntry) -> Head:
        """From an entry that exists, by `_id`, to the last one."""
        while following := await self._trail.find_one(
            {"_id": _entry_id(message_id, entry.seq + 1)}
        ):
            entry = _to_entry(following)
        return Head(entry.seq, entry.hash)

    async def _advance(self, message_id: str, head: Head, *, write_hint: bool) -> None:
        self._remember(message_id, head)
        if not write_hint:
            return
        # A plain set: a late writer may set an older head, which costs a later append a read.
        # Two first hints may race (a duplicate key): either is true.
        with contextlib.suppress(DuplicateKeyError):
            await self._heads.update_one(
                {"_id": message_id}, {"$set": {"seq": head.seq, "hash": head.hash}}, upsert=True
            )

    def _remember(self, message_id: str, head: Head) -> None:
        known = self._known.get(message_id)
        if known is not None and known.seq > head.seq:
            return
        self._known[message_id] = head
        self._known.move_to_end(message_id)
        while len(self._known) > self._known_heads:
            self._known.popitem(last=False)


def _head_document(message_id: str, head: Head) -> Document:
    return {"_id": message_id, "seq": head.seq, "hash": head.hash}


def _to_document(entry: TrailEntry) -> Document:
    return {
        "_id": _entry_id(entry.message_id, entry.seq),
        "message_id": entry.message_id,
        "seq": entry.seq,
        "kind": entry.kind.value,
        "at": entry.at,
        "cause": entry.cause,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _to_entry(document: Document) -> TrailEntry:
    return TrailEntry(
        message_id=document["message_id"],
        seq=document["seq"],
        kind=TrailKind(document["kind"]),
        at=document["at"],
        cause=document["cause"],
        details=document["details"],
        prev_hash=document["prev_hash"],
        hash=document["hash"],
    )
