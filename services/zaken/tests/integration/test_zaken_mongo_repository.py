"""The repository against the real database, with concurrent writers: one slot per event, no
gaps, one winner per claim (FerretDB v1 enforces unique keys on insert, nothing else)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.storage import Document
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from services.zaken.tests.reports import case_withdrawal, status_report
from zaken.adapters.mongo import CaseRepository, create_indexes
from zaken.domain.model import StatusReport

pytestmark = pytest.mark.integration

OIN = "00000001001234567000"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def database(platform: Platform) -> AsyncIterator[AsyncDatabase[Document]]:
    name = f"zaken_repository_{uuid.uuid4().hex[:10]}"
    database = platform.mongo[name]
    await create_indexes(database)
    yield database
    await platform.mongo.drop_database(name)


def _report(bsn: str, number: int) -> StatusReport:
    at = T0 + timedelta(hours=number)
    return status_report("Z-REPO", bsn, f"stap-{number}", at, event_id=f"e{number}", oin=OIN)


async def test_concurrent_recording_takes_one_slot_per_event(
    database: AsyncDatabase[Document],
) -> None:
    repository = CaseRepository(database)
    bsn = random_bsn()
    reports = [_report(bsn, number) for number in range(12)]
    deliveries = reports * 2  # every event twice, all at once
    results = await asyncio.gather(*(repository.record(each) for each in deliveries))

    stored = await repository.reports(reports[0].case_id)
    assert sorted(each.event_id for each in stored) == sorted(each.event_id for each in reports)
    for delivered, recorded in zip(deliveries, results, strict=True):
        assert recorded.report == delivered
        position = stored.index(recorded.report)
        assert list(recorded.known) == stored[: position + 1], "what was recorded before it"


async def test_one_claim_wins_and_a_withdrawal_is_kept_once(
    database: AsyncDatabase[Document],
) -> None:
    repository = CaseRepository(database)
    claimants = [str(uuid.uuid4()) for _ in range(10)]
    winners = await asyncio.gather(*(repository.claim_trigger("claim", c) for c in claimants))
    assert len(set(winners)) == 1
    assert winners[0] in claimants

    withdrawals = [case_withdrawal("Z-REPO", f"w{n}", OIN) for n in range(3)]
    await asyncio.gather(*(repository.add_withdrawal(each) for each in withdrawals))
    assert await repository.is_withdrawn(OIN, "Z-REPO")
    assert not await repository.is_withdrawn(OIN, "Z-OTHER")
    assert await database.case_withdrawals.count_documents({}) == 1
