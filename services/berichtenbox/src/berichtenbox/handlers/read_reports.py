"""Telling the sender, once, that the citizen read the message: through an outbox.

The report is owed (an outbox entry) before the read is recorded in the trail, and stays owed
until the broker confirmed it: a crash at any point leaves either no read, or a read whose
report a periodic sweep publishes later (the same event id, so a report sent twice is one
report to the receiver). An entry whose read never reached the trail (the request died in
between, so the citizen never saw the content) is dropped once it is older than a grace period.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from berichtenbox.adapters import outbound
from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.message import Message
from berichtenbox.domain.trail import TrailKind
from berichtenbox.ports import MessageStore, ReadReportOutbox, Record, Trail
from mijnoverheid.contracts import events
from mijnoverheid.messaging.publisher import EventPublisher

log = logging.getLogger(__name__)

# Longer than any request takes between owing a report and recording its read.
UNREAD_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class ReadReporter:
    outbox: ReadReportOutbox
    messages: MessageStore
    trail: Trail
    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]

    async def owe(self, message_id: str) -> None:
        """Before the read is recorded: from here on, the report cannot be lost."""
        await self.outbox.owe(message_id, self.clock())

    async def report(self, message: Message, read_at: datetime) -> bool:
        """Publish message-read; False when the broker did not take it (the sweep will)."""
        await self.outbox.owe(message.message_id, read_at)
        event = outbound.message_read(message, read_at, self.source)
        try:
            await self.publisher.publish(event, events.MESSAGE_READ.key(message.sender_oin))
        except Exception as error:
            log.warning(
                "message-read not published yet; the outbox keeps it",
                extra={"message_id": message.message_id, "error_type": type(error).__name__},
            )
            return False
        reported = Record(
            TrailKind.READ, rules.READ_REPORTED_CAUSE, self.clock(), {"event_id": event.id}
        )
        await self.trail.append(message.message_id, reported)
        await self.outbox.settle(message.message_id)
        return True

    async def sweep_once(self) -> int:
        """Publish every report still owed; returns how many went out."""
        sent = 0
        for message_id, owed_since in await self.outbox.owed():
            message = await self.messages.by_id(message_id)
            entries = await self.trail.entries(message_id) if message else []
            read = rules.entry_with_cause(entries, rules.READ_CAUSE)
            if message is None or rules.entry_with_cause(entries, rules.READ_REPORTED_CAUSE):
                await self.outbox.settle(message_id)
            elif read is not None:
                sent += await self.report(message, read.at)
            elif owed_since < self.clock() - UNREAD_GRACE:
                await self.outbox.settle(message_id)  # never read: nothing to report
        return sent

    async def sweep_periodically(self, period_seconds: float) -> None:
        while True:
            try:
                await self.sweep_once()
            except Exception:
                log.exception("read-report sweep failed; next sweep in %.0f s", period_seconds)
            await asyncio.sleep(period_seconds)
