"""The batched store calls against a competing writer: `record_many` yields to it and
`record_in_order` finds earlier reports and appends new ones."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from mijnoverheid.identity import Organisation
from services.zaken.tests.memory import (
    MemoryCaseStore,
)
from services.zaken.tests.unit.batch_harness import (
    BSNS,
    NOW,
    Event,
)
from services.zaken.tests.unit.helpers import report_of
from zaken.adapters.slots import record_in_order


async def test_record_many_yields_to_a_competing_writer(
    gemeente: Organisation, status_event: Callable[..., Event]
) -> None:
    """A case another writer adds to between the read and the write is recorded one by one."""
    store = MemoryCaseStore()
    reports = [
        report_of(
            status_event(gemeente, BSNS[0], "Z-1", code=f"s{n}", event_id=f"e{n}"), gemeente, NOW
        )
        for n in range(4)
    ]
    batch = [reports[0], reports[1], reports[0]]
    results, _, _ = await asyncio.gather(
        store.record_many(batch), store.record(reports[2]), store.record(reports[1])
    )
    [stored] = store.by_case.values()
    assert sorted(each.event_id for each in stored) == ["e0", "e1", "e2"]
    for report, recorded in zip(batch, results, strict=True):
        assert recorded.report == report
        assert list(recorded.known) == stored[: stored.index(report) + 1]


@pytest.mark.parametrize("known_count", [0, 1, 3])
def test_record_in_order_finds_earlier_reports_and_appends_new_ones(
    known_count: int, gemeente: Organisation, status_event: Callable[..., Event]
) -> None:
    reports = [
        report_of(
            status_event(gemeente, BSNS[0], "Z-1", code=f"s{n}", event_id=f"e{n}"), gemeente, NOW
        )
        for n in range(5)
    ]
    known = reports[:known_count]
    arriving = [reports[4], reports[0], reports[3], reports[4], reports[3]]
    recorded, new = record_in_order(known, arriving)
    slots = list(known)
    for report in arriving:
        if report not in slots:
            slots.append(report)
    assert new == [each for each in slots if each not in known]
    for report, each in zip(arriving, recorded, strict=True):
        assert each.report == report
        assert list(each.known) == slots[: slots.index(report) + 1]
