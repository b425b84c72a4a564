"""Subscribers: take the delivery off the broker and hand it to its handler, nothing else."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from mijnoverheid.contracts.berichtenbox import MessageDelivered
from mijnoverheid.messaging.consumer import Handler
from mijnoverheid.messaging.subscriptions import subscribe
from mijnoverheid.messaging.topology import NOTIFIER_MESSAGE_DELIVERED


def register(broker: RabbitBroker, on_message_delivered: Handler) -> None:
    subscribe(
        broker,
        NOTIFIER_MESSAGE_DELIVERED,
        on_message_delivered,
        data=MessageDelivered,
        description="A message is in a citizen's Berichtenbox: e-mail the citizen (if they "
        "have a verified address) and report notifier.notification-status.<OIN> to the sender.",
    )
