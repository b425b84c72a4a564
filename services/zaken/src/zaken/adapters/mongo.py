"""Lopende Zaken's own collections: append-only, every write an insert on a unique `_id`.

FerretDB v1 (SQLite) enforces unique keys on insert but applies no conditional update_one
atomically. So the hot path is inserts and `_id` lookups, which behave the same on MongoDB. A
case's reports sit in numbered slots (`<case_id>#<n>`): recording one reads the slots in order
(finding it if its event came before) and inserts into the first free slot; losing that race
means reading the slot and moving on. Slots fill without gaps, one per event, in the order of
recording. See docs/zaken.md § 8.

What that costs on FerretDB v1.24 (SQLite), measured: every write is a transaction of its own
(~130-700 single inserts/s, ~11,000 documents/s in one insert_many), and even an `_id` lookup
scans the table (its SQL does not use the `_id` index): ~2 µs per stored document for a slot
that is free, up to that for one that is taken. So a batch of deliveries is recorded with few
writes and few lookups (`record_many`):

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
  BATCH_ATTEMPTS it is recorded one report at a time with `record`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, fields
from datetime import date
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from mijnoverheid.contracts.envelope import derived_event_id
from mijnoverheid.storage import Document
from zaken.adapters.slots import record_in_order
from zaken.domain.case import Case, CaseName, cases_of
from zaken.domain.model import StatusReport, Withdrawal, report_id_for
from zaken.ports import Recorded

STATUSES = "case_statuses"
WITHDRAWALS = "case_withdrawals"
TRIGGER_CLAIMS = "status_trigger_claims"
DUPLICATE_KEY = 11000
KNOWN_CASES = 4096  # cases whose slots a process keeps (most recently used)
BATCH_ATTEMPTS = 3  # planned writes of a case before it is recorded one report at a time

_REPORT_FIELDS = tuple(field.name for field in fields(StatusReport))


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    statuses = database[STATUSES]
    await statuses.create_index([("bsn", ASCENDING)], name="overview")
    await statuses.create_index(
        [("organisation_oin", ASCENDING), ("identificatie", ASCENDING)], name="by_organisation"
    )


class CaseRepository:
    def __init__(
        self, database: AsyncDatabase[Document], *, known_cases: int = KNOWN_CASES
    ) -> None:
        self._statuses = database[STATUSES]
        self._withdrawals = database[WITHDRAWALS]
        self._claims = database[TRIGGER_CLAIMS]
        # case id → its slots 0..n-1 as this process has seen them. Slots never change, so
        # this is always true, though possibly not all there is.
        self._known: OrderedDict[str, tuple[StatusReport, ...]] = OrderedDict()
        self._known_cases = known_cases

    async def record(self, report: StatusReport) -> Recorded:
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
            known.append(_to_report(document))
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
                results[index] = await self.record(reports[index])

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
            taken = await _insert_new(self._statuses, documents)
            for index, (case_id, slot, report) in enumerate(writes):
                if index in taken:
                    raced.add(case_id)
                elif len(known := self._slots_known(case_id)) == slot:
                    self._remember(case_id, (*known, report))
        raise AssertionError("unreachable")

    async def reports(self, case_id: str) -> list[StatusReport]:
        found = list(self._slots_known(case_id))
        while document := await self._statuses.find_one({"_id": f"{case_id}#{len(found)}"}):
            found.append(_to_report(document))
        self._remember(case_id, found)
        return found

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

    async def is_withdrawn(self, organisation_oin: str, identificatie: str) -> bool:
        found = await self._withdrawals.find_one(
            {"_id": _withdrawal_id(organisation_oin, identificatie)}
        )
        return found is not None

    async def withdrawn_among(self, names: Collection[CaseName]) -> set[CaseName]:
        # One query for them all: on MongoDB from the `_id` index; on FerretDB v1, where even
        # an `_id` lookup scans, one scan of the (few) withdrawals instead of one per case.
        return await self._withdrawn(names)

    async def add_withdrawal(self, withdrawal: Withdrawal) -> None:
        document: dict[str, Any] = asdict(withdrawal)
        document["_id"] = _withdrawal_id(withdrawal.organisation_oin, withdrawal.identificatie)
        try:
            await self._withdrawals.insert_one(document)
        except DuplicateKeyError:
            return  # withdrawn before: a redelivery, or the same case withdrawn twice

    async def claim_trigger(self, claim_id: str, trigger_event_id: str) -> str:
        try:
            await self._claims.insert_one({"_id": claim_id, "trigger_event_id": trigger_event_id})
        except DuplicateKeyError:
            claim = await self._claims.find_one({"_id": claim_id})
            assert claim is not None
            return str(claim["trigger_event_id"])
        return trigger_event_id

    async def claim_triggers(self, claims: Mapping[str, str]) -> dict[str, str]:
        ids = list(claims)
        documents = [{"_id": claim_id, "trigger_event_id": claims[claim_id]} for claim_id in ids]
        taken = sorted(await _insert_new(self._claims, documents))
        found = await asyncio.gather(*(self._claims.find_one({"_id": ids[i]}) for i in taken))
        holders = dict(claims)
        for index, claim in zip(taken, found, strict=True):
            assert claim is not None
            holders[ids[index]] = str(claim["trigger_event_id"])
        return holders

    async def cases_of_organisation(
        self, organisation_oin: str, identificaties: Collection[str]
    ) -> tuple[list[Case], set[CaseName]]:
        wanted = sorted(set(identificaties))
        query = {"organisation_oin": organisation_oin, "identificatie": {"$in": wanted}}
        reports = [_to_report(document) async for document in self._statuses.find(query)]
        withdrawn = await self._withdrawn({(organisation_oin, name) for name in wanted})
        return cases_of(reports, withdrawn), withdrawn

    async def cases_of_citizen(self, bsn: str) -> list[Case]:
        reports = [_to_report(document) async for document in self._statuses.find({"bsn": bsn})]
        names = {(report.organisation_oin, report.identificatie) for report in reports}
        return cases_of(reports, await self._withdrawn(names))

    async def case(self, case_id: str) -> Case | None:
        reports = await self.reports(case_id)
        if not reports:
            return None
        names = {(reports[0].organisation_oin, reports[0].identificatie)}
        return cases_of(reports, await self._withdrawn(names))[0]

    async def _withdrawn(self, names: Collection[CaseName]) -> set[CaseName]:
        ids = {_withdrawal_id(*name): name for name in names}
        if not ids:
            return set()
        found = self._withdrawals.find({"_id": {"$in": sorted(ids)}}, {"_id": 1})
        return {ids[document["_id"]] async for document in found}


async def _insert_new(
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
        failures = error.details.get("writeErrors", [])
        if (
            not failures
            or error.details.get("writeConcernErrors")
            or any(failure.get("code") != DUPLICATE_KEY for failure in failures)
        ):
            raise
        return {int(failure["index"]) for failure in failures}
    return set()


def _withdrawal_id(organisation_oin: str, identificatie: str) -> str:
    return derived_event_id(organisation_oin, identificatie, "withdrawn")


def _report_document(report: StatusReport, report_id: str, slot_id: str) -> Document:
    # The fields as they are (all immutable values): no deep copy as `asdict` makes.
    document: dict[str, Any] = {name: getattr(report, name) for name in _REPORT_FIELDS}
    document.update(_id=slot_id, report_id=report_id)
    # BSON has no date type; keep the calendar date as ISO text.
    planned = report.einddatum_gepland
    document["einddatum_gepland"] = planned.isoformat() if planned else None
    return document


def _to_report(document: Document) -> StatusReport:
    values = {name: document[name] for name in _REPORT_FIELDS}
    planned = values["einddatum_gepland"]
    values["einddatum_gepland"] = date.fromisoformat(planned) if planned else None
    return StatusReport(**values)
