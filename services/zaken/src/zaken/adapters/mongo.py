"""Lopende Zaken's own collections: append-only, every write an insert on a unique `_id`.

FerretDB v1 (SQLite) enforces unique keys on insert but applies no conditional update_one
atomically. So the hot path is inserts and `_id` lookups, which behave the same on MongoDB:
status reports in numbered slots (status_slots.py), withdrawals and trigger claims keyed by
what they decide. Lookups and claims that arrive together share one round trip (Coalescers).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.coalescing import Coalescer
from mijnoverheid.kernel import derived_event_id
from mijnoverheid.storage import Document
from zaken.adapters.status_slots import KNOWN_CASES, StatusSlots, insert_new, to_report
from zaken.domain.case import Case, CaseName, cases_of
from zaken.domain.model import StatusReport, Withdrawal
from zaken.ports import Recorded

STATUSES = "case_statuses"
WITHDRAWALS = "case_withdrawals"
TRIGGER_CLAIMS = "status_trigger_claims"


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
        self.slots = StatusSlots(self._statuses, known_cases=known_cases)
        self._withdrawn_lookup = Coalescer(self._withdrawn_each)
        self._claim = Coalescer(self._claim_each)

    async def record(self, report: StatusReport) -> Recorded:
        return await self.slots.record(report)

    async def record_many(self, reports: Sequence[StatusReport]) -> list[Recorded]:
        return await self.slots.record_many(reports)

    async def reports(self, case_id: str) -> list[StatusReport]:
        return await self.slots.reports(case_id)

    async def is_withdrawn(self, organisation_oin: str, identificatie: str) -> bool:
        return await self._withdrawn_lookup((organisation_oin, identificatie))

    async def _withdrawn_each(self, names: Sequence[CaseName]) -> list[bool]:
        withdrawn = await self.withdrawn_among(names)
        return [name in withdrawn for name in names]

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
        return await self._claim((claim_id, trigger_event_id))

    async def _claim_each(self, claims: Sequence[tuple[str, str]]) -> list[str]:
        # Of claimants of one claim that arrive together, the first (as one at a time would).
        first: dict[str, str] = {}
        for claim_id, trigger_event_id in claims:
            first.setdefault(claim_id, trigger_event_id)
        holders = await self.claim_triggers(first)
        return [holders[claim_id] for claim_id, _ in claims]

    async def claim_triggers(self, claims: Mapping[str, str]) -> dict[str, str]:
        ids = list(claims)
        documents = [{"_id": claim_id, "trigger_event_id": claims[claim_id]} for claim_id in ids]
        taken = sorted(await insert_new(self._claims, documents))
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
        reports = [to_report(document) async for document in self._statuses.find(query)]
        withdrawn = await self._withdrawn({(organisation_oin, name) for name in wanted})
        return cases_of(reports, withdrawn), withdrawn

    async def cases_of_citizen(self, bsn: str) -> list[Case]:
        reports = [to_report(document) async for document in self._statuses.find({"bsn": bsn})]
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
