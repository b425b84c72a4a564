"""Deliveries handled at once (a consumer's prefetch), whose store calls are served in batches
(`record_many`, `claim_triggers` behind Coalescers), decide exactly as the deliveries one at a
time would: the same reports in the same slots, the same claims, the same
events published, the same outcome per delivery; and batches that run concurrently (competing
consumers) still reach the state the domain function computes.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.zaken import CaseStatusRecorded
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from services.zaken.tests.memory import (
    Gate,
    MemoryCaseStore,
    MemoryPublisher,
    concurrently,
    gates,
)
from services.zaken.tests.unit.helpers import cases_by_id, report_of
from zaken.adapters.slots import record_in_order
from zaken.domain import model, ordering
from zaken.domain.case import cases_of

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, tzinfo=UTC)
SOURCE = "urn:nld:oin:00000001234567890000:systeem:zaken"
BSNS = ("999993653", "111222333")

Event = dict[str, Any]
# (identificatie, bsn, code, day it took effect, closes, hour it was sent)
Spec = tuple[str, str, str, int, bool, int]

specs = st.lists(
    st.tuples(
        st.sampled_from(["Z-1", "Z-2", "Z-3"]),
        st.sampled_from(BSNS),
        st.sampled_from(["ontvangen", "in-behandeling", "besluit", "afgehandeld"]),
        st.integers(0, 3),
        st.booleans(),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=14,
)
# What else arrives on the queue now and then: refused (told why) and poison (dead-lettered).
ODD = ("invalid-bsn", "url-not-allowed", "malformed", "poison")


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[Spec], list[int | str], list[int]]:
    """Distinct events; the order their deliveries arrive in (some twice, some odd ones in
    between); and where the batches end."""
    spec = draw(specs)
    indices: list[int | str] = list(range(len(spec)))
    extra = draw(st.lists(st.sampled_from(range(len(spec))), max_size=10))
    odd = draw(st.lists(st.sampled_from(ODD), max_size=3))
    order = draw(st.permutations([*indices, *extra, *odd]))
    cuts = draw(st.lists(st.integers(1, max(1, len(order) - 1)), max_size=4, unique=True))
    return spec, order, sorted(cuts)


def _events(
    spec: Sequence[Spec], gemeente: Organisation, status_event: Callable[..., Event]
) -> list[Event]:
    events = []
    for number, (identificatie, bsn, code, day, closes, hour) in enumerate(spec):
        at = T0 + timedelta(days=day)
        event = status_event(
            gemeente, bsn, identificatie, code=code, at=at, closes=closes, event_id=f"e{number}"
        )
        event["time"] = (T0 + timedelta(hours=hour)).isoformat()
        events.append(event)
    return events


def _odd_delivery(
    kind: str,
    gemeente: Organisation,
    status_event: Callable[..., Event],
    delivery: Callable[..., InboundDelivery],
) -> InboundDelivery:
    if kind == "invalid-bsn":
        return delivery(gemeente, status_event(gemeente, "111111111", "Z-1", event_id="bad-bsn"))
    if kind == "url-not-allowed":
        url = "https://mijn.belastingdienst.example/zaken/Z-1"
        return delivery(
            gemeente, status_event(gemeente, BSNS[0], "Z-1", dossier_url=url, event_id="bad-url")
        )
    if kind == "malformed":
        return delivery(gemeente, b'{"id": "half-an-event", "specversion": "1.0"}')
    unattributable = delivery(gemeente, status_event(gemeente, BSNS[0], "Z-1"))
    return InboundDelivery(unattributable.body, unattributable.routing_key, None, None)


def _deliveries(
    scenario: tuple[list[Spec], list[int | str], list[int]],
    gemeente: Organisation,
    status_event: Callable[..., Event],
    delivery: Callable[..., InboundDelivery],
) -> tuple[list[Event], list[InboundDelivery], list[list[InboundDelivery]]]:
    spec, order, cuts = scenario
    events = _events(spec, gemeente, status_event)
    arrived = [
        delivery(gemeente, events[each])
        if isinstance(each, int)
        else _odd_delivery(each, gemeente, status_event, delivery)
        for each in order
    ]
    bounds = [0, *cuts, len(arrived)]
    batches = [arrived[start:end] for start, end in itertools.pairwise(bounds)]
    return events, arrived, [batch for batch in batches if batch]


def _handler(
    registry: OrganisationRegistry, *, ticking: bool = False
) -> tuple[Gate, MemoryCaseStore, MemoryPublisher]:
    """Ticking, the clock moves on at every reading: a redelivery's report (its recorded_at)
    then differs from the one first recorded, which shows which of them a decision took."""
    store, published = MemoryCaseStore(), MemoryPublisher()
    ticks = itertools.count()

    def clock() -> datetime:
        return NOW + timedelta(seconds=next(ticks) if ticking else 0)

    return gates(store, published, registry, clock).status_changed, store, published


async def _one_at_a_time(
    handler: Gate, deliveries: Sequence[InboundDelivery]
) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = []
    for each in deliveries:
        try:
            await handler(each)
        except Exception as error:
            outcomes.append(error)
        else:
            outcomes.append(None)
    return outcomes


def _published(publisher: MemoryPublisher) -> Counter[tuple[str, str]]:
    """Every event as published (all of it, with its routing key), however often."""
    return Counter((event.model_dump_json(), key) for event, key in publisher.published)


def _kinds(outcomes: Sequence[BaseException | None]) -> list[type[BaseException] | None]:
    return [None if outcome is None else type(outcome) for outcome in outcomes]


@settings(max_examples=300, deadline=None)
@given(scenario=arrivals())
def test_batches_store_claim_publish_and_answer_exactly_as_one_at_a_time(
    scenario: tuple[list[Spec], list[int | str], list[int]],
    registry: OrganisationRegistry,
    gemeente: Organisation,
    status_event: Callable[..., Event],
    delivery: Callable[..., InboundDelivery],
) -> None:
    _, arrived, batches = _deliveries(scenario, gemeente, status_event, delivery)

    async def run() -> None:
        single, single_store, single_published = _handler(registry, ticking=True)
        batched, batch_store, batch_published = _handler(registry, ticking=True)
        expected = await _one_at_a_time(single, arrived)
        outcomes = [outcome for batch in batches for outcome in await concurrently(batched, batch)]

        assert dict(batch_store.by_case) == dict(single_store.by_case), "same reports, same slots"
        assert batch_store.claims == single_store.claims
        assert _published(batch_published) == _published(single_published)
        assert _kinds(outcomes) == _kinds(expected)

    asyncio.run(run())


def _status_of(trigger: CloudEvent) -> tuple[str, datetime, bool, str]:
    data = CaseStatusRecorded.model_validate(trigger.data)
    return (data.case_id, data.datum_status_gezet, data.is_eindstatus, data.statustype_code)


@settings(max_examples=200, deadline=None)
@given(scenario=arrivals(), consumers=st.integers(2, 4))
def test_concurrent_batches_reach_the_domain_state_and_notify_each_status_once(
    scenario: tuple[list[Spec], list[int | str], list[int]],
    consumers: int,
    registry: OrganisationRegistry,
    gemeente: Organisation,
    status_event: Callable[..., Event],
    delivery: Callable[..., InboundDelivery],
) -> None:
    """Several batches at once on one store: the competing consumers' race, at every await."""
    events, _, batches = _deliveries(scenario, gemeente, status_event, delivery)

    async def run() -> tuple[MemoryCaseStore, list[CloudEvent]]:
        handler, store, published = _handler(registry)
        lanes = [batches[lane::consumers] for lane in range(consumers)]

        async def consume(lane: list[list[InboundDelivery]]) -> None:
            for batch in lane:
                await concurrently(handler, batch)

        await asyncio.gather(*(consume(lane) for lane in lanes))
        return store, published.of_type("case-status-recorded")

    store, triggers = asyncio.run(run())
    expected = cases_by_id(cases_of([report_of(event, gemeente, NOW) for event in events], set()))
    assert cases_by_id(cases_of(store.statuses, set())) == expected
    for reports in store.by_case.values():
        ids = [(each.event_source, each.event_id) for each in reports]
        assert len(ids) == len(set(ids)), "each event in one slot"
    notified = [_status_of(trigger) for trigger in {t.id: t for t in triggers}.values()]
    assert len(notified) == len(set(notified)), "a status is notified once"
    by_id = {event["id"]: event for event in events}
    recorded = [by_id[report.event_id] for report in store.statuses]
    assert sorted(notified) == sorted(_notified_one_at_a_time(recorded, gemeente))


