"""An organisation asks for the histories of its notifications; it gets its own only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mijnoverheid.contracts import routing
from mijnoverheid.contracts.envelope import event_type
from mijnoverheid.contracts.notifier import (
    MAX_REQUESTED_NOTIFICATIONS,
    SERVICE,
    NotificationStatusRequested,
)
from mijnoverheid.contracts.rejection import Rejected
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import ANY_REGISTERED_SERVICE, Refused, accept_inbound
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.publisher import EventPublisher
from notifier.adapters import outbound
from notifier.domain.notification import Notification
from notifier.ports import NotificationQueries

STATUS_REQUESTED_TYPE = event_type(SERVICE, "notification-status-requested")
_CRITERIA = ("message_id", "case_id", "registration_id", "reference")


class StatusQueryHandler:
    def __init__(
        self,
        *,
        store: NotificationQueries,
        publisher: EventPublisher,
        registry: OrganisationRegistry,
        source: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._registry = registry
        self._source = source
        self._clock = clock

    async def __call__(self, delivery: InboundDelivery) -> None:
        outcome = accept_inbound(
            delivery,
            self._registry,
            ANY_REGISTERED_SERVICE,
            STATUS_REQUESTED_TYPE,
            NotificationStatusRequested,
        )
        if isinstance(outcome, Refused):
            rejected = Rejected(
                reason=outcome.reason,
                detail=outcome.detail,
                rejected_event_id=outcome.event_id,
                rejected_event_type=outcome.event_type,
            )
            report = outbound.status_report(
                outcome.event_id, outcome.sender.oin, [], rejected, self._source, self._clock()
            )
            await self._publisher.publish(
                report, routing.NOTIFICATION_STATUS_REPORT.key(outcome.sender.oin)
            )
            return
        oin = outcome.sender.oin
        found = await self._own(oin, outcome.data)
        records = [
            outbound.record(
                notification, await self._store.overdue_reported_at(notification.notification_id)
            )
            for notification in found
        ]
        report = outbound.status_report(
            outcome.event.id, outcome.event.source, records, None, self._source, self._clock()
        )
        await self._publisher.publish(report, routing.NOTIFICATION_STATUS_REPORT.key(oin))

    async def _own(self, oin: str, request: NotificationStatusRequested) -> list[Notification]:
        found: dict[str, Notification] = {}
        for notification_id in request.notification_ids:
            notification = await self._store.get(notification_id)
            # Another organisation's notification is reported exactly like an unknown one.
            if notification is not None and notification.request.organisation_oin == oin:
                found[notification_id] = notification
        criteria = {name: getattr(request, name) for name in _CRITERIA if getattr(request, name)}
        if criteria:
            for notification in await self._store.find(oin, criteria, MAX_REQUESTED_NOTIFICATIONS):
                found.setdefault(notification.notification_id, notification)
        return list(found.values())[:MAX_REQUESTED_NOTIFICATIONS]
