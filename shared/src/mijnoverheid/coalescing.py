"""Calls that arrive together, served by one batch: a store's round trips shared, not its answers.

Document stores pay per write: FerretDB v1 (SQLite) runs every write as its own transaction
(measured: ~130 single inserts/s against ~11,000 documents/s in one insert_many under load). A
`Coalescer` sits behind a repository method: every caller awaits its own item and gets its own
result or exception, so a handler still handles one event and acks it on its own; only the
round trips are shared. While one batch runs, the next collects; there is no timer, so a lone
call is served at once and a busy consumer's calls are served together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

BatchCall = Callable[[Sequence[In]], Awaitable[Sequence[Out | BaseException]]]
DEFAULT_MAX_BATCH = 256


class Coalescer(Generic[In, Out]):
    def __init__(
        self, run_batch: BatchCall[In, Out], *, max_batch: int = DEFAULT_MAX_BATCH
    ) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._pending: list[tuple[In, asyncio.Future[Out]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, item: In) -> Out:
        future: asyncio.Future[Out] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                results = await self._run_batch([item for item, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError("a batch call must answer every item")
            except Exception as error:  # the whole batch failed alike: each caller gets it
                results = [error] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # its caller was cancelled
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
