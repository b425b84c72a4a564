"""The consumer's treatment of an expected wait: held in place, not redelivered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from mijnoverheid import metrics
from mijnoverheid.kernel import BusyError
from mijnoverheid.messaging import consumer
from mijnoverheid.messaging.consumer import InboundDelivery, process

QUEUE = "notifier.message-delivered"


@dataclass
class RawMessage:
    body: bytes = b"{}"
    routing_key: str = "berichtenbox.message-delivered.00000001003214345000"
    user_id: str = "berichtenbox"
    message_id: str = "m-1"
    headers: dict[str, Any] = field(default_factory=lambda: {"x-delivery-count": 3})


@dataclass
class FakeMessage:
    """The parts of a FastStream RabbitMessage that `process` uses."""

    raw_message: RawMessage = field(default_factory=RawMessage)
    settled: list[str] = field(default_factory=list)

    async def ack(self) -> None:
        self.settled.append("ack")

    async def nack(self, requeue: bool = True) -> None:
        self.settled.append(f"nack(requeue={requeue})")

    async def reject(self, requeue: bool = False) -> None:
        self.settled.append(f"reject(requeue={requeue})")


def busy_then_done(times: int) -> tuple[list[InboundDelivery], Any]:
    seen: list[InboundDelivery] = []

    async def handler(delivery: InboundDelivery) -> None:
        seen.append(delivery)
        if len(seen) <= times:
            raise BusyError("held by another worker", retry_after_seconds=0.01)

    return seen, handler


def waits() -> float:
    return metrics.WAITS.labels(QUEUE)._value.get()


async def test_a_busy_delivery_is_held_and_handled_again_then_acked_once() -> None:
    message = FakeMessage()
    seen, handler = busy_then_done(times=3)
    before = waits()
    await process(message, handler, QUEUE)  # type: ignore[arg-type]
    assert message.settled == ["ack"], "never returned to the broker: its count is unchanged"
    assert len(seen) == 4
    assert {delivery.delivery_count for delivery in seen} == {3}
    assert waits() - before == 3


async def test_a_wait_never_sleeps_past_the_time_the_holder_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(consumer.asyncio, "sleep", sleep)
    named = iter([60.0, 60.0, 60.0, 60.0, 60.0, 60.0, 0.3, 0.0])
    calls = 0

    async def handler(_: InboundDelivery) -> None:
        nonlocal calls
        calls += 1
        retry_after = next(named, None)
        if retry_after is not None:
            raise BusyError("held", retry_after_seconds=retry_after)

    await process(FakeMessage(), handler, QUEUE)  # type: ignore[arg-type]
    # Growing pauses, at most 5 s apart (a finished holder is noticed soon), never past the
    # named end of the wait, and never a busy loop.
    assert pauses == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 0.3, 0.05]


async def test_a_wait_without_end_is_at_last_redelivered_against_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(consumer, "MAX_WAIT_SECONDS", 0.05)
    monkeypatch.setattr(consumer, "MAX_BACKOFF_SECONDS", 0.0)
    message = FakeMessage()

    async def handler(_: InboundDelivery) -> None:
        raise BusyError("held for ever", retry_after_seconds=0.02)

    await process(message, handler, QUEUE)  # type: ignore[arg-type]
    assert message.settled == ["nack(requeue=True)"]
