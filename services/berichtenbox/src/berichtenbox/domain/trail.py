"""The message trail: append-only, each entry holding the hash of the one before. Pure.

Changing, removing or reordering a stored entry breaks the chain at that entry, which
`verify_chain` reports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from berichtenbox.domain.canonical import canonical_json, rfc3339, to_millis

GENESIS = "0" * 64


class TrailKind(StrEnum):
    SUBMITTED = "submitted"
    STORED = "stored"
    NOTIFICATION = "notification"
    READ = "read"
    MOVED = "moved"
    EXPIRY_WARNED = "expiry-warned"
    # Still unread some days after delivery: the one reminder went to the Notifier.
    UNREAD_REMINDED = "unread-reminded"
    EXPIRED = "expired"
    DELETED = "deleted"
    # A helper read it through a grant (machtigen): details name the grant, never the helper.
    VIEWED_BY_HELPER = "viewed-by-helper"


@dataclass(frozen=True)
class TrailEntry:
    message_id: str
    seq: int
    kind: TrailKind
    at: datetime
    cause: str
    details: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""


def entry_hash(entry: TrailEntry) -> str:
    fields = {
        "at": rfc3339(entry.at),
        "cause": entry.cause,
        "details": entry.details,
        "kind": entry.kind.value,
        "message_id": entry.message_id,
        "prev_hash": entry.prev_hash,
        "seq": entry.seq,
    }
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def next_entry(
    previous: TrailEntry | None,
    message_id: str,
    kind: TrailKind,
    at: datetime,
    cause: str,
    details: dict[str, Any] | None = None,
) -> TrailEntry:
    entry = TrailEntry(
        message_id=message_id,
        seq=previous.seq + 1 if previous else 1,
        kind=kind,
        at=to_millis(at),
        cause=cause,
        details=details or {},
        prev_hash=previous.hash if previous else GENESIS,
    )
    return TrailEntry(**{**entry.__dict__, "hash": entry_hash(entry)})


@dataclass(frozen=True)
class ChainVerification:
    valid: bool
    entries: int
    first_invalid_seq: int | None = None


def verify_chain(entries: list[TrailEntry]) -> ChainVerification:
    previous_hash = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if (
            entry.seq != expected_seq
            or entry.prev_hash != previous_hash
            or entry.hash != entry_hash(entry)
        ):
            return ChainVerification(False, len(entries), entry.seq)
        previous_hash = entry.hash
    return ChainVerification(True, len(entries))
