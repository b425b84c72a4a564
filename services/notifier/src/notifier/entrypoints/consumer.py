"""Subscribers: take the delivery off the broker and hand it to its handler, nothing else."""

from __future__ import annotations

from typing import Annotated

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage

from mijnoverheid.contracts.berichtenbox import MessageDelivered
from mijnoverheid.contracts.envelope import TypedCloudEvent
from mijnoverheid.messaging.consumer import Handler, documented_as, process, raw_body
from mijnoverheid.messaging.topology import EXCHANGE, NOTIFIER_MESSAGE_DELIVERED


def register(broker: RabbitBroker, on_message_delivered: Handler) -> None:
    queue = NOTIFIER_MESSAGE_DELIVERED

    @broker.subscriber(
        queue.rabbit_queue(),
        EXCHANGE,
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_body,
        title="notifier.message-delivered",
        description=(
            "A message is in a citizen's Berichtenbox: e-mail the citizen (if they have a "
            "verified address) and report notifier.notification-status.<OIN> to the sender."
        ),
    )
    async def message_delivered(
        body: Annotated[bytes, documented_as(TypedCloudEvent[MessageDelivered])],
        message: RabbitMessage,
    ) -> None:
        await process(message, on_message_delivered, queue.name)
