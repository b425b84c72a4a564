"""Notifications not sent successfully by their deadline: tell the organisation, once, so it
can fall back to paper. A background job of the service.

The notifications come due in units (mijnoverheid.timed_work: by the hour of their deadline
and a shard), which replicas share: each unit is held by one replica at a time and read in
pages of ids, and a unit whose hour has passed is done once and never read again, so any
number of replicas split any volume instead of all reading the same first notifications. The
event has a deterministic id (receivers deduplicate) and the overdue record is an insert with
a unique key, so a unit handled twice (a lapsed claim) reports nothing twice.
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
from mijnoverheid.timed_work import WorkUnit, pass_over
from notifier.adapters import outbound
from notifier.ports import NotificationQueries, OverdueWork

logger = logging.getLogger(__name__)
TASK = "overdue"


@dataclass(frozen=True, kw_only=True)
class OverdueScanner:
    store: NotificationQueries
    work: OverdueWork
    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]
    interval_seconds: float

    async def scan_once(self) -> int:
        """Check what has come due; return how many were overdue."""
        now = self.clock()
        overdue = 0
        units = await self.work.open_units(TASK, now)
        for unit in units:
            if await self.work.hold(unit):
                overdue += await self._pass(unit, now)
        await self.work.advance(TASK, now, units)
        return overdue

    async def _pass(self, unit: WorkUnit, now: datetime) -> int:
        pages = self.store.due_for_overdue_check(unit, now)
        passed = await pass_over(self.work, unit, pages, lambda i: self._check(i, now))
        failures = passed.failures
        if failures:
            logger.error("overdue check failed", extra={"error_type": type(failures[0]).__name__})
        await self.work.release(unit, done=unit.closed and passed.complete and not failures)
        return sum(outcome is True for outcome in passed.outcomes)

    async def _check(self, notification_id: str, now: datetime) -> bool:
        overdue = False
        notification = await self.store.get(notification_id)
        if notification is not None and notification.needs_fallback():
            await self.store.record_overdue(notification_id, now)
            event = outbound.overdue_event(notification, self.source, now)
            key = events.NOTIFICATION_OVERDUE.key(notification.request.organisation_oin)
            await self.publisher.publish(event, key)
            metrics.OVERDUE_NOTIFICATIONS.labels(notification.status.value).inc()
            overdue = True
        await self.store.overdue_checked(notification_id)
        return overdue

    async def run(self) -> None:
        while True:
            try:
                await self.scan_once()
            except Exception as error:  # the database or broker is away: try next round
                logger.error("overdue scan failed", extra={"error_type": type(error).__name__})
            await asyncio.sleep(self.interval_seconds)
