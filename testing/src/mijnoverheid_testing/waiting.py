"""Wait on a condition with a bound, instead of sleeping and hoping."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

DEFAULT_TIMEOUT_SECONDS = 30.0
_POLL_SECONDS = 0.05


async def wait_until(
    condition: Callable[[], Any] | Callable[[], Awaitable[Any]],
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    what: str = "condition",
) -> Any:
    """Return the condition's first truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(_POLL_SECONDS)


def listening(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on `host:port` (a condition to wait on)."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
        return True
    return False
