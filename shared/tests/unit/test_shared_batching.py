from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from mijnoverheid.messaging.batching import Batcher
from mijnoverheid.messaging.consumer import InboundDelivery, PoisonMessageError


def _delivery(body: bytes) -> InboundDelivery:
    return InboundDelivery(body=body, routing_key="x.y.z", user_id="u", message_id=None)


async def test_each_delivery_gets_its_own_outcome_from_one_batch_call() -> None:
    calls: list[list[bytes]] = []

    async def handle(deliveries: Sequence[InboundDelivery]) -> list[BaseException | None]:
        calls.append([delivery.body for delivery in deliveries])
        return [PoisonMessageError("bad") if d.body == b"bad" else None for d in deliveries]

    batcher = Batcher(handle, max_size=10, max_wait_seconds=0.01)
    results = await asyncio.gather(
        batcher(_delivery(b"a")),
        batcher(_delivery(b"bad")),
        batcher(_delivery(b"c")),
        return_exceptions=True,
    )
    assert calls == [[b"a", b"bad", b"c"]]
    assert results[0] is None
    assert isinstance(results[1], PoisonMessageError)
    assert results[2] is None


async def test_a_full_batch_is_handled_without_waiting_and_the_rest_follows() -> None:
    sizes: list[int] = []

    async def handle(deliveries: Sequence[InboundDelivery]) -> list[BaseException | None]:
        sizes.append(len(deliveries))
        return [None] * len(deliveries)

    batcher = Batcher(handle, max_size=2, max_wait_seconds=10)
    first = asyncio.gather(batcher(_delivery(b"1")), batcher(_delivery(b"2")))
    await asyncio.wait_for(first, timeout=1)  # flushed at max_size, not after 10 s
    assert sizes == [2]


async def test_a_failing_batch_fails_every_delivery_in_it() -> None:
    async def handle(deliveries: Sequence[InboundDelivery]) -> list[BaseException | None]:
        raise ConnectionError("database away")

    batcher = Batcher(handle, max_size=5, max_wait_seconds=0.001)
    with pytest.raises(ConnectionError):
        await batcher(_delivery(b"a"))
