"""Slots of the confirmation-mail throttle (domain/throttle.py): one small document each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.storage import Document
from notifier.domain.throttle import Window

MAIL_SLOTS = "verification_mail_slots"
log = logging.getLogger(__name__)


class VerificationMailSlots:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._slots = database[MAIL_SLOTS]

    async def take(self, window: Window) -> bool:
        """A free slot of the window, taken by a unique-key insert; False when it is full."""
        for number in range(1, window.mails + 1):
            try:
                await self._slots.insert_one(
                    {"_id": f"{window.key}#{number}", "expires_at": window.ends_at}
                )
            except DuplicateKeyError:
                continue
            return True
        return False

    async def remove_ended(self, now: datetime) -> int:
        # The embedded store has no TTL indexes: ended windows are removed by this sweep.
        result = await self._slots.delete_many({"expires_at": {"$lte": now}})
        return result.deleted_count

    async def sweep_periodically(self, clock: Callable[[], datetime], seconds: float) -> None:
        while True:
            try:
                await self.remove_ended(clock())
            except Exception:
                log.exception("removing ended throttle windows failed; next try in %.0f s", seconds)
            await asyncio.sleep(seconds)
