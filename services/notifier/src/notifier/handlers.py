"""One function per trigger: decide, save, send, emit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from mijnoverheid.contracts import routing
from mijnoverheid.contracts.berichtenbox import MessageDelivered
from mijnoverheid.contracts.envelope import CloudEvent, event_type
from mijnoverheid.contracts.notifier import NotificationState, SmtpReply
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
    NotificationBusyError,
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
        if not notification.is_final():
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
        """Claim the notification, send at most once per claim, record the outcome.

        The claim is a versioned write: of several deliveries of one trigger (redelivery,
        competing consumers) only one sends; the others come back when it has finished.
        """
        if not notification.may_send(self._clock()):
            raise NotificationBusyError(notification.notification_id)
        address = await self._contacts.verified_email(notification.recipient_bsn)
        if address is None:
            return await self._record(notification, NotificationState.NO_CONTACT)
        claimed = await self._record(notification, NotificationState.SENDING)
        email = new_message_email(claimed, self._portal_url)
        try:
            reply = await self._mailer.send(address, email, claimed.notification_id)
        except PermanentSendError as refused:
            return await self._record(claimed, NotificationState.PERMANENT_FAILURE, refused.reply)
        return await self._record(claimed, NotificationState.SENT, reply)

    async def _record(
        self,
        notification: Notification,
        status: NotificationState,
        reply: SmtpReply | None = None,
    ) -> Notification:
        changed = notification.moved_to(status, self._clock(), reply)
        if not await self._store.save(changed, expected_version=notification.version):
            raise NotificationBusyError(notification.notification_id)
        return changed
