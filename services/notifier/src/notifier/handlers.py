"""One function per trigger: decide, save, send, emit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from mijnoverheid.contracts import routing
from mijnoverheid.contracts.berichtenbox import MessageDelivered
from mijnoverheid.contracts.envelope import CloudEvent, event_type
from mijnoverheid.contracts.notifier import NotificationState
from mijnoverheid.faults import failpoint
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.consumer import InboundDelivery, PoisonMessageError
from mijnoverheid.messaging.publisher import EventPublisher
from notifier.adapters import outbound
from notifier.domain.email import new_message_email
from notifier.domain.notification import Notification, StatusChange, notification_id_for
from notifier.ports import (
    ContactDirectory,
    Mailer,
    NotificationStore,
    PermanentSendError,
)

MESSAGE_DELIVERED_TYPE = event_type("berichtenbox", "message-delivered")


class MessageDeliveredHandler:
    def __init__(
        self,
        *,
        store: NotificationStore,
        contacts: ContactDirectory,
        mailer: Mailer,
        publisher: EventPublisher,
        registry: OrganisationRegistry,
        trusted_publisher: str,
        source: str,
        portal_url: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._contacts = contacts
        self._mailer = mailer
        self._publisher = publisher
        self._registry = registry
        self._trusted_publisher = trusted_publisher
        self._source = source
        self._portal_url = portal_url
        self._clock = clock

    async def __call__(self, delivery: InboundDelivery) -> None:
        event, data = self._parse(delivery)
        notification_id = notification_id_for(event.source, event.id)
        notification = await self._store.get(notification_id)
        if notification is None:
            notification = await self._store.add(self._create(notification_id, event, data))
        if notification.status in (NotificationState.CREATED, NotificationState.SENDING):
            notification = await self._send(notification)
            failpoint("notifier.after-store")
        status = outbound.notification_status(notification, self._source)
        await self._publisher.publish(
            status, routing.NOTIFICATION_STATUS.key(notification.organisation_oin)
        )

    def _parse(self, delivery: InboundDelivery) -> tuple[CloudEvent, MessageDelivered]:
        # Only the Berichtenbox may trigger: anything else is a fault for ops, not for a citizen.
        if delivery.user_id != self._trusted_publisher:
            raise PoisonMessageError("message-delivered not published by the Berichtenbox")
        try:
            event = CloudEvent.model_validate_json(delivery.body)
            if event.type != MESSAGE_DELIVERED_TYPE:
                raise PoisonMessageError(f"unexpected event type {event.type}")
            return event, MessageDelivered.model_validate(event.data)
        except ValidationError as error:
            raise PoisonMessageError("message-delivered does not match its contract") from error

    def _create(
        self, notification_id: str, event: CloudEvent, data: MessageDelivered
    ) -> Notification:
        organisation = self._registry.by_oin(data.sender_oin)
        return Notification(
            notification_id=notification_id,
            trigger_source=event.source,
            trigger_event_id=event.id,
            trigger_event_type=event.type,
            organisation_oin=data.sender_oin,
            organisation_name=organisation.name if organisation else "een overheidsorganisatie",
            recipient_bsn=data.recipient_bsn,
            message_id=data.message_id,
            reference=data.reference,
            legal_effect=data.legal_effect,
            kind=data.kind,
            deadline=data.deadline,
            history=(StatusChange(NotificationState.CREATED, self._clock()),),
        )

    async def _send(self, notification: Notification) -> Notification:
        address = await self._contacts.verified_email(notification.recipient_bsn)
        if address is None:
            notification = notification.moved_to(NotificationState.NO_CONTACT, self._clock())
            await self._store.save(notification)
            return notification
        if notification.status is NotificationState.CREATED:
            notification = notification.moved_to(NotificationState.SENDING, self._clock())
            await self._store.save(notification)
        email = new_message_email(notification, self._portal_url)
        try:
            reply = await self._mailer.send(address, email, notification.notification_id)
        except PermanentSendError as refused:
            notification = notification.moved_to(
                NotificationState.PERMANENT_FAILURE, self._clock(), refused.reply
            )
        else:
            notification = notification.moved_to(NotificationState.SENT, self._clock(), reply)
        await self._store.save(notification)
        return notification
