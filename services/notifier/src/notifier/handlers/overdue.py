"""Notifications not sent successfully by their deadline: tell the organisation, once, so it
can fall back to paper. A background job of the service.

Several replicas may scan at once: the event has a deterministic id (receivers deduplicate)
and the overdue record is an insert with a unique key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mijnoverheid import metrics
from mijnoverheid.contracts import events
from mijnoverheid.messaging.publisher import EventPublisher
from notifier.adapters import outbound
from notifier.ports import NotificationQueries

logger = logging.getLogger(__name__)
BATCH = 200


@dataclass(frozen=True, kw_only=True)
class OverdueScanner:
    store: NotificationQueries
    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]
    interval_seconds: float

    async def scan_once(self) -> int:
        """Check what has come due; return how many were overdue."""
        now = self.clock()
        overdue = 0
        for notification_id in await self.store.due_for_overdue_check(now, BATCH):
            notification = await self.store.get(notification_id)
            if notification is not None and notification.needs_fallback():
                await self.store.record_overdue(notification_id, now)
                event = outbound.overdue_event(notification, self.source, now)
                key = events.NOTIFICATION_OVERDUE.key(notification.request.organisation_oin)
                await self.publisher.publish(event, key)
                metrics.OVERDUE_NOTIFICATIONS.labels(notification.status.value).inc()
                overdue += 1
            await self.store.overdue_checked(notification_id)
        return overdue

    async def run(self) -> None:
        while True:
            try:
                await self.scan_once()
            except Exception as error:  # the database or broker is away: try next round
                logger.error("overdue scan failed", extra={"error_type": type(error).__name__})
            await asyncio.sleep(self.interval_seconds)
