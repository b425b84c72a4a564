"""Subscribers: take the delivery off the broker and hand it to its handler, nothing else."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from mijnoverheid.contracts.berichtenbox import MessageSent, MessageStatusRequested
from mijnoverheid.contracts.notifier import NotificationStatus
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.consumer import Handler
from mijnoverheid.messaging.subscriptions import subscribe


def register(
    broker: RabbitBroker,
    *,
    on_message_sent: Handler,
    on_notification_status: Handler,
    on_status_requested: Handler,
) -> None:
    subscribe(
        broker,
        topology.BERICHTENBOX_MESSAGE_SENT,
        on_message_sent,
        data=MessageSent,
        description="An organisation sends a message to a citizen's Berichtenbox. Answered "
        "with berichtenbox.message-delivered.<OIN> or berichtenbox.message-rejected.<OIN>.",
    )
    subscribe(
        broker,
        topology.BERICHTENBOX_NOTIFICATION_STATUS,
        on_notification_status,
        data=NotificationStatus,
        description="The Notifier's status of a notification about a message: appended to "
        "that message's trail.",
    )
    subscribe(
        broker,
        topology.BERICHTENBOX_MESSAGE_STATUS_REQUESTED,
        on_status_requested,
        data=MessageStatusRequested,
        description="An organisation asks about its own messages. Answered with "
        "berichtenbox.message-status.<OIN>.",
    )
