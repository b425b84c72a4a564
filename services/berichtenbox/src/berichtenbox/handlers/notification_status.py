"""notification-status from the Notifier: append it to the message's trail."""

from __future__ import annotations

from dataclasses import dataclass

from berichtenbox.domain.status import NotificationChanged
from berichtenbox.domain.trail import TrailKind
from berichtenbox.ports import MessageStore, Record, Trail


@dataclass(frozen=True)
class NotificationStatusHandler:
    store: MessageStore
    trail: Trail

    async def __call__(self, change: NotificationChanged) -> None:
        # A trail that has begun is a stored message (usually known in this process, no round
        # trip); else the message decides. Unknown: nothing to record.
        known = await self.trail.begun(change.message_id)
        if not known and await self.store.by_id(change.message_id) is None:
            return
        record = Record(TrailKind.NOTIFICATION, change.cause, change.occurred_at, change.details())
        await self.trail.append(change.message_id, record)
