"""The status slots of every case: append-only, every write an insert on a unique `_id`.

A case's reports sit in numbered slots (`<case_id>#<n>`): recording one reads the slots in
order (finding it if its event came before) and inserts into the first free slot; losing that
race means reading the slot and moving on. Slots fill without gaps, one per event, in the order
of recording. See docs/zaken.md § 8.

FerretDB v1 (SQLite) commits every write on its own (~130-700 single inserts/s, ~11,000
documents/s in one insert_many), so reports that arrive together are recorded together
(`record` goes through a Coalescer to `record_many`):

- A slot, once written, never changes (nothing is updated or deleted), so each process keeps
  the slots it has written or read of its most recently used cases, and plans on those
  without looking again (a case it has not seen: on none). Planning on too few slots is safe:
  slots fill without gaps, so the planned slot is free only if no later one exists, and if it
  is taken, the insert fails on its unique `_id`.
- Each case's reports are decided in order, as one at a time would (`record_in_order`), and the
  new slots written with one insert_many per "wave" (the first new slot of every case, then the
  second, ...): a slot is only ever written once the one before it is filled, whatever a write
  that fails halfway has done, so no gap can open.
- A case whose planned slot was taken (a competing consumer, or slots this process did not
  know of) is read (by `_id`, from the first slot it does not know) and planned again; after
  BATCH_ATTEMPTS it is recorded one report at a time.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from mijnoverheid.coalescing import Coalescer
from mijnoverheid.storage import Document, only_duplicates, read_slots
from zaken.adapters.slots import record_in_order
from zaken.domain.model import StatusReport, report_id_for
from zaken.ports import Recorded

KNOWN_CASES = 4096  # cases whose slots a process keeps (most recently used)
BATCH_ATTEMPTS = 3  # planned writes of a case before it is recorded one report at a time

_REPORT_FIELDS = tuple(field.name for field in fields(StatusReport))


class StatusSlots:
    def __init__(
        self, statuses: AsyncCollection[Document], *, known_cases: int = KNOWN_CASES
    ) -> None:
        self._statuses = statuses
        # case id → its slots 0..n-1 as this process has seen them. Slots never change, so
        # this is always true, though possibly not all there is.
        self._known: OrderedDict[str, tuple[StatusReport, ...]] = OrderedDict()
        self._known_cases = known_cases
        self.record = Coalescer(self.record_many)

    async def record_one(self, report: StatusReport) -> Recorded:
        report_id = report_id_for(report.event_source, report.event_id)
        known = list(self._slots_known(report.case_id))
        for position, each in enumerate(known):
            if (each.event_source, each.event_id) == (report.event_source, report.event_id):
                return Recorded(each, tuple(known[: position + 1]))  # a redelivery
        for slot in itertools.count(len(known)):
            slot_id = f"{report.case_id}#{slot}"
            document = await self._statuses.find_one({"_id": slot_id})
            if document is None:
                try:
                    await self._statuses.insert_one(_report_document(report, report_id, slot_id))
                    known.append(report)
                    self._remember(report.case_id, known)
                    return Recorded(report, tuple(known))
                except DuplicateKeyError:
                    document = await self._statuses.find_one({"_id": slot_id})
                    assert document is not None
            known.append(to_report(document))
            self._remember(report.case_id, known)
            if document["report_id"] == report_id:
                return Recorded(known[-1], tuple(known))  # recorded before: a redelivery
        raise AssertionError("unreachable")

    async def record_many(self, reports: Sequence[StatusReport]) -> list[Recorded]:
        by_case: dict[str, list[int]] = {}
        for index, report in enumerate(reports):
            by_case.setdefault(report.case_id, []).append(index)
        results: dict[int, Recorded] = {}
        read: dict[str, Sequence[StatusReport]] = {}
        for attempt in range(BATCH_ATTEMPTS):
            if attempt:  # the cases that lost a slot: read what they hold now
                found = await asyncio.gather(*(self.reports(case_id) for case_id in by_case))
                read = dict(zip(by_case, found, strict=True))
            new_slots: dict[str, list[tuple[int, StatusReport]]] = {}
            for case_id, indices in by_case.items():
                known = read[case_id] if case_id in read else self._slots_known(case_id)
                recorded, new = record_in_order(known, [reports[index] for index in indices])
                results.update(zip(indices, recorded, strict=True))
                new_slots[case_id] = list(enumerate(new, start=len(known)))
            raced = await self._insert_slots(new_slots)
            by_case = {case_id: by_case[case_id] for case_id in sorted(raced)}
            if not by_case:
                return [results[index] for index in range(len(reports))]

        async def one_by_one(case_id: str) -> None:
            for index in by_case[case_id]:
                results[index] = await self.record_one(reports[index])

        await asyncio.gather(*(one_by_one(case_id) for case_id in by_case))
        return [results[index] for index in range(len(reports))]

    async def _insert_slots(
        self, new_slots: Mapping[str, Sequence[tuple[int, StatusReport]]]
    ) -> set[str]:
        """Write each case's new slots in order, one per case per write; the cases that lost
        a slot (to a competing writer, or one this process did not know of): their later
        slots are not written."""
        raced: set[str] = set()
        for wave in itertools.count():
            writes = [
                (case_id, *slots[wave])
                for case_id, slots in new_slots.items()
                if wave < len(slots) and case_id not in raced
            ]
            if not writes:
                return raced
            documents = [
                _report_document(
                    report, report_id_for(report.event_source, report.event_id), f"{case_id}#{slot}"
                )
                for case_id, slot, report in writes
            ]
            taken = await insert_new(self._statuses, documents)
            for index, (case_id, slot, report) in enumerate(writes):
                if index in taken:
                    raced.add(case_id)
                elif len(known := self._slots_known(case_id)) == slot:
                    self._remember(case_id, (*known, report))
        raise AssertionError("unreachable")

    async def reports(self, case_id: str) -> list[StatusReport]:
        found = list(self._slots_known(case_id))
        found += await self.after(case_id, len(found))
        self._remember(case_id, found)
        return found

    async def after(self, case_id: str, count: int) -> list[StatusReport]:
        """The case's slots from `count` on (by `_id`, until the first free one)."""
        slots = await read_slots(self._statuses, lambda slot: f"{case_id}#{slot}", start=count)
        return [to_report(document) for document in slots]

    def _slots_known(self, case_id: str) -> tuple[StatusReport, ...]:
        known = self._known.get(case_id, ())
        if known:
            self._known.move_to_end(case_id)
        return known

    def _remember(self, case_id: str, slots: Sequence[StatusReport]) -> None:
        """`slots` are the case's slots 0..n-1: keep them if they are more than known."""
        if not slots or len(slots) <= len(self._known.get(case_id, ())):
            return
        self._known[case_id] = tuple(slots)
        self._known.move_to_end(case_id)
        while len(self._known) > self._known_cases:
            self._known.popitem(last=False)


