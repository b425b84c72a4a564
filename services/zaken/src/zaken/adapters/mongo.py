"""Lopende Zaken's own collections: append-only, every write an insert on a unique `_id`.

FerretDB v1 (SQLite) enforces unique keys on insert but applies no conditional update_one
atomically, and answers only `{"_id": value}` from an index. So the hot path is inserts and
`_id` lookups, which behave the same on MongoDB. A case's reports sit in numbered slots
(`<case_id>#<n>`): recording one reads the slots in order (finding it if its event came before)
and inserts into the first free slot; losing that race means reading the slot and moving on.
Slots fill without gaps, one per event, in the order of recording. See docs/zaken.md § 8.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import asdict, fields
from datetime import date
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.contracts.envelope import derived_event_id
from mijnoverheid.storage import Document
from zaken.domain.case import Case, CaseName, cases_of
from zaken.domain.model import StatusReport, Withdrawal, report_id_for
from zaken.ports import Recorded

STATUSES = "case_statuses"
WITHDRAWALS = "case_withdrawals"
TRIGGER_CLAIMS = "status_trigger_claims"

_REPORT_FIELDS = tuple(field.name for field in fields(StatusReport))


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    statuses = database[STATUSES]
    await statuses.create_index([("bsn", ASCENDING)], name="overview")
    await statuses.create_index(
        [("organisation_oin", ASCENDING), ("identificatie", ASCENDING)], name="by_organisation"
    )


class CaseRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._statuses = database[STATUSES]
        self._withdrawals = database[WITHDRAWALS]
        self._claims = database[TRIGGER_CLAIMS]

    async def record(self, report: StatusReport) -> Recorded:
        report_id = report_id_for(report.event_source, report.event_id)
        known: list[StatusReport] = []
        for slot in itertools.count():
            slot_id = f"{report.case_id}#{slot}"
            document = await self._statuses.find_one({"_id": slot_id})
            if document is None:
                try:
                    await self._statuses.insert_one(_report_document(report, report_id, slot_id))
                    return Recorded(report, (*known, report))
                except DuplicateKeyError:
                    document = await self._statuses.find_one({"_id": slot_id})
                    assert document is not None
            known.append(_to_report(document))
            if document["report_id"] == report_id:
                return Recorded(known[-1], tuple(known))  # recorded before: a redelivery
        raise AssertionError("unreachable")

    async def reports(self, case_id: str) -> list[StatusReport]:
        found: list[StatusReport] = []
        while document := await self._statuses.find_one({"_id": f"{case_id}#{len(found)}"}):
            found.append(_to_report(document))
        return found

    async def is_withdrawn(self, organisation_oin: str, identificatie: str) -> bool:
        found = await self._withdrawals.find_one(
            {"_id": _withdrawal_id(organisation_oin, identificatie)}
        )
        return found is not None

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


def _withdrawal_id(organisation_oin: str, identificatie: str) -> str:
    return derived_event_id(organisation_oin, identificatie, "withdrawn")


def _report_document(report: StatusReport, report_id: str, slot_id: str) -> Document:
    document: dict[str, Any] = asdict(report)
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