def _notified_one_at_a_time(
    arrived: list[Event], gemeente: Organisation
) -> list[tuple[str, datetime, bool, str]]:
    recorded: dict[str, model.StatusReport] = {}
    notified: list[tuple[str, datetime, bool, str]] = []
    for event in arrived:
        report = recorded.setdefault(event["id"], report_of(event, gemeente, NOW))
        of_case = [each for each in recorded.values() if each.case_id == report.case_id]
        status = (report.case_id, *report.status_key)
        if ordering.is_current(report, of_case) and status not in notified:
            notified.append(status)
    return notified


async def test_duplicates_within_a_batch_and_across_batches(
    registry: OrganisationRegistry,
    gemeente: Organisation,
    status_event: Callable[..., Event],
    delivery: Callable[..., InboundDelivery],
) -> None:
    handler, store, published = _handler(registry)
    bsn, later = BSNS[0], T0 + timedelta(days=1)
    first = status_event(gemeente, bsn, "Z-1", code="ontvangen", at=T0)
    resent = dict(first, id="resent-under-a-new-id")
    newer = status_event(gemeente, bsn, "Z-1", code="besluit", at=later)
    stale = status_event(gemeente, bsn, "Z-1", code="in-behandeling", at=T0 + timedelta(hours=1))

    batch = [delivery(gemeente, each) for each in (first, first, resent)]
    assert await concurrently(handler, batch) == [None, None, None]
    [announced, again] = published.of_type("case-status-recorded")
    assert announced == again, "the same event twice: the identical announcement twice"
    assert announced.data["status_event_id"] == first["id"], "the resend announces nothing"

    batch = [delivery(gemeente, each) for each in (newer, first, stale, newer)]
    assert await concurrently(handler, batch) == [None, None, None, None]
    triggers = published.of_type("case-status-recorded")
    assert [t.data["status_event_id"] for t in triggers] == [
        first["id"],
        first["id"],
        newer["id"],
        first["id"],  # a redelivery re-emits what its first delivery emitted
        newer["id"],
    ]
    [reports] = store.by_case.values()
    assert [each.event_id for each in reports] == [
        first["id"],
        resent["id"],
        newer["id"],
        stale["id"],
    ], "one slot per event, in the order recorded"


