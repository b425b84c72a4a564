"""A token bucket: at most `rate` mails a second towards the relay, bursts up to `burst`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class TokenBucket:
    def __init__(
        self,
        rate: float,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`rate` <= 0 means unlimited."""
        self._rate = rate
        self._burst = max(1, burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(self._burst)
        self._updated = clock()
        self._lock = asyncio.Lock()  # waiters queue up in order instead of stampeding

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now

    async def acquire(self) -> None:
        if self._rate <= 0:
            return
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) / self._rate)
                self._refill()
                # The wait was for exactly the missing part of a token; rounding must not
                # leave it a hair short (a loop of ever tinier waits).
                self._tokens = max(self._tokens, 1.0)
            self._tokens -= 1
