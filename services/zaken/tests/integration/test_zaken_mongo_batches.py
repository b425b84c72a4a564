"""`record_many` and `claim_triggers` against the real database: the same slots as `record` one
by one, and, with competing writers (other processes, each with its own knowledge of the
slots), still one slot per event, no gaps, and what each report was recorded after."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.storage import Document
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from services.zaken.tests.reports import case_withdrawal, status_report
from zaken.adapters.mongo import CaseRepository, create_indexes
from zaken.domain.model import StatusReport
from zaken.ports import Recorded

pytestmark = pytest.mark.integration

OIN = "00000001001234567000"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def database(platform: Platform) -> AsyncIterator[AsyncDatabase[Document]]:
    name = f"zaken_batches_{uuid.uuid4().hex[:10]}"
    database = platform.mongo[name]
    await create_indexes(database)
    yield database
    await platform.mongo.drop_database(name)


def _report(bsn: str, identificatie: str, number: int) -> StatusReport:
    at = T0 + timedelta(hours=number)
    return status_report(
        identificatie, bsn, f"stap-{number}", at, event_id=f"{identificatie}-e{number}"
    )


def _cases(count: int, statuses: int) -> list[list[StatusReport]]:
    bsn = random_bsn()
    return [[_report(bsn, f"Z-{case}", n) for n in range(statuses)] for case in range(count)]


async def _assert_consistent(
    database: AsyncDatabase[Document],
    delivered: Sequence[StatusReport],
    results: Sequence[Recorded],
    cases: list[list[StatusReport]],
) -> None:
    """Every event in exactly one slot, no gaps, and each result what its slot says."""
    fresh = CaseRepository(database)  # knows nothing yet: reads every slot
    stored = {reports[0].case_id: await fresh.reports(reports[0].case_id) for reports in cases}
    for reports in cases:
        slots = stored[reports[0].case_id]
        assert sorted(each.event_id for each in slots) == sorted(each.event_id for each in reports)
    for each, recorded in zip(delivered, results, strict=True):
        assert recorded.report == each
        slots = stored[each.case_id]
        assert list(recorded.known) == slots[: slots.index(each) + 1]


@pytest.mark.parametrize("known_cases", [4096, 1])
async def test_a_batch_takes_the_slots_one_by_one_would(
    database: AsyncDatabase[Document], known_cases: int
) -> None:
    """Also when the process can keep only one case's slots: forgotten mid-batch."""
    rng = random.Random(7)
    cases = _cases(count=5, statuses=4)
    events = [each for reports in cases for each in reports]
    deliveries = events + rng.sample(events, k=8)  # some twice, in one batch or across
    rng.shuffle(deliveries)
    one_by_one = CaseRepository(database)
    expected = [await one_by_one.record(each) for each in deliveries]
    expected_slots = {c[0].case_id: await one_by_one.reports(c[0].case_id) for c in cases}

    other = database.client[f"{database.name}_other"]
    try:
        await create_indexes(other)
        batched = CaseRepository(other, known_cases=known_cases)
        results = [
            recorded
            for start in range(0, len(deliveries), 9)
            for recorded in await batched.record_many(deliveries[start : start + 9])
        ]
        assert results == expected
        fresh = CaseRepository(other)
        assert {c[0].case_id: await fresh.reports(c[0].case_id) for c in cases} == expected_slots
    finally:
        await database.client.drop_database(other.name)


@pytest.mark.parametrize("known_cases", [4096, 2])
async def test_competing_processes_batches_and_single_writes_agree(
    database: AsyncDatabase[Document], known_cases: int
) -> None:
    """Three "processes" (each its own repository, so its own view of the slots) record the
    same events, in batches and one by one, all at once; some events twice."""
    rng = random.Random(known_cases)
    cases = _cases(count=4, statuses=6)
    events = [each for reports in cases for each in reports]
    processes = [CaseRepository(database, known_cases=known_cases) for _ in range(3)]
    calls: list[Awaitable[Recorded | list[Recorded]]] = []
    delivered: list[StatusReport] = []
    for round_ in range(3):
        for number, process in enumerate(processes):
            batch = rng.sample(events, k=8)
            delivered.extend(batch)
            if (round_ + number) % 3 == 2:
                calls.extend(process.record(each) for each in batch)
            else:
                calls.append(process.record_many(batch))
    results: list[Recorded] = []
    for outcome in await asyncio.gather(*calls):
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    missing = [each for each in events if each not in delivered]
    results.extend(await processes[0].record_many(missing))
    delivered.extend(missing)
    await _assert_consistent(database, delivered, results, cases)


async def test_a_process_that_missed_slots_finds_them(
    database: AsyncDatabase[Document],
) -> None:
    """What this process knows of a case may be behind: another process wrote since."""
    [reports] = _cases(count=1, statuses=6)
    here, elsewhere = CaseRepository(database), CaseRepository(database)
    await here.record_many(reports[:2])
    await elsewhere.record_many([reports[0], reports[2], reports[3]])  # 0 again: a redelivery
    results = await here.record_many([reports[4], reports[3], reports[1], reports[5]])
    slots = await CaseRepository(database).reports(reports[0].case_id)
    assert [each.event_id for each in slots] == [reports[n].event_id for n in (0, 1, 2, 3, 4, 5)]
    assert [len(each.known) for each in results] == [5, 4, 2, 6]


async def test_a_case_forgotten_in_the_middle_of_a_batch_is_read_again(
    database: AsyncDatabase[Document],
) -> None:
    """Keeping one case only, writing case B's slot makes the process forget case A, whose
    slot 3 it writes in the same wave: it must not take that for all there is of A."""
    [case_a, case_b] = _cases(count=2, statuses=4)
    repository = CaseRepository(database, known_cases=1)
    await repository.record_many(case_a[:3])
    await repository.record_many([case_b[0], case_a[3]])
    [again] = await repository.record_many([case_a[0]])  # a redelivery
    assert again.report == case_a[0]
    assert again.known == (case_a[0],)
    slots = await CaseRepository(database).reports(case_a[0].case_id)
    assert slots == case_a


async def test_claims_in_a_batch_keep_an_earlier_claim(
    database: AsyncDatabase[Document],
) -> None:
    repository = CaseRepository(database)
    assert await repository.claim_trigger("held", "earlier") == "earlier"
    holders = await repository.claim_triggers({"held": "ours", "free": "ours-too"})
    assert holders == {"held": "earlier", "free": "ours-too"}
    assert await repository.claim_triggers({}) == {}
    competing = await asyncio.gather(
        *(repository.claim_triggers({"contested": f"claimant-{n}"}) for n in range(5))
    )
    assert len({holders["contested"] for holders in competing}) == 1


async def test_withdrawn_among(database: AsyncDatabase[Document]) -> None:
    repository = CaseRepository(database)
    await repository.add_withdrawal(case_withdrawal("Z-GONE", "w", OIN))
    names = {(OIN, "Z-GONE"), (OIN, "Z-HERE"), ("00000001003214345000", "Z-GONE")}
    assert await repository.withdrawn_among(names) == {(OIN, "Z-GONE")}
    assert await repository.withdrawn_among(set()) == set()
