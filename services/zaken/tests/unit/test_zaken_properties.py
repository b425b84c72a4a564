"""Any order and any duplication of the same set of status events gives the same final state.

Small value ranges on purpose: they make equal effective times, resends of one status under a
new event id and exact duplicates common, which is where ordering bugs hide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.zaken import CaseStatusRecorded
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging.consumer import InboundDelivery
from services.zaken.tests.memory import MemoryCaseStore, MemoryPublisher, gates
from services.zaken.tests.unit.batch_harness import BSNS, NOW, events_of
from services.zaken.tests.unit.helpers import cases_by_id, report_of
from zaken.domain import model, ordering
from zaken.domain.case import cases_of

statuses = st.lists(
    st.tuples(
        st.sampled_from(["Z-1", "Z-2"]),  # identificatie
        st.sampled_from(BSNS),
        st.sampled_from(["ontvangen", "in-behandeling", "besluit", "afgehandeld"]),
        st.integers(0, 3),  # day the status took effect
        st.booleans(),  # closes the case
        st.integers(0, 2),  # hour it was sent (which of two resends is the correction)
    ),
    min_size=1,
    max_size=12,
)


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[tuple[Any, ...]], list[int]]:
    """Distinct status events, and the order their deliveries arrive in: shuffled, some twice."""
    spec = draw(statuses)
    indices = list(range(len(spec)))
    extra = draw(st.lists(st.sampled_from(indices), max_size=8))
    return spec, draw(st.permutations(indices + extra))


@given(spec=statuses, order=st.randoms(use_true_random=False), copies=st.integers(1, 3))
def test_history_and_current_status_do_not_depend_on_order_or_duplicates(
    spec: list[tuple[Any, ...]],
    order: Any,
    copies: int,
    gemeente: Organisation,
    status_event: Callable[..., Any],
) -> None:
    reports = [report_of(event, gemeente, NOW) for event in events_of(spec, gemeente, status_event)]
    arrived = reports * copies
    order.shuffle(arrived)
    assert cases_by_id(cases_of(arrived, set())) == cases_by_id(cases_of(reports, set()))
    for case in cases_of(arrived, set()):
        latest = max(report.datum_status_gezet for report in case.history)
        assert case.current.datum_status_gezet == latest


async def _run(
    events: list[dict[str, Any]],
    registry: OrganisationRegistry,
    gemeente: Organisation,
    deliver: Callable[..., InboundDelivery],
    concurrently: bool,
) -> tuple[MemoryCaseStore, list[CloudEvent]]:
    store, published = MemoryCaseStore(), MemoryPublisher()
    handler = gates(store, published, registry, lambda: NOW).status_changed
    if concurrently:  # interleaved at every store call, like competing consumers
        await asyncio.gather(*(handler(deliver(gemeente, event)) for event in events))
    else:
        for event in events:
            await handler(deliver(gemeente, event))
    return store, [event for event, _ in published.published]


Status = tuple[str, datetime, bool, str]


def _status_of(trigger: CloudEvent) -> Status:
    """A status of a case: resends of it (same key, new event id) count as one."""
    data = CaseStatusRecorded.model_validate(trigger.data)
    return (data.case_id, data.datum_status_gezet, data.is_eindstatus, data.statustype_code)


@settings(max_examples=200, deadline=None)
@given(scenario=arrivals(), concurrently=st.booleans())
def test_handlers_reach_the_same_state_and_notify_the_final_status_once(
    scenario: tuple[list[tuple[Any, ...]], list[int]],
    concurrently: bool,
    registry: OrganisationRegistry,
    gemeente: Organisation,
    status_event: Callable[..., Any],
    delivery: Callable[..., InboundDelivery],
) -> None:
    spec, order = scenario
    events = events_of(spec, gemeente, status_event)
    arrived = [events[index] for index in order]
    store, triggers = asyncio.run(_run(arrived, registry, gemeente, delivery, concurrently))

    expected = cases_by_id(cases_of([report_of(event, gemeente, NOW) for event in events], set()))
    assert cases_by_id(cases_of(store.statuses, set())) == expected
    # A redelivery re-emits an identical trigger; count each trigger id once.
    statuses_notified = [_status_of(trigger) for trigger in {t.id: t for t in triggers}.values()]
    assert len(statuses_notified) == len(set(statuses_notified)), "a status is notified once"
    for case in expected.values():
        final = (case.case_id, *case.current.status_key)
        assert final in statuses_notified, "the status a case ends in is always notified"
    # Exactly what the model says, in the order the reports were recorded (one at a time, that
    # is the order they arrived in; concurrently, the order the store took them in).
    if concurrently:
        by_id = {event["id"]: event for event in events}
        recorded = [by_id[report.event_id] for report in store.statuses]
        assert sorted(statuses_notified) == sorted(_notified_one_at_a_time(recorded, gemeente))
    else:
        assert statuses_notified == _notified_one_at_a_time(arrived, gemeente)


def _notified_one_at_a_time(arrived: list[dict[str, Any]], gemeente: Organisation) -> list[Status]:
    """The model: a status is notified when it is current right after it is recorded, once."""
    recorded: dict[str, model.StatusReport] = {}
    notified: list[Status] = []
    for event in arrived:
        report = recorded.setdefault(event["id"], report_of(event, gemeente, NOW))
        of_case = [each for each in recorded.values() if each.case_id == report.case_id]
        status = (report.case_id, *report.status_key)
        if ordering.is_current(report, of_case) and status not in notified:
            notified.append(status)
    return notified
