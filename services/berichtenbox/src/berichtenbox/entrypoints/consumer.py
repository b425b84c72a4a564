"""Subscribers: take the delivery off the broker and hand it to its handler, nothing else."""

from __future__ import annotations

from typing import Annotated

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage

from mijnoverheid.contracts.berichtenbox import MessageSent
from mijnoverheid.contracts.envelope import TypedCloudEvent
from mijnoverheid.messaging.consumer import Handler, documented_as, process, raw_body
from mijnoverheid.messaging.topology import BERICHTENBOX_MESSAGE_SENT, EXCHANGE


def register(broker: RabbitBroker, on_message_sent: Handler) -> None:
    queue = BERICHTENBOX_MESSAGE_SENT

    @broker.subscriber(
        queue.rabbit_queue(),
        EXCHANGE,
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_body,
        title="berichtenbox.message-sent",
        description=(
            "An organisation sends a message to a citizen's Berichtenbox. Answered with "
            "berichtenbox.message-delivered.<OIN> or berichtenbox.message-rejected.<OIN>."
        ),
    )
    async def message_sent(
        body: Annotated[bytes, documented_as(TypedCloudEvent[MessageSent])], message: RabbitMessage
    ) -> None:
        await process(message, on_message_sent, queue.name)