async def test_each_delivery_gets_its_own_outcome(
    registry: OrganisationRegistry,
    gemeente: Organisation,
    status_event: Callable[..., Event],
    delivery: Callable[..., InboundDelivery],
) -> None:
    handler, store, published = _handler(registry)
    good = status_event(gemeente, BSNS[0], "Z-1")
    refused = status_event(gemeente, "111111111", "Z-2")
    poison = delivery(gemeente, status_event(gemeente, BSNS[0], "Z-3"))
    batch = [
        delivery(gemeente, good),
        InboundDelivery(poison.body, poison.routing_key, None, None),
        delivery(gemeente, refused),
    ]
    outcomes = await concurrently(handler, batch)
    assert outcomes[0] is None
    assert isinstance(outcomes[1], UnprocessableEventError)
    assert outcomes[2] is None
    assert [r.data["reason"] for r in published.of_type("event-rejected")] == ["invalid-bsn"]
    assert len(published.of_type("case-status-recorded")) == 1
    assert len(store.statuses) == 1


class _FailingStore(MemoryCaseStore):
    async def record_many(self, reports: Sequence[model.StatusReport]) -> list[Any]:
        raise ConnectionError("database away")


class _FailingPublisher(MemoryPublisher):
    """Refuses to publish the announcement of one status event."""

    def __init__(self, refused_status_event_id: str) -> None:
        super().__init__()
        self.refused = refused_status_event_id

    async def publish(self, event: CloudEvent, routing_key: str) -> None:
        if event.data.get("status_event_id") == self.refused:
            raise ConnectionError("broker away")
        await super().publish(event, routing_key)


async def test_a_failing_write_fails_the_recorded_deliveries_only(
    registry: OrganisationRegistry,
    gemeente: Organisation,
    status_event: Callable[..., Event],
    delivery: Callable[..., InboundDelivery],
) -> None:
    published = MemoryPublisher()
    handler = gates(_FailingStore(), published, registry, lambda: NOW).status_changed
    batch = [
        delivery(gemeente, status_event(gemeente, BSNS[0], "Z-1")),
        delivery(gemeente, status_event(gemeente, "111111111", "Z-2")),
    ]
    outcomes = await concurrently(handler, batch)
    assert isinstance(outcomes[0], ConnectionError), "retried, not acked"
    assert outcomes[1] is None, "the refusal is still sent"
    assert len(published.of_type("event-rejected")) == 1


async def test_a_failing_publish_fails_its_own_delivery_only(
    registry: OrganisationRegistry,
    gemeente: Organisation,
    status_event: Callable[..., Event],
    delivery: Callable[..., InboundDelivery],
) -> None:
    one = status_event(gemeente, BSNS[0], "Z-1")
    other = status_event(gemeente, BSNS[0], "Z-2")
    store, published = MemoryCaseStore(), _FailingPublisher(refused_status_event_id=one["id"])
    handler = gates(store, published, registry, lambda: NOW).status_changed
    outcomes = await concurrently(handler, [delivery(gemeente, one), delivery(gemeente, other)])
    assert isinstance(outcomes[0], ConnectionError)
    assert outcomes[1] is None
    # Retried once the broker is back, it finds its report and its own claim, and announces.
    published.refused = ""
    assert await concurrently(handler, [delivery(gemeente, one)]) == [None]
    announced = {t.data["status_event_id"] for t in published.of_type("case-status-recorded")}
    assert announced == {one["id"], other["id"]}
    assert len(store.statuses) == 2


async def test_a_withdrawn_case_is_announced_no_more_in_a_batch(
    registry: OrganisationRegistry,
    gemeente: Organisation,
    status_event: Callable[..., Event],
    withdrawn_event: Callable[..., Event],
    delivery: Callable[..., InboundDelivery],
) -> None:
    handler, store, published = _handler(registry)
    withdraw = gates(store, published, registry, lambda: NOW).withdrawn
    await withdraw(delivery(gemeente, withdrawn_event(gemeente, "Z-1")))
    batch = [
        delivery(gemeente, status_event(gemeente, BSNS[0], "Z-1")),
        delivery(gemeente, status_event(gemeente, BSNS[0], "Z-2")),
    ]
    assert await concurrently(handler, batch) == [None, None]
    [announced] = published.of_type("case-status-recorded")
    assert announced.data["identificatie"] == "Z-2"
    assert len(store.statuses) == 2, "recorded all the same"


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
