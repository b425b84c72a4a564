"""Deliveries handled at once (a consumer's prefetch), whose store calls are served in batches
(`record_many`, `claim_triggers` behind Coalescers), decide exactly as the deliveries one at a
time would: the same reports in the same slots, the same claims, the same events published, the
same outcome per delivery; and batches that run concurrently (competing consumers) still reach
the state the domain function computes."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.zaken import CaseStatusRecorded
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging.consumer import InboundDelivery
from services.zaken.tests.memory import (
    Gate,
    MemoryCaseStore,
    MemoryPublisher,
    concurrently,
)
from services.zaken.tests.unit.batch_harness import (
    BSNS,
    NOW,
    Event,
    Spec,
    events_of,
    status_handler,
)
from services.zaken.tests.unit.helpers import cases_by_id, report_of
from zaken.domain import model, ordering
from zaken.domain.case import cases_of

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
    events = events_of(spec, gemeente, status_event)
    arrived = [
        delivery(gemeente, events[each])
        if isinstance(each, int)
        else _odd_delivery(each, gemeente, status_event, delivery)
        for each in order
    ]
    bounds = [0, *cuts, len(arrived)]
    batches = [arrived[start:end] for start, end in itertools.pairwise(bounds)]
    return events, arrived, [batch for batch in batches if batch]


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
        single, single_store, single_published = status_handler(registry, ticking=True)
        batched, batch_store, batch_published = status_handler(registry, ticking=True)
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
        handler, store, published = status_handler(registry)
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
