"""Sending a notification: claim, attempt, record, retry later, report. Shared by the triggers
and the retry queue.

Every state change is a versioned append (see adapters/notifications.py): of several workers
holding the same notification (redelivery, duplicates, competing consumers) only one wins each
step; the others wait in place until it is done or its sending lease has run out
(NotificationBusyError, which does not spend the trigger's delivery limit) or find nothing to do.

Once the relay has answered, that answer is the one thing a rerun cannot learn again: it is
recorded before anything else, retried in place through a database outage for as long as the
sending lease runs (no other worker may take the notification over meanwhile), so that an
outage right after a 250 does not turn into a second mail.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mijnoverheid.contracts import events
from mijnoverheid.faults import failpoint
from mijnoverheid.kernel import citizens_day
from mijnoverheid.messaging.consumer import INFRASTRUCTURE_ERRORS
from mijnoverheid.messaging.publisher import EventPublisher
from notifier.adapters import outbound
from notifier.domain.attempt import RetryPolicy, after_attempt, start_deadline
from notifier.domain.contact import DoNotSend, SendTo, channel_for
from notifier.domain.notification import Notification, State, new_notification
from notifier.domain.request import NotificationRequest
from notifier.ports import (
    ContactDirectory,
    Mailer,
    NotificationBusyError,
    NotificationStore,
    Renderer,
    RetryScheduler,
)

logger = logging.getLogger(__name__)
MAX_RECORD_PAUSE_SECONDS = 5.0
# How long one save may take when the database is away (mijnoverheid.storage's server
# selection timeout): the last try must end, not just start, within the lease.
ONE_SAVE = timedelta(seconds=5)


@dataclass(frozen=True)
class Timing:
    policy: RetryPolicy
    sending_lease: timedelta  # longer than one attempt may take, waits included
    overdue_after: timedelta
    # How long talking to the relay may take (MAIL, RCPT, DATA): an attempt that could not
    # start in time to finish within its lease is not made (see start_deadline).
    transmission: timedelta = timedelta(seconds=90)


@dataclass(frozen=True, kw_only=True)
class Dispatcher:
    store: NotificationStore
    contacts: ContactDirectory
    mailer: Mailer
    renderer: Renderer
    retries: RetryScheduler
    publisher: EventPublisher
    source: str
    timing: Timing
    clock: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # the waits between retries

    async def notify(self, request: NotificationRequest) -> None:
        """A trigger arrived (perhaps not for the first time)."""
        now = self.clock()
        channel = await self._channel(request, now)
        fresh = new_notification(request, now, self.timing.overdue_after)
        if isinstance(channel, DoNotSend):
            fresh = fresh.moved_to(State.NO_CONTACT, now, reason=channel.reason)
        else:  # storing it claimed saves a write: the insert with its unique id is the claim
            fresh = fresh.claimed(now, channel.address)
        stored, new = await self.store.add(fresh)
        if not new:
            await self._resume(stored, after_attempt=None)
            return
        done = await self._attempt(stored, channel) if isinstance(channel, SendTo) else stored
        failpoint("notifier.after-store")
        await self._report(done, since=0)

    async def retry(self, notification_id: str, after_attempt: int) -> None:
        """The delay after attempt `after_attempt` is over."""
        notification = await self.store.get(notification_id)
        if notification is not None:
            await self._resume(notification, after_attempt)

    async def _resume(self, notification: Notification, after_attempt: int | None) -> None:
        loaded = notification.version
        since = loaded
        now = self.clock()
        if notification.status is State.TEMPORARY_FAILURE:
            if after_attempt == notification.attempts:
                notification = await self._claim_and_attempt(notification)
            elif after_attempt is None:
                # A redelivered trigger: the retry may not have been scheduled before a crash.
                await self._schedule(notification)
        elif notification.sending_lease_expired(now, self.timing.sending_lease):
            # The worker that claimed it died before finishing, maybe before reporting what it
            # had recorded: report the whole history (same ids; receivers deduplicate).
            since = 0
            notification = await self._claim_and_attempt(notification)
        elif notification.status is State.SENDING:
            lease_ends = notification.last_change.at + self.timing.sending_lease
            wait = (lease_ends - now).total_seconds()
            raise NotificationBusyError(notification.notification_id, wait)
        if notification.version == loaded:
            # Nothing new: this may be a redelivery after a crash before the report.
            since = 0
        await self._report(notification, since=since)

    async def _channel(self, request: NotificationRequest, now: datetime) -> SendTo | DoNotSend:
        """Where the mail would go now, asked afresh at each attempt (an address or a
        preference may have changed, and a reminder's day may have come)."""
        contact = await self.contacts.find(request.recipient_bsn)
        return channel_for(request, contact, citizens_day(now))

    async def _claim_and_attempt(self, notification: Notification) -> Notification:
        now = self.clock()
        channel = await self._channel(notification.request, now)
        if isinstance(channel, DoNotSend):
            changed = notification.moved_to(State.NO_CONTACT, now, reason=channel.reason)
            await self._save(changed, notification.version)
            return changed
        claimed = notification.claimed(now, channel.address)
        await self._save(claimed, notification.version)
        return await self._attempt(claimed, channel)

    async def _attempt(self, claimed: Notification, channel: SendTo) -> Notification:
        email = self.renderer.notification(claimed.request, channel.language)
        failpoint("notifier.after-claim")  # mid-send: claimed, the relay's answer not stored
        start_by = start_deadline(
            claimed.last_change.at, self.timing.sending_lease, self.timing.transmission
        )
        outcome = await self.mailer.send(
            channel.address, email, claimed.notification_id, start_by=start_by
        )
        done = after_attempt(claimed, outcome, self.clock(), self.timing.policy)
        await self._record_answer(done, claimed)
        if done.status is State.TEMPORARY_FAILURE:
            await self._schedule(done)
        return done

    async def _record_answer(self, done: Notification, claimed: Notification) -> None:
        lease_ends = claimed.last_change.at + self.timing.sending_lease
        pause = 0.25
        while True:
            try:
                await self._save(done, claimed.version)
                return
            except INFRASTRUCTURE_ERRORS as error:
                # Past the lease another worker may claim it and send again: from then on
                # the documented at-least-once window, handled like any outage.
                if self.clock() + timedelta(seconds=pause) + ONE_SAVE >= lease_ends:
                    raise
                logger.warning(
                    "recording the relay's answer: database unavailable, retrying",
                    extra={"error_type": type(error).__name__},
                )
                await self.sleep(pause)
                pause = min(MAX_RECORD_PAUSE_SECONDS, pause * 2)

    async def _schedule(self, notification: Notification) -> None:
        attempts = notification.attempts
        level = self.timing.policy.delay_level(attempts)
        await self.retries.schedule(notification.notification_id, attempts, level)

    async def _save(self, notification: Notification, expected_version: int) -> None:
        if not await self.store.save(notification, expected_version):
            raise NotificationBusyError(notification.notification_id)

    async def _report(self, notification: Notification, since: int) -> None:
        key = events.NOTIFICATION_STATUS.key(notification.request.organisation_oin)
        for event in outbound.status_events(notification, self.source, since):
            await self.publisher.publish(event, key)
