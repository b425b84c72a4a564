"""The citizen's overview is paged by the store: a page of 10 receives 10 rows however many
cases and reports the citizen has, in the domain's order (open first, newest change first),
withdrawn cases left out; and competing writers, each knowing different slots, still leave
every case's row on its current status.

What the store sends back is observed with pymongo's command monitoring.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.storage import Document
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.observed_store import Observer, observed_database
from mijnoverheid_testing.stack import Stack
from services.zaken.tests.reports import GEMEENTE_OIN, T0, case_withdrawal, status_report
from zaken.adapters.mongo import CaseRepository, create_indexes
from zaken.domain.case import cases_of, overview
from zaken.domain.model import StatusReport

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[tuple[AsyncDatabase[Document], Observer]]:
    async with observed_database(stack.mongodb_url, "zaken-overview") as (database, received):
        await create_indexes(database)
        yield database, received


def reports_of(bsn: str, case: int, statuses: int) -> list[StatusReport]:
    """A case with `statuses` statuses; every fourth case closed by its last."""
    return [
        status_report(
            f"Z-{case}",
            bsn,
            f"stap-{n}",
            T0 + timedelta(hours=case, minutes=n),
            event_id=f"Z-{case}-e{n}",
            closes=case % 4 == 0 and n == statuses - 1,
        )
        for n in range(statuses)
    ]


async def test_a_page_is_paged_by_the_store_in_the_overview_order(
    store: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, received = store
    bsn = random_bsn()
    everything = [report for case in range(60) for report in reports_of(bsn, case, 4)]
    repository = CaseRepository(database)
    await asyncio.gather(*(repository.record(report) for report in everything))
    await repository.add_withdrawal(case_withdrawal("Z-7", "withdraw-Z-7"))
    withdrawn = {(GEMEENTE_OIN, "Z-7")}
    expected = [case.case_id for case in overview(cases_of(everything, withdrawn))]

    received.take()
    page, total = await CaseRepository(database).listing_page(bsn, skip=10, limit=10)

    assert total == 59
    assert [case.case_id for case in page] == expected[10:20]
    assert len(received.take().documents()) <= 10 + 1, "more than the page was sent (+1: the count)"
    assert all(case.bsn == bsn for case in page)
    assert await CaseRepository(database).listing_page(random_bsn(), skip=0, limit=10) == ([], 0)


async def test_competing_writers_leave_each_row_on_the_current_status(
    store: tuple[AsyncDatabase[Document], Observer],
) -> None:
    database, _ = store
    bsn = random_bsn()
    cases = [reports_of(bsn, case, 6) for case in range(12)]
    deliveries = [report for reports in cases for report in reports]
    random.Random(7).shuffle(deliveries)
    writers = [CaseRepository(database) for _ in range(4)]  # each with its own slot cache
    await asyncio.gather(
        *(writers[n % len(writers)].record(report) for n, report in enumerate(deliveries))
    )

    page, total = await CaseRepository(database).listing_page(bsn, skip=0, limit=50)
    assert total == 12
    expected = overview(cases_of(deliveries, set()))
    assert [(case.case_id, case.current.statustype_code) for case in page] == [
        (case.case_id, case.current.statustype_code) for case in expected
    ]
