"""The trail collection: one document per entry, `_id` = "<message>#<seq>".

Every read is by `_id`: FerretDB v1 (SQLite) answers only `_id` lookups from an index and
scans the collection for anything else (measured: ~1 ms against ~130 ms at 5,000 documents).
Appending is an insert into the next slots, in one write; unique keys make it safe with
competing writers: a taken slot means "retry on the new head", and the (message, cause) index
means a redelivered event cannot add its entry twice. Writes are what FerretDB serialises
(one SQLite transaction each), so entries that belong together are written together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from berichtenbox.domain.trail import TrailEntry, TrailKind, next_entry
from berichtenbox.ports import Record
from mijnoverheid.storage import Document

TRAIL = "trail"
_MAX_ATTEMPTS = 50


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    await database[TRAIL].create_index(
        [("message_id", ASCENDING), ("cause", ASCENDING)], unique=True, name="cause_once"
    )


def _entry_id(message_id: str, seq: int) -> str:
    return f"{message_id}#{seq:06d}"


class TrailRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._trail = database[TRAIL]

    async def entries(self, message_id: str) -> list[TrailEntry]:
        found: list[TrailEntry] = []
        while document := await self._trail.find_one(
            {"_id": _entry_id(message_id, len(found) + 1)}
        ):
            found.append(_to_entry(document))
        return found

    async def has(self, message_id: str, cause: str) -> bool:
        return any(entry.cause == cause for entry in await self.entries(message_id))

    async def append(
        self,
        entry_kind: TrailKind,
        message_id: str,
        cause: str,
        *,
        at: datetime,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append once per `cause`."""
        await self.append_all(message_id, [Record(entry_kind, cause, at, details)])

    async def start_many(self, trails: dict[str, list[Record]]) -> None:
        """Begin the trails of new messages in one write; a trail that turns out to exist
        already (a redelivery) is completed entry by entry instead."""
        chains: list[TrailEntry] = []
        for message_id, records in trails.items():
            head: TrailEntry | None = None
            for record in records:
                head = next_entry(
                    head, message_id, record.kind, record.at, record.cause, record.details
                )
                chains.append(head)
        if not chains:
            return
        try:
            await self._trail.insert_many([_to_document(entry) for entry in chains], ordered=False)
        except BulkWriteError as error:
            failed = {
                chains[failure["index"]].message_id for failure in error.details["writeErrors"]
            }
            for message_id in failed:
                await self.append_all(message_id, trails[message_id])

    async def append_all(self, message_id: str, records: list[Record]) -> None:
        """Append the records whose cause is not there yet, in one write."""
        for _ in range(_MAX_ATTEMPTS):
            entries = await self.entries(message_id)
            present = {entry.cause for entry in entries}
            head = entries[-1] if entries else None
            chain: list[TrailEntry] = []
            for record in records:
                if record.cause in present:
                    continue
                head = next_entry(
                    head, message_id, record.kind, record.at, record.cause, record.details
                )
                chain.append(head)
            if not chain:
                return
            try:
                await self._trail.insert_many([_to_document(entry) for entry in chain])
            except BulkWriteError:
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
