"""Trail entries and trail heads as documents, and the chain of new entries on a head."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from berichtenbox.domain.trail import GENESIS, TrailEntry, TrailKind, next_entry
from berichtenbox.ports import Record
from mijnoverheid.storage import Document

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # unused by next_entry, which reads seq and hash


def entry_id(message_id: str, seq: int) -> str:
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

    @classmethod
    def of(cls, entry: TrailEntry) -> Head:
        return cls(entry.seq, entry.hash)


START = Head(0, GENESIS)


def chain(head: Head, message_id: str, records: Sequence[Record]) -> list[TrailEntry]:
    entries: list[TrailEntry] = []
    previous = head.to_entry(message_id)
    for record in records:
        previous = next_entry(
            previous, message_id, record.kind, record.at, record.cause, record.details
        )
        entries.append(previous)
    return entries


def head_document(message_id: str, head: Head) -> Document:
    return {"_id": message_id, "seq": head.seq, "hash": head.hash}


def to_document(entry: TrailEntry) -> Document:
    return {
        "_id": entry_id(entry.message_id, entry.seq),
        "message_id": entry.message_id,
        "seq": entry.seq,
        "kind": entry.kind.value,
        "at": entry.at,
        "cause": entry.cause,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def to_entry(document: Document) -> TrailEntry:
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
