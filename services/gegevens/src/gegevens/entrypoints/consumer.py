"""Subscribers: take the delivery off the broker and hand it to its handler, nothing else."""

from __future__ import annotations

from typing import Annotated

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage

from mijnoverheid.contracts.envelope import TypedCloudEvent
from mijnoverheid.contracts.gegevens import RegistrationChanged, RegistrationRemoved
from mijnoverheid.messaging.consumer import Handler, documented_as, process, raw_body
from mijnoverheid.messaging.topology import (
    EXCHANGE,
    GEGEVENS_REGISTRATION_CHANGED,
    GEGEVENS_REGISTRATION_REMOVED,
)

_ANSWERS = (
    " Refused events are answered with gegevens.event-rejected.<OIN>; a newer version in a "
    "register the organisation registry marks for notification emits "
    "gegevens.registration-recorded.<OIN>, the Notifier's trigger."
)


def register(broker: RabbitBroker, on_changed: Handler, on_removed: Handler) -> None:
    changed_queue = GEGEVENS_REGISTRATION_CHANGED
    removed_queue = GEGEVENS_REGISTRATION_REMOVED

    @broker.subscriber(
        changed_queue.rabbit_queue(),
        EXCHANGE,
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_body,
        title="gegevens.registration-changed",
        description=(
            "An organisation reports how a citizen is registered in one of its registers: "
            "facts, validity moment and where to have it changed. The latest valid_from wins."
            + _ANSWERS
        ),
    )
    async def registration_changed(
        body: Annotated[bytes, documented_as(TypedCloudEvent[RegistrationChanged])],
        message: RabbitMessage,
    ) -> None:
        await process(message, on_changed, changed_queue.name)

    @broker.subscriber(
        removed_queue.rabbit_queue(),
        EXCHANGE,
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_body,
        title="gegevens.registration-removed",
        description=(
            "An organisation reports that a citizen is no longer registered under a key; "
            "ordered among the changes by its valid_from." + _ANSWERS
        ),
    )
    async def registration_removed(
        body: Annotated[bytes, documented_as(TypedCloudEvent[RegistrationRemoved])],
        message: RabbitMessage,
    ) -> None:
        await process(message, on_removed, removed_queue.name)