async def insert_new(
    collection: AsyncCollection[Document], documents: Sequence[Document]
) -> set[int]:
    """Insert the documents in one write; the indexes of those whose `_id` was taken.

    Any other failure raises: the deliveries are retried, and find what was written.
    """
    if not documents:
        return set()
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        if not only_duplicates(error):
            raise
        return {int(failure["index"]) for failure in error.details["writeErrors"]}
    return set()


def _report_document(report: StatusReport, report_id: str, slot_id: str) -> Document:
    return {**report_document(report), "_id": slot_id, "report_id": report_id}


def report_document(report: StatusReport) -> Document:
    # The fields as they are (all immutable values): no deep copy as `asdict` makes.
    document: dict[str, Any] = {name: getattr(report, name) for name in _REPORT_FIELDS}
    # BSON has no date type; keep the calendar date as ISO text.
    planned = report.einddatum_gepland
    document["einddatum_gepland"] = planned.isoformat() if planned else None
    return document


def to_report(document: Document) -> StatusReport:
    # Reports stored before a field existed take its default (informeren: true).
    values = {name: document[name] for name in _REPORT_FIELDS if name in document}
    planned = values["einddatum_gepland"]
    values["einddatum_gepland"] = date.fromisoformat(planned) if planned else None
    return StatusReport(**values)
