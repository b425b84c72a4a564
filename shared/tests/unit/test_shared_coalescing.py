"""Calls that arrive together share one batch call; each caller keeps its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from mijnoverheid.coalescing import Coalescer


async def test_calls_arriving_while_a_batch_runs_are_served_together_each_with_its_own_result() -> (
    None
):
    calls: list[list[str]] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def run(items: Sequence[str]) -> list[str | BaseException]:
        calls.append(list(items))
        started.set()
        await release.wait()
        return [ValueError(item) if item == "bad" else item.upper() for item in items]

    coalescer = Coalescer(run)
    first = asyncio.create_task(coalescer("a"))
    await asyncio.wait_for(started.wait(), timeout=5)  # the first call is served at once, alone
    rest = [asyncio.create_task(coalescer(item)) for item in ("b", "bad", "c")]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(first, *rest, return_exceptions=True)
    assert calls == [["a"], ["b", "bad", "c"]]
    assert results[:2] == ["A", "B"]
    assert isinstance(results[2], ValueError)
    assert results[3] == "C"


async def test_a_batch_is_at_most_max_batch_long() -> None:
    sizes: list[int] = []

    async def run(items: Sequence[int]) -> list[int | BaseException]:
        sizes.append(len(items))
        await asyncio.sleep(0)
        return list(items)

    coalescer = Coalescer(run, max_batch=2)
    assert await asyncio.gather(*(coalescer(n) for n in range(5))) == [0, 1, 2, 3, 4]
    assert max(sizes) == 2
    assert sum(sizes) == 5


async def test_a_failing_batch_fails_every_call_in_it() -> None:
    async def run(items: Sequence[str]) -> list[str | BaseException]:
        raise ConnectionError("database away")

    coalescer = Coalescer(run)
    results = await asyncio.gather(coalescer("a"), coalescer("b"), return_exceptions=True)
    assert all(isinstance(result, ConnectionError) for result in results)


async def test_a_batch_that_answers_too_few_items_fails_instead_of_mixing_answers_up() -> None:
    async def run(items: Sequence[str]) -> list[str | BaseException]:
        return list(items)[:-1]

    coalescer = Coalescer(run)
    with pytest.raises(RuntimeError, match="every item"):
        await asyncio.gather(coalescer("a"), coalescer("b"))
