"""A fixed number of persistent SMTP connections to the relay, reused across mails.

A connection is opened on first use and after one broke; one idle for a while is checked with
NOOP first (relays close idle sessions), so a mail never starts on a dead connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosmtplib

IDLE_CHECK_SECONDS = 30.0
Connect = Callable[[], Awaitable[aiosmtplib.SMTP]]


@dataclass
class _Slot:
    client: aiosmtplib.SMTP | None = None
    used_at: float = 0.0


class SmtpPool:
    def __init__(self, size: int, connect: Connect) -> None:
        self.size = size
        self._connect = connect
        self._idle: asyncio.Queue[_Slot] = asyncio.Queue()
        self._slots = [_Slot() for _ in range(size)]
        for slot in self._slots:
            self._idle.put_nowait(slot)
        self.connects = 0  # for tests and metrics: how often a connection was (re)opened

    async def acquire(self) -> _Slot:
        slot = await self._idle.get()
        try:
            if slot.client is not None and time.monotonic() - slot.used_at > IDLE_CHECK_SECONDS:
                await self._check(slot)
            if slot.client is None or not slot.client.is_connected:
                slot.client = await self._connect()
                self.connects += 1
        except BaseException:
            self._idle.put_nowait(slot)
            raise
        return slot

    def release(self, slot: _Slot, *, healthy: bool) -> None:
        if not healthy and slot.client is not None:
            slot.client.close()
            slot.client = None
        slot.used_at = time.monotonic()
        self._idle.put_nowait(slot)

    async def close_at_shutdown(self) -> None:
        """A service job: holds the pool open while the service runs, closes it when cancelled."""
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()

    async def close(self) -> None:
        for slot in self._slots:
            if slot.client is not None and slot.client.is_connected:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    await slot.client.quit()
            slot.client = None

    @staticmethod
    async def _check(slot: _Slot) -> None:
        assert slot.client is not None
        try:
            await slot.client.noop()
        except (aiosmtplib.SMTPException, OSError):
            slot.client.close()
            slot.client = None
