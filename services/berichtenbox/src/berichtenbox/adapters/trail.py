"""The trail collection: one document per entry, keyed (message, seq) and (message, cause).

Appending is an insert; the unique keys make it safe with competing writers on MongoDB and
FerretDB alike: a lost race on `seq` is retried on the new head, a repeated `cause` (a
redelivered event) means the entry is already there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from berichtenbox.domain.trail import TrailEntry, TrailKind, next_entry
from mijnoverheid.storage import Document

TRAIL = "trail"
_MAX_ATTEMPTS = 50


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    await database[TRAIL].create_index(
        [("message_id", ASCENDING), ("cause", ASCENDING)], unique=True, name="cause_once"
    )
    await database[TRAIL].create_index(
        [("message_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="chain"
    )


class TrailRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._trail = database[TRAIL]

    async def entries(self, message_id: str) -> list[TrailEntry]:
        cursor = self._trail.find({"message_id": message_id}).sort("seq", ASCENDING)
        return [_to_entry(document) async for document in cursor]

    async def has(self, message_id: str, cause: str) -> bool:
        return await self._trail.find_one({"message_id": message_id, "cause": cause}) is not None

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
        for _ in range(_MAX_ATTEMPTS):
            if await self.has(message_id, cause):
                return
            head = await self._trail.find_one({"message_id": message_id}, sort=[("seq", -1)])
            previous = _to_entry(head) if head else None
            entry = next_entry(previous, message_id, entry_kind, at, cause, details)
            try:
                await self._trail.insert_one(_to_document(entry))
            except DuplicateKeyError:
                continue
            return
        raise RuntimeError("trail append kept losing the race; will be retried")


def _to_document(entry: TrailEntry) -> Document:
    return {
        "_id": f"{entry.message_id}#{entry.seq}",
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
