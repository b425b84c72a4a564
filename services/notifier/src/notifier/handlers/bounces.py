"""A delivery status report arrived at the bounce endpoint: update the notification.

Answers are SMTP replies to the reporting relay: 250 when done (or nothing to do), 451 when
the report overtook our own record of the send or another worker was first (the relay tries
again later, as relays do).

A report counts only when it comes to a notification's signed return path (`bounces+<id>.<tag>`,
adapters/smtp.py). Anyone who has seen a notification mail knows its id, so a report to an
unsigned or wrongly signed address, or naming the notification by envelope id only, could be
forged: it is accepted (250, like any other, so the sender learns nothing about the tag) and
dropped. Nothing here logs an address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mijnoverheid.contracts import events
from mijnoverheid.messaging.publisher import EventPublisher
from notifier.adapters import outbound
from notifier.adapters.dsn import (
    addressed_to_a_notification,
    delivery_reports,
    notification_id_of,
)
from notifier.domain.attempt import DeliveryReport, ReportTooEarlyError, after_report
from notifier.domain.notification import Notification, State
from notifier.ports import ContactDirectory, NotificationStore

logger = logging.getLogger(__name__)

DONE = "250 2.0.0 Report processed"
IGNORED = "250 2.0.0 Not a delivery status report; ignored"
LATER = "451 4.3.0 Try again later"


@dataclass(frozen=True, kw_only=True)
class BounceHandler:
    store: NotificationStore
    contacts: ContactDirectory
    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]
    bounce_secret: bytes

    async def __call__(self, recipients: list[str], raw: bytes) -> str:
        verified = (notification_id_of(recipient, self.bounce_secret) for recipient in recipients)
        named = next(filter(None, verified), None)
        reports = delivery_reports(raw, named)
        if not reports:
            return IGNORED
        if named is None:
            if any(map(addressed_to_a_notification, recipients)):
                logger.warning("report to a return path without a valid signature dropped")
            else:  # e.g. about a verification mail, which names no notification
                logger.info("report to the plain return path dropped")
            return DONE
        for report in reports:
            notification = await self.store.get(named)
            if notification is None:
                logger.warning("report about an unknown notification")
                continue
            if not await self._apply(notification, report):
                return LATER
        return DONE

    async def _apply(self, notification: Notification, report: DeliveryReport) -> bool:
        try:
            changed = after_report(notification, report, self.clock())
        except ReportTooEarlyError:
            return False
        since = notification.version
        if changed is None:
            if notification.status not in (State.DELIVERED, State.BOUNCED):
                return True  # e.g. "delayed": the relay keeps trying
            changed, since = notification, 0  # again after a crash: finish, report again
        elif not await self.store.save(changed, notification.version):
            return False
        address, sent_at = notification.last_address, notification.last_sent_at
        if report.hard_bounce and changed.status is State.BOUNCED and address and sent_at:
            await self.contacts.mark_undeliverable(
                notification.request.recipient_bsn, address, sent_at
            )
        key = events.NOTIFICATION_STATUS.key(notification.request.organisation_oin)
        for event in outbound.status_events(changed, self.source, since):
            await self.publisher.publish(event, key)
        return True
