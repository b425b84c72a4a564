"""Telling the sender, once, that the citizen read the message: through an outbox.

The read is recorded first (the trail); the report is then owed until the broker confirmed
it. An outbox entry, written before the publish and removed after it, makes the debt durable:
if the broker is away at the moment of reading, a periodic sweep publishes it later (the same
event id, so a report sent twice is one report to the receiver).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from berichtenbox.adapters import citizen_events
from berichtenbox.domain import inbox as rules
from berichtenbox.domain.model import Message
from berichtenbox.domain.trail import TrailKind
from berichtenbox.ports import MessageStore, Trail
from mijnoverheid.contracts import routing
from mijnoverheid.messaging.publisher import EventPublisher

log = logging.getLogger(__name__)


class ReadReportOutbox(Protocol):
    async def owe(self, message_id: str, read_at: datetime) -> None: ...

    async def settle(self, message_id: str) -> None: ...

    async def owed(self) -> list[tuple[str, datetime]]: ...


class ReadReporter:
    def __init__(
        self,
        *,
        outbox: ReadReportOutbox,
        messages: MessageStore,
        trail: Trail,
        publisher: EventPublisher,
        source: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._outbox = outbox
        self._messages = messages
        self._trail = trail
        self._publisher = publisher
        self._source = source
        self._clock = clock

    async def report(self, message: Message, read_at: datetime) -> bool:
        """Publish message-read; False when the broker did not take it (the sweep will)."""
        await self._outbox.owe(message.message_id, read_at)
        event = citizen_events.message_read(message, read_at, self._source)
        try:
            await self._publisher.publish(event, routing.MESSAGE_READ.key(message.sender_oin))
        except Exception as error:
            log.warning(
                "message-read not published yet; the outbox keeps it",
                extra={"message_id": message.message_id, "error_type": type(error).__name__},
            )
            return False
        await self._trail.append(
            TrailKind.READ,
            message.message_id,
            rules.READ_REPORTED_CAUSE,
            at=self._clock(),
            details={"event_id": event.id},
        )
        await self._outbox.settle(message.message_id)
        return True

    async def sweep_once(self) -> int:
        """Publish every report still owed; returns how many went out."""
        sent = 0
        for message_id, read_at in await self._outbox.owed():
            message = await self._messages.by_id(message_id)
            if message is None or await self._trail.has(message_id, rules.READ_REPORTED_CAUSE):
                await self._outbox.settle(message_id)
                continue
            sent += await self.report(message, read_at)
        return sent

    async def sweep_periodically(self, period_seconds: float) -> None:
        while True:
            try:
                await self.sweep_once()
            except Exception:
                log.exception("read-report sweep failed; next sweep in %.0f s", period_seconds)
            await asyncio.sleep(period_seconds)
