"""An organisation asks for the histories of its notifications; it gets its own only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mijnoverheid.contracts import events
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.processing_log import activities
from mijnoverheid.processing_log.recorder import ProcessingLog, record_query
from notifier.adapters import outbound
from notifier.domain.notification import Notification
from notifier.ports import NotificationQueries

MAX_REQUESTED_NOTIFICATIONS = 100


@dataclass(frozen=True)
class AskNotifications:
    request_event_id: str
    request_source: str
    asker_oin: str
    notification_ids: tuple[str, ...]
    # message_id, case_id, registration_id or reference → the value to look for.
    criteria: dict[str, str]


@dataclass(frozen=True)
class StatusQueryHandler:
    store: NotificationQueries
    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]
    processing_log: ProcessingLog

    async def __call__(self, question: AskNotifications) -> None:
        found = await self._own(question)
        bsns = [notification.request.recipient_bsn for notification in found]
        action, source = activities.NOTIFICATION_STATUS_QUERIED, question.request_source
        await record_query(self.processing_log, action, question.asker_oin, source, bsns)
        records = [
            outbound.record(
                notification, await self.store.overdue_reported_at(notification.notification_id)
            )
            for notification in found
        ]
        report = outbound.status_report(
            question.request_event_id,
            question.request_source,
            records,
            None,
            self.source,
            self.clock(),
        )
        await self.publisher.publish(
            report, events.NOTIFICATION_STATUS_REPORT.key(question.asker_oin)
        )

    async def _own(self, question: AskNotifications) -> list[Notification]:
        oin = question.asker_oin
        found: dict[str, Notification] = {}
        for notification_id in question.notification_ids:
            notification = await self.store.get(notification_id)
            # Another organisation's notification is reported exactly like an unknown one.
            if notification is not None and notification.request.organisation_oin == oin:
                found[notification_id] = notification
        if question.criteria:
            for notification in await self.store.find(
                oin, question.criteria, MAX_REQUESTED_NOTIFICATIONS
            ):
                found.setdefault(notification.notification_id, notification)
        return list(found.values())[:MAX_REQUESTED_NOTIFICATIONS]
