"""Lopende Zaken's own collections: append-only, every write an insert on a unique `_id`.

FerretDB v1 (SQLite) enforces unique keys on insert but applies no conditional update_one
atomically. So the hot path is inserts and `_id` lookups, which behave the same on MongoDB:
status reports in numbered slots (status_slots.py), withdrawals and trigger claims keyed by
what they decide. Lookups and claims that arrive together share one round trip (Coalescers).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.coalescing import Coalescer
from mijnoverheid.kernel import derived_event_id
from mijnoverheid.storage import Document
from zaken.adapters import listing
from zaken.adapters.listing import CaseListing
from zaken.adapters.status_slots import KNOWN_CASES, StatusSlots, insert_new, to_report
from zaken.domain.case import Case, CaseName, ListedCase, cases_of
from zaken.domain.model import StatusReport, Withdrawal
from zaken.ports import Recorded

STATUSES = "case_statuses"
WITHDRAWALS = "case_withdrawals"
TRIGGER_CLAIMS = "status_trigger_claims"


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    statuses = database[STATUSES]
    await statuses.create_index(
        [("organisation_oin", ASCENDING), ("identificatie", ASCENDING)], name="by_organisation"
    )
    await listing.create_indexes(database)


class CaseRepository:
    def __init__(
        self, database: AsyncDatabase[Document], *, known_cases: int = KNOWN_CASES
    ) -> None:
        self._statuses = database[STATUSES]
        self._withdrawals = database[WITHDRAWALS]
        self._claims = database[TRIGGER_CLAIMS]
        self.slots = StatusSlots(self._statuses, known_cases=known_cases)
        self.listing = CaseListing(database, self.slots, self._withdrawn)
        self._record = Coalescer(self.record_many)
        self._withdrawn_lookup = Coalescer(self._withdrawn_each)
        self._claim = Coalescer(self._claim_each)

    async def record(self, report: StatusReport) -> Recorded:
        return await self._record(report)

    async def record_many(self, reports: Sequence[StatusReport]) -> list[Recorded]:
        """The reports in their slots, then the overview rows of their cases."""
        recorded = await self.slots.record_many(reports)
        known: dict[str, tuple[StatusReport, ...]] = {}
        for each in recorded:
            case_id = each.report.case_id
            if len(each.known) > len(known.get(case_id, ())):
                known[case_id] = each.known
        await self.listing.refresh(known)
        return recorded

    async def reports(self, case_id: str) -> list[StatusReport]:
        return await self.slots.reports(case_id)

    async def is_withdrawn(self, organisation_oin: str, identificatie: str) -> bool:
        return await self._withdrawn_lookup((organisation_oin, identificatie))

    async def _withdrawn_each(self, names: Sequence[CaseName]) -> list[bool]:
        withdrawn = await self.withdrawn_among(names)
        return [name in withdrawn for name in names]

    async def withdrawn_among(self, names: Collection[CaseName]) -> set[CaseName]:
        return await self._withdrawn(names)

    async def add_withdrawal(self, withdrawal: Withdrawal) -> None:
        document: dict[str, Any] = asdict(withdrawal)
        document["_id"] = _withdrawal_id(withdrawal.organisation_oin, withdrawal.identificatie)
        # A duplicate: withdrawn before (a redelivery, or the same case withdrawn twice).
        with contextlib.suppress(DuplicateKeyError):
            await self._withdrawals.insert_one(document)
        await self.listing.withdraw(withdrawal.organisation_oin, withdrawal.identificatie)

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
        # One equality lookup per case (never `$in`, which no FerretDB backend serves).
        found = await asyncio.gather(
            *(
                self._statuses.find(
                    {"organisation_oin": organisation_oin, "identificatie": identificatie}
                ).to_list()
                for identificatie in wanted
            )
        )
        reports = [to_report(document) for documents in found for document in documents]
        withdrawn = await self._withdrawn({(organisation_oin, name) for name in wanted})
        return cases_of(reports, withdrawn), withdrawn

    async def listing_page(
        self, bsn: str, *, skip: int, limit: int
    ) -> tuple[list[ListedCase], int]:
        return await self.listing.page(bsn, skip=skip, limit=limit)

    async def case(self, case_id: str) -> Case | None:
        reports = await self.reports(case_id)
        if not reports:
            return None
        names = {(reports[0].organisation_oin, reports[0].identificatie)}
        return cases_of(reports, await self._withdrawn(names))[0]

    async def _withdrawn(self, names: Collection[CaseName]) -> set[CaseName]:
        # By `_id`, one lookup each: the only lookup every store serves from an index.
        ordered = sorted(names)
        found = await asyncio.gather(
            *(self._withdrawals.find_one({"_id": _withdrawal_id(*n)}, {"_id": 1}) for n in ordered)
        )
        return {name for name, document in zip(ordered, found, strict=True) if document}


def _withdrawal_id(organisation_oin: str, identificatie: str) -> str:
    return derived_event_id(organisation_oin, identificatie, "withdrawn")
