"""Deliveries handled at once: duplicates within and across batches, and each delivery's own
outcome, also when a write or a publish of the batch fails."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from services.zaken.tests.memory import (
    MemoryCaseStore,
    MemoryPublisher,
    concurrently,
    gates,
)
from services.zaken.tests.unit.batch_harness import (
    BSNS,
    NOW,
    T0,
    Event,
    status_handler,
)
from zaken.domain import model


async def test_duplicates_within_a_batch_and_across_batches(
    registry: OrganisationRegistry,
    gemeente: Organisation,
    status_event: Callable[..., Event],
    delivery: Callable[..., InboundDelivery],
) -> None:
    handler, store, published = status_handler(registry)
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
    handler, store, published = status_handler(registry)
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
    handler, store, published = status_handler(registry)
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
