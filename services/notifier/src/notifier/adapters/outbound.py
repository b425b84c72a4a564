"""Notifier outcomes as contract events, with deterministic ids."""

from __future__ import annotations

from mijnoverheid.contracts import notifier as contract
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, event_type, new_event
from notifier.domain.notification import Notification

NOTIFICATION_STATUS_TYPE = event_type(contract.SERVICE, "notification-status")


def notification_status(notification: Notification, source: str) -> CloudEvent:
    change = notification.last_change
    data = contract.NotificationStatus(
        notification_id=notification.notification_id,
        trigger_event_id=notification.trigger_event_id,
        trigger_event_type=notification.trigger_event_type,
        message_id=notification.message_id,
        reference=notification.reference,
        status=change.status,
        occurred_at=change.at,
        smtp_reply=change.smtp_reply,
    )
    return new_event(
        source=source,
        type_=NOTIFICATION_STATUS_TYPE,
        data=data,
        id_=derived_event_id(notification.notification_id, "status", change.status.value),
        time=change.at,
    )
