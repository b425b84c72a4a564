"""Confirmed, mandatory, persistent publishing of CloudEvents."""

from __future__ import annotations

from typing import Protocol

from aiormq.abc import ConfirmationFrameType
from faststream.rabbit import RabbitBroker
from pamqp.commands import Basic

from mijnoverheid.contracts import routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE, CloudEvent, encode
from mijnoverheid.messaging.topology import EXCHANGE

PUBLISH_TIMEOUT_SECONDS = 30.0


class PublishNotConfirmedError(RuntimeError):
    """The broker did not take responsibility for an event; the caller must not ack its trigger."""


class EventPublisher(Protocol):
    async def publish(self, event: CloudEvent, routing_key: str) -> None: ...


class RabbitEventPublisher:
    """Publishes on the one topic exchange and returns only once the broker has confirmed."""

    def __init__(self, broker: RabbitBroker, user_id: str) -> None:
        self._broker = broker
        # RabbitMQ checks user_id against the connection's user, so receivers can trust it.
        self._user_id = user_id

    async def publish(self, event: CloudEvent, routing_key: str) -> None:
        confirmation = await self._broker.publish(
            encode(event),
            exchange=EXCHANGE,
            routing_key=routing_key,
            mandatory=True,
            persist=True,
            message_id=event.id,
            content_type=CONTENT_TYPE,
            user_id=self._user_id,
            timeout=PUBLISH_TIMEOUT_SECONDS,
        )
        ensure_confirmed(confirmation, routing_key)


def ensure_confirmed(confirmation: ConfirmationFrameType | None, routing_key: str) -> None:
    if not isinstance(confirmation, Basic.Ack):
        raise PublishNotConfirmedError(
            f"publish to {routing.EXCHANGE}/{routing_key} was not confirmed: {type(confirmation)}"
        )
