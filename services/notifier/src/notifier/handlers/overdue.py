"""Notifications not sent successfully by their deadline: tell the organisation, once, so it
can fall back to paper. A background job of the service.

Several replicas may scan at once: the event has a deterministic id (receivers deduplicate)
and the overdue record is an insert with a unique key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from mijnoverheid.contracts import routing
from mijnoverheid.messaging.publisher import EventPublisher
from notifier.adapters import outbound
from notifier.ports import NotificationQueries

logger = logging.getLogger(__name__)
BATCH = 200


class OverdueScanner:
    def __init__(
        self,
        *,
        store: NotificationQueries,
        publisher: EventPublisher,
        source: str,
        clock: Callable[[], datetime],
        interval_seconds: float,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._source = source
        self._clock = clock
        self._interval = interval_seconds

    async def scan_once(self) -> int:
        """Check what has come due; return how many were overdue."""
        now = self._clock()
        overdue = 0
        for notification_id in await self._store.due_for_overdue_check(now, BATCH):
            notification = await self._store.get(notification_id)
            if notification is not None and notification.needs_fallback():
                await self._store.record_overdue(notification_id, now)
                event = outbound.overdue_event(notification, self._source, now)
                key = routing.NOTIFICATION_OVERDUE.key(notification.request.organisation_oin)
                await self._publisher.publish(event, key)
                overdue += 1
            await self._store.overdue_checked(notification_id)
        return overdue

    async def run(self) -> None:
        while True:
            try:
                await self.scan_once()
            except Exception as error:  # the database or broker is away: try next round
                logger.error("overdue scan failed", extra={"error_type": type(error).__name__})
            await asyncio.sleep(self._interval)
