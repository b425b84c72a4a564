"""notification-status from the Notifier: append it to the message's trail."""

from __future__ import annotations

from pydantic import ValidationError

from berichtenbox.domain.trail import TrailKind
from berichtenbox.ports import MessageStore, Trail
from mijnoverheid.contracts.envelope import CloudEvent, event_type
from mijnoverheid.contracts.notifier import NotificationStatus
from mijnoverheid.messaging.consumer import InboundDelivery, PoisonMessageError

NOTIFICATION_STATUS_TYPE = event_type("notifier", "notification-status")


class NotificationStatusHandler:
    def __init__(self, *, store: MessageStore, trail: Trail, trusted_publisher: str) -> None:
        self._store = store
        self._trail = trail
        self._trusted_publisher = trusted_publisher

    async def __call__(self, delivery: InboundDelivery) -> None:
        if delivery.user_id != self._trusted_publisher:
            raise PoisonMessageError("notification-status not published by the Notifier")
        try:
            event = CloudEvent.model_validate_json(delivery.body)
            status = NotificationStatus.model_validate(event.data)
        except ValidationError as error:
            raise PoisonMessageError("notification-status does not match its contract") from error
        if event.type != NOTIFICATION_STATUS_TYPE or status.message_id is None:
            return  # about a case or a registration: not ours to record
        message = await self._store.by_id(status.message_id)
        if message is None:
            return
        details: dict[str, str | int | None] = {
            "status": status.status.value,
            "notification_id": status.notification_id,
        }
        if status.sequence is not None:
            # The Notifier's own order: several changes can share one timestamp.
            details["sequence"] = status.sequence
        if status.smtp_reply is not None:
            details["smtp_code"] = status.smtp_reply.code
        await self._trail.append(
            TrailKind.NOTIFICATION,
            message.message_id,
            f"notification:{event.id}",
            at=status.occurred_at,
            details=details,
        )
