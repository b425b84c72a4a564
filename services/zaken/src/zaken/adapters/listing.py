"""The citizen's overview of cases, paged by the store: one row per case (`case_listing`,
`_id` = case id) with its current status, whether it is closed and when it last changed, so
a page is one query with sort, skip and limit, and its cost does not depend on how many
reports the citizen's cases hold. On MongoDB the `citizen_overview` index serves the whole
query; FerretDB v1 finds the citizen's rows by equality (GIN on PostgreSQL) and sorts them.

A row is a plain upsert (FerretDB v1 applies no conditional update atomically), written after
the report's slot, from the slots its writer knows. Competing writers may finish in either
order, so each writer, after writing, looks at the slot after the ones it knew and at the
case's withdrawal: if either is new, it reads again and rewrites. The last row written is then
always by a writer that saw every slot, and a withdrawal recorded in between is not lost: the
rows converge on the case's reports, which stay the source of truth.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from mijnoverheid.storage import Document, only_duplicates
from zaken.adapters.status_slots import StatusSlots, report_document, to_report
from zaken.domain.case import CaseName, ListedCase
from zaken.domain.model import StatusReport
from zaken.domain.ordering import current_status

LISTING = "case_listing"
# domain.case.overview's order: open first, newest change first, then by case id.
OVERVIEW_ORDER = [("closed", ASCENDING), ("last_changed", DESCENDING), ("_id", ASCENDING)]
_MAX_ROUNDS = 10

Withdrawn = Callable[[Collection[CaseName]], Awaitable[set[CaseName]]]


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    listing = database[LISTING]
    await listing.create_index(
        [("bsn", ASCENDING), ("withdrawn", ASCENDING), *OVERVIEW_ORDER], name="citizen_overview"
    )
    await listing.create_index(
        [("organisation_oin", ASCENDING), ("identificatie", ASCENDING)], name="by_case_name"
    )


class CaseListing:
    def __init__(
        self, database: AsyncDatabase[Document], slots: StatusSlots, withdrawn: Withdrawn
    ) -> None:
        self._rows = database[LISTING]
        self._slots = slots
        self._withdrawn = withdrawn

    async def refresh(self, known: Mapping[str, Sequence[StatusReport]]) -> None:
        """Write the rows of these cases from their slots known (0..n-1), until they agree
        with the store."""
        pending = {case_id: list(reports) for case_id, reports in known.items() if reports}
        for _ in range(_MAX_ROUNDS):
            if not pending:
                return
            withdrawn = await self._withdrawn({_name(reports) for reports in pending.values()})
            raced = await self._write(pending, withdrawn)
            more = await asyncio.gather(
                *(self._slots.after(case_id, len(reports)) for case_id, reports in pending.items())
            )
            now_withdrawn = await self._withdrawn(
                {_name(reports) for reports in pending.values()} - withdrawn
            )
            pending = {
                case_id: [*reports, *later]
                for (case_id, reports), later in zip(pending.items(), more, strict=True)
                if later or case_id in raced or _name(reports) in now_withdrawn
            }
        raise RuntimeError("the case overview kept changing while it was written; retried")

    async def withdraw(self, organisation_oin: str, identificatie: str) -> None:
        """After the withdrawal is recorded: the case leaves every citizen's overview."""
        await self._rows.update_many(
            {"organisation_oin": organisation_oin, "identificatie": identificatie},
            {"$set": {"withdrawn": True}},
        )

    async def page(self, bsn: str, *, skip: int, limit: int) -> tuple[list[ListedCase], int]:
        query = {"bsn": bsn, "withdrawn": False}
        cursor = self._rows.find(query).sort(OVERVIEW_ORDER).skip(skip).limit(limit)
        rows = [_listed(row) async for row in cursor]
        return rows, await self._rows.count_documents(query)

    async def _write(
        self, pending: Mapping[str, Sequence[StatusReport]], withdrawn: set[CaseName]
    ) -> set[str]:
        """Upsert the rows; the cases whose first upsert raced another (retried)."""
        cases = list(pending)
        writes = [
            UpdateOne(
                {"_id": case_id},
                {"$set": _row(pending[case_id], _name(pending[case_id]) in withdrawn)},
                upsert=True,
            )
            for case_id in cases
        ]
        try:
            await self._rows.bulk_write(writes, ordered=False)
        except BulkWriteError as error:
            if not only_duplicates(error):
                raise
            return {cases[int(failure["index"])] for failure in error.details["writeErrors"]}
        return set()


def _name(reports: Sequence[StatusReport]) -> CaseName:
    return (reports[0].organisation_oin, reports[0].identificatie)


def _row(reports: Sequence[StatusReport], withdrawn: bool) -> dict[str, Any]:
    current = current_status(reports)
    assert current is not None
    return {
        "bsn": current.bsn,
        "organisation_oin": current.organisation_oin,
        "identificatie": current.identificatie,
        "withdrawn": withdrawn,
        "closed": current.is_eindstatus,
        "last_changed": current.datum_status_gezet,
        "slots": len(reports),
        "current": report_document(current),
    }


def _listed(row: Document) -> ListedCase:
    return ListedCase(
        case_id=row["_id"],
        organisation_oin=row["organisation_oin"],
        identificatie=row["identificatie"],
        bsn=row["bsn"],
        current=to_report(row["current"]),
    )
