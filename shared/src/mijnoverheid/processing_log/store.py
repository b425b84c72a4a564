"""The citizen's copy of the processing log, in the service's own database.

FerretDB v1 serves only an exact `{_id: value}` filter from an index (docs/architecture.md):
so a citizen's records sit in numbered slots, `<pseudonym>:<group>:<YYYY-MM>:<n>`, one
sequence per citizen, party group (their own reads, everyone else's) and calendar month.
Every write is an insert on a unique `_id`; every read a lookup by `_id`:

- A slot is written only once the one before it is filled (an insert into a taken slot fails
  on its `_id`, and the writer moves on), so each sequence is filled without gaps, and how many
  slots it has is found by probing (doubling, then halving: ~2·log2(n) lookups).
- Each process remembers how far each sequence it has seen is filled; a month that ended more
  than an hour ago never grows, so its count is final and never probed again.
- Records that arrive together are written together (one insert_many through a Coalescer),
  one slot of a sequence per write.
- Retention drops whole months (`month` is indexed for MongoDB; FerretDB scans, once an hour).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.coalescing import Coalescer
from mijnoverheid.processing_log.activities import PartyKind
from mijnoverheid.processing_log.model import (
    Party,
    PartyGroup,
    ProcessingRecord,
    RecordStatus,
    month_of,
    months_back,
)
from mijnoverheid.storage import Document, insert_each

COLLECTION = "processing_log"
KNOWN_SEQUENCES = 8192  # sequences whose fill a process remembers (most recently used)
SLOT_ATTEMPTS = 16  # taken slots one record may meet before its write fails
FINAL_AFTER = timedelta(hours=1)  # a month this long over gets no more records


class NoFreeSlotError(RuntimeError):
    """Other writers kept taking the slot this record was to fill."""


async def filled_slots(exists: Callable[[int], Awaitable[bool]], at_least: int) -> int:
    """How many slots are filled, given that slots fill without gaps and `at_least` are."""
    if not await exists(at_least):
        return at_least
    low, step = at_least, 1  # `low` is filled
    while await exists(low + step):
        low, step = low + step, step * 2
    high = low + step  # not filled
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if await exists(middle) else (low, middle)
    return high


def sequence_of(subject: str, group: PartyGroup, month: str) -> str:
    return f"{subject}:{group.value}:{month}"


class ProcessingLogStore:
    def __init__(self, database: AsyncDatabase[Document], retention_months: int) -> None:
        self._records = database[COLLECTION]
        self._retention_months = retention_months
        # sequence → (slots known to be filled, whether this process's own write or count was
        # the last word on it, whether that is all there will ever be)
        self._filled: OrderedDict[str, tuple[int, bool, bool]] = OrderedDict()
        self.append = Coalescer(self._append_batch)

    async def create_indexes(self) -> None:
        await self._records.create_index([("month", ASCENDING)], name="retention")

    async def page(
        self, subject: str, group: PartyGroup, now: datetime, skip: int, limit: int
    ) -> tuple[list[ProcessingRecord], int]:
        """Newest first, within the retention period, and how many there are in all."""
        months = months_back(now, self._retention_months)
        sequences = [sequence_of(subject, group, month) for month in months]
        counted = zip(sequences, months, strict=True)
        counts = await asyncio.gather(*(self._count(seq, month, now) for seq, month in counted))
        wanted: list[str] = []
        position = 0
        for sequence, count in zip(sequences, counts, strict=True):
            first, last = max(skip - position, 0), min(skip + limit - position, count)
            # Newest first: slot count-1 is at `position`, slot 0 at `position + count - 1`.
            wanted += [f"{sequence}:{count - 1 - index}" for index in range(first, last)]
            position += count
        found = await asyncio.gather(*(self._records.find_one({"_id": id_}) for id_ in wanted))
        return [_record(document) for document in found if document is not None], sum(counts)

    async def delete_expired(self, now: datetime) -> int:
        oldest_kept = months_back(now, self._retention_months)[-1]
        result = await self._records.delete_many({"month": {"$lt": oldest_kept}})
        return result.deleted_count

    async def _append_batch(
        self, records: Sequence[ProcessingRecord]
    ) -> list[BaseException | None]:
        outcomes: list[BaseException | None] = [None] * len(records)
        attempts = [0] * len(records)
        pending = list(range(len(records)))
        while pending:
            # One slot of a sequence per write: a slot is written only after the one before it.
            wave: dict[str, int] = {}
            for index in pending:
                wave.setdefault(_sequence(records[index]), index)
            writing = list(wave.items())
            slots = await asyncio.gather(*(self._next_slot(sequence) for sequence, _ in writing))
            documents = [
                _document(records[index], sequence, slot)
                for (sequence, index), slot in zip(writing, slots, strict=True)
            ]
            results = await insert_each(self._records, documents)
            done = set()
            for (sequence, index), slot, result in zip(writing, slots, results, strict=True):
                if isinstance(result, DuplicateKeyError):
                    self._remember(sequence, slot + 1, trusted=False)
                    attempts[index] += 1
                    if attempts[index] < SLOT_ATTEMPTS:
                        continue
                    result = NoFreeSlotError("no free slot for a processing-log record")
                elif result is None:
                    self._remember(sequence, slot + 1, trusted=True)
                outcomes[index] = result
                done.add(index)
            pending = [index for index in pending if index not in done]
        return outcomes

    async def _next_slot(self, sequence: str) -> int:
        filled, trusted, _ = self._filled.get(sequence, (0, False, False))
        if trusted:  # this process wrote or counted it last: try there, a taken slot says so
            return filled
        filled = await filled_slots(self._exists(sequence), filled)
        self._remember(sequence, filled, trusted=True)
        return filled

    async def _count(self, sequence: str, month: str, now: datetime) -> int:
        filled, _, final = self._filled.get(sequence, (0, False, False))
        if final:
            return filled
        filled = await filled_slots(self._exists(sequence), filled)
        self._remember(sequence, filled, trusted=True, final=_is_over(month, now))
        return filled

    def _exists(self, sequence: str) -> Callable[[int], Awaitable[bool]]:
        async def exists(slot: int) -> bool:
            found = await self._records.find_one({"_id": f"{sequence}:{slot}"}, {"_id": 1})
            return found is not None

        return exists

    def _remember(self, sequence: str, filled: int, *, trusted: bool, final: bool = False) -> None:
        """Slots only fill: keep the most ever seen filled."""
        known, _, was_final = self._filled.get(sequence, (0, False, False))
        self._filled[sequence] = (max(known, filled), trusted, final or was_final)
        self._filled.move_to_end(sequence)
        while len(self._filled) > KNOWN_SEQUENCES:
            self._filled.popitem(last=False)


def _is_over(month: str, now: datetime) -> bool:
    year, number = (int(part) for part in month.split("-"))
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return now - end > FINAL_AFTER


def _sequence(record: ProcessingRecord) -> str:
    return sequence_of(record.subject, record.party.group, month_of(record.ended_at))


def _document(record: ProcessingRecord, sequence: str, slot: int) -> Document:
    return {
        "_id": f"{sequence}:{slot}",
        "month": month_of(record.ended_at),
        "action": record.action,
        "activity": record.activity,
        "party": {
            "kind": record.party.kind.value,
            "oin": record.party.oin,
            "authorisation_id": record.party.authorisation_id,
        },
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "trace_id": record.trace_id,
        "span_id": record.span_id,
        "parent_span_id": record.parent_span_id,
        "status": record.status.value,
    }


def _record(document: Document) -> ProcessingRecord:
    party: dict[str, Any] = document["party"]
    return ProcessingRecord(
        subject=str(document["_id"]).split(":", 1)[0],
        action=document["action"],
        activity=document["activity"],
        party=Party(PartyKind(party["kind"]), party.get("oin"), party.get("authorisation_id")),
        started_at=document["started_at"],
        ended_at=document["ended_at"],
        trace_id=document["trace_id"],
        span_id=document["span_id"],
        parent_span_id=document.get("parent_span_id"),
        status=RecordStatus(document["status"]),
    )
