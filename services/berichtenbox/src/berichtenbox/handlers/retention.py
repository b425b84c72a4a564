"""The retention scan: remove expired content, and warn before an unread message expires.

Safe to run in several replicas at once and to repeat after a crash: each step is either a
plain set of the same values or decided once by the trail's unique (message, cause) key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from berichtenbox.adapters import outbound
from berichtenbox.domain import expiry
from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.message import Message, RetentionPolicy
from berichtenbox.domain.trail import TrailKind
from berichtenbox.ports import MessageStore, Record, Trail
from mijnoverheid.contracts import events
from mijnoverheid.messaging.publisher import EventPublisher

log = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_BATCHES_PER_RUN = 50


@dataclass(frozen=True)
class RetentionReport:
    expired: int = 0
    warned: int = 0
    failed: int = 0


@dataclass(frozen=True)
class RetentionJob:
    store: MessageStore
    trail: Trail
    publisher: EventPublisher
    policy: RetentionPolicy
    source: str

    async def run_retention_once(self, now: datetime) -> RetentionReport:
        """One scan as of `now`; what fails is left for the next scan."""
        expired, expiry_failures = await self._expire_due(now)
        warned, warning_failures = await self._warn_unread(now)
        return RetentionReport(expired, warned, expiry_failures + warning_failures)

    async def run_periodically(self, period_seconds: float, clock: Callable[[], datetime]) -> None:
        """The service's background job: a scan every `period_seconds`, until cancelled."""
        while True:
            try:
                report = await self.run_retention_once(clock())
            except Exception:
                log.exception("retention scan failed; next scan in %.0f s", period_seconds)
            else:
                if report != RetentionReport():
                    log.info(
                        "retention scan: %d expired, %d warned, %d failed",
                        report.expired,
                        report.warned,
                        report.failed,
                    )
            await asyncio.sleep(period_seconds)

    async def _expire_due(self, now: datetime) -> tuple[int, int]:
        done = failed = 0
        for _ in range(MAX_BATCHES_PER_RUN):
            batch = await self.store.due_for_expiry(now, BATCH_SIZE)
            for message in batch:
                if not expiry.due_for_expiry(message, now):
                    continue
                try:
                    await self._expire(message, now)
                except Exception:
                    log.warning("expiry of a message failed; retried next scan", exc_info=True)
                    failed += 1
                else:
                    done += 1
            # A failure stays due: stop rather than fetch it again in this scan.
            if len(batch) < BATCH_SIZE or failed:
                break
        return done, failed

    async def _expire(self, message: Message, now: datetime) -> None:
        details = {"attachments": len(message.attachments)}
        await self.trail.append(
            message.message_id, Record(TrailKind.EXPIRED, rules.EXPIRED_CAUSE, now, details)
        )
        entries = await self.trail.entries(message.message_id)
        expired = rules.entry_with_cause(entries, rules.EXPIRED_CAUSE)
        assert expired is not None
        await self.store.expire_content(message, expired.at)

    async def _warn_unread(self, now: datetime) -> tuple[int, int]:
        warned = failed = 0
        after, until = expiry.warning_window(now, self.policy.warn_before)
        for message in await self.store.unread_expiring(after, until):
            if not expiry.needs_expiry_warning(message, now, self.policy.warn_before):
                continue
            try:
                warned += await self._warn(message, now)
            except Exception:
                log.warning("expiry warning failed; retried next scan", exc_info=True)
                failed += 1
        return warned, failed

    async def _warn(self, message: Message, now: datetime) -> bool:
        if await self.trail.has(message.message_id, rules.EXPIRY_WARNED_CAUSE):
            return False
        event = outbound.message_expiring(message, self.source, now)
        await self.publisher.publish(event, events.MESSAGE_EXPIRING.key(message.sender_oin))
        # Only after the broker confirmed: a crash in between re-publishes the same id.
        warned = Record(
            TrailKind.EXPIRY_WARNED, rules.EXPIRY_WARNED_CAUSE, now, {"event_id": event.id}
        )
        await self.trail.append(message.message_id, warned)
        return True
