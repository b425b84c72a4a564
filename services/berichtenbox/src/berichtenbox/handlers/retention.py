"""The retention scan: remove expired content, warn before an unread message expires, and
remind once of a message left unread (never on the warning's day: domain/reminder.py).

The work comes in units (mijnoverheid.timed_work: the messages under one storage key);
replicas share them, each unit held by one replica at a time, and read in bounded pages
without bodies, so a million messages expiring together neither fill a process's memory nor
get read twice. Safe to repeat after a crash: each step is either a plain set of the same
values or decided once by the trail's unique (message, cause) key, and a unit is marked done
only when all of it was read to the end, succeeded, and has nothing left that comes due later
(a message stored under its hour with an earlier setting of the warning or reminder days).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from berichtenbox.adapters import outbound
from berichtenbox.domain import expiry
from berichtenbox.domain import mailbox as rules
from berichtenbox.domain import reminder as reminders
from berichtenbox.domain.message import Message, RetentionPolicy
from berichtenbox.domain.reminder import ReminderPolicy
from berichtenbox.domain.trail import TrailKind
from berichtenbox.ports import MessageStore, Record, RetentionTask, RetentionWork, Trail
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.routing import EventRoute
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.timed_work import WorkUnit, pass_over

log = logging.getLogger(__name__)


class Step(Enum):
    """What a step did with one message of a unit."""

    ACTED = "acted"
    NOTHING = "nothing"  # nothing to do, now or later
    LATER = "later"  # not due yet: the unit stays open until it is


@dataclass(frozen=True)
class Pass:
    acted: int
    failed: int
    finished: bool  # read to the end, nothing left for later


@dataclass(frozen=True)
class RetentionReport:
    expired: int = 0
    warned: int = 0
    failed: int = 0
    reminded: int = 0


@dataclass(frozen=True)
class RetentionJob:
    store: MessageStore
    trail: Trail
    publisher: EventPublisher
    policy: RetentionPolicy
    source: str
    work: RetentionWork
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)

    async def run_retention_once(self, now: datetime) -> RetentionReport:
        """One scan as of `now`; what fails is left for the next scan."""
        expired, expiry_failures = await self._run(RetentionTask.EXPIRE, now, self._expire)
        warned, warning_failures = await self._run(RetentionTask.WARN, now, self._warn)
        reminded, reminder_failures = await self._run(RetentionTask.REMIND, now, self._remind)
        failed = expiry_failures + warning_failures + reminder_failures
        return RetentionReport(expired, warned, failed, reminded)

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
                        "retention scan: %d expired, %d warned, %d reminded, %d failed",
                        report.expired,
                        report.warned,
                        report.reminded,
                        report.failed,
                    )
            await asyncio.sleep(period_seconds)

    async def _run(
        self,
        task: RetentionTask,
        now: datetime,
        step: Callable[[Message, datetime], Awaitable[Step]],
    ) -> tuple[int, int]:
        done = failed = 0
        units = await self.work.open_units(task, now)
        for unit in units:
            if not await self.work.hold(unit):
                continue  # another replica has it
            result = await self._pass(unit, now, step)
            done, failed = done + result.acted, failed + result.failed
            finished = result.finished and not result.failed
            await self.work.release(unit, done=unit.closed and finished)
        await self.work.advance(task, now, units)
        return done, failed

    async def _pass(
        self, unit: WorkUnit, now: datetime, step: Callable[[Message, datetime], Awaitable[Step]]
    ) -> Pass:
        pages = self.store.retention_pages(unit)
        passed = await pass_over(self.work, unit, pages, lambda message: step(message, now))
        failures = passed.failures
        for failure in failures[:1]:
            log.warning("retention of a message failed; retried next scan", exc_info=failure)
        acted = sum(outcome is Step.ACTED for outcome in passed.outcomes)
        finished = passed.complete and Step.LATER not in passed.outcomes
        return Pass(acted, len(failures), finished)

    async def _expire(self, message: Message, now: datetime) -> Step:
        if not expiry.due_for_expiry(message, now):
            return Step.NOTHING
        details = {"attachments": len(message.attachments)}
        await self.trail.append(
            message.message_id, Record(TrailKind.EXPIRED, rules.EXPIRED_CAUSE, now, details)
        )
        entries = await self.trail.entries(message.message_id)
        expired = rules.entry_with_cause(entries, rules.EXPIRED_CAUSE)
        assert expired is not None
        await self.store.expire_content(message, expired.at)
        return Step.ACTED

    async def _warn(self, message: Message, now: datetime) -> Step:
        if not expiry.needs_expiry_warning(message, now, self.policy.warn_before):
            later = expiry.warning_later(message, now, self.policy.warn_before)
            return Step.LATER if later else Step.NOTHING
        event = outbound.message_expiring(message, self.source, now)
        warned = (TrailKind.EXPIRY_WARNED, rules.EXPIRY_WARNED_CAUSE)
        await self._notice(message, now, event, events.MESSAGE_EXPIRING, *warned)
        await self.store.mark_warned(message.message_id, now)
        return Step.ACTED

    async def _remind(self, message: Message, now: datetime) -> Step:
        policy, warn_before = self.reminders, self.policy.warn_before
        if not reminders.needs_unread_reminder(message, now, policy, warn_before):
            later = reminders.reminder_later(message, now, policy, warn_before)
            return Step.LATER if later else Step.NOTHING
        # The id is derived from the message: however often this runs (two replicas, a crash
        # before the mark), it is one event, and the Notifier mails once per trigger.
        event = outbound.message_left_unread(message, self.source, now, warn_before)
        reminded = (TrailKind.UNREAD_REMINDED, rules.UNREAD_REMINDED_CAUSE)
        await self._notice(message, now, event, events.MESSAGE_LEFT_UNREAD, *reminded)
        await self.store.mark_reminded(message.message_id, now)
        return Step.ACTED

    async def _notice(
        self,
        message: Message,
        now: datetime,
        event: CloudEvent,
        route: EventRoute,
        kind: TrailKind,
        cause: str,
    ) -> None:
        """Publish a notice about the message (a Notifier trigger), then record it in the
        trail: only after the broker confirmed, so a crash in between re-publishes the same id
        and the trail's (message, cause) key records it once."""
        await self.publisher.publish(event, route.key(message.sender_oin))
        notice = Record(kind, cause, now, {"event_id": event.id})
        await self.trail.append(message.message_id, notice)
