"""The trail collection: one document per entry, `_id` = "<message>#<seq>".

Every read is by `_id`: FerretDB v1 (SQLite) answers only `_id` lookups from an index and
scans the collection for anything else. Appending is an insert into the next slots, in one
write; unique keys make it safe with competing writers: a taken slot means "retry on the new
head", and the (message, cause) index means a redelivered event cannot add its entry twice.
The first entries of messages stored together are written together (a Coalescer): FerretDB
commits every write on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from berichtenbox.domain.trail import TrailEntry, TrailKind, next_entry
from berichtenbox.ports import Record
from mijnoverheid.coalescing import Coalescer
from mijnoverheid.storage import Document, insert_each, only_duplicates

TRAIL = "trail"
_MAX_ATTEMPTS = 50

NewTrail = tuple[str, list[Record]]


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    await database[TRAIL].create_index(
        [("message_id", ASCENDING), ("cause", ASCENDING)], unique=True, name="cause_once"
    )


def _entry_id(message_id: str, seq: int) -> str:
    return f"{message_id}#{seq:06d}"


def _chain(head: TrailEntry | None, message_id: str, records: list[Record]) -> list[TrailEntry]:
    chain: list[TrailEntry] = []
    for record in records:
        head = next_entry(head, message_id, record.kind, record.at, record.cause, record.details)
        chain.append(head)
    return chain


class TrailRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._trail = database[TRAIL]
        self._start = Coalescer(self._start_many)

    async def entries(self, message_id: str) -> list[TrailEntry]:
        found: list[TrailEntry] = []
        while document := await self._trail.find_one(
            {"_id": _entry_id(message_id, len(found) + 1)}
        ):
            found.append(_to_entry(document))
        return found

    async def has(self, message_id: str, cause: str) -> bool:
        return any(entry.cause == cause for entry in await self.entries(message_id))

    async def append(self, message_id: str, record: Record) -> None:
        """Append once per cause."""
        await self.append_all(message_id, [record])

    async def start(self, message_id: str, records: list[Record]) -> None:
        await self._start((message_id, records))

    async def _start_many(self, trails: Sequence[NewTrail]) -> list[BaseException | None]:
        """Begin the trails of new messages in one write; a trail that turns out to exist
        already (a redelivery) is completed entry by entry instead."""
        chains = [_chain(None, message_id, records) for message_id, records in trails]
        outcomes = iter(
            await insert_each(self._trail, [_to_document(e) for chain in chains for e in chain])
        )
        results: list[BaseException | None] = []
        for (message_id, records), chain in zip(trails, chains, strict=True):
            failures = [error for _ in chain if (error := next(outcomes)) is not None]
            try:
                if any(not isinstance(error, DuplicateKeyError) for error in failures):
                    raise failures[0]
                if failures:
                    await self.append_all(message_id, records)
            except Exception as error:
                results.append(error)
            else:
                results.append(None)
        return results

    async def append_all(self, message_id: str, records: list[Record]) -> None:
        """Append the records whose cause is not there yet, in one write."""
        for _ in range(_MAX_ATTEMPTS):
            entries = await self.entries(message_id)
            present = {entry.cause for entry in entries}
            missing = [record for record in records if record.cause not in present]
            if not missing:
                return
            chain = _chain(entries[-1] if entries else None, message_id, missing)
            try:
                await self._trail.insert_many([_to_document(entry) for entry in chain])
            except BulkWriteError as error:
                if not only_duplicates(error):
                    raise
                continue  # a competing writer took a slot or recorded a cause: look again
            return
        raise RuntimeError("trail append kept losing the race; will be retried")


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
