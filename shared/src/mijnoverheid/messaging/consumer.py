"""The one way a service consumes: ack after the work, dead-letter poison, retry the transient."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from faststream.rabbit import RabbitMessage
from pydantic import BaseModel, WithJsonSchema

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 5.0


class PoisonMessageError(Exception):
    """The delivery can never be processed (not even a CloudEvent): dead-letter it."""


@dataclass(frozen=True)
class InboundDelivery:
    """What a handler may know of an AMQP delivery: the body and the broker-validated facts."""

    body: bytes
    routing_key: str
    user_id: str | None
    message_id: str | None
    delivery_count: int = 0


def inbound_delivery(message: RabbitMessage) -> InboundDelivery:
    raw = message.raw_message
    headers = raw.headers or {}
    count = headers.get("x-delivery-count", 0)
    return InboundDelivery(
        body=raw.body,
        routing_key=raw.routing_key or "",
        user_id=raw.user_id,
        message_id=raw.message_id,
        delivery_count=count if isinstance(count, int) else 0,
    )


Handler = Callable[[InboundDelivery], Awaitable[None]]


async def process(message: RabbitMessage, handler: Handler, queue: str) -> None:
    """Run `handler`; ack only when it returned, i.e. after its durable write and confirmed publish.

    Log lines name the queue, the AMQP message id and the error type, never the body or the
    error text: both may carry personal data.
    """
    delivery = inbound_delivery(message)
    try:
        await handler(delivery)
    except PoisonMessageError as error:
        logger.warning(
            "dead-lettering unprocessable delivery",
            extra={"queue": queue, "message_id": delivery.message_id, "reason": str(error)},
        )
        await message.reject(requeue=False)
        return
    except Exception as error:
        # Transient (database or broker away): back off a little, then let the broker redeliver.
        # The queue's delivery limit dead-letters a message that keeps failing.
        backoff = min(MAX_BACKOFF_SECONDS, 0.2 * 2**delivery.delivery_count)
        logger.error(
            "processing failed, will be redelivered",
            extra={
                "queue": queue,
                "message_id": delivery.message_id,
                "error_type": type(error).__name__,
                "delivery_count": delivery.delivery_count,
            },
        )
        await asyncio.sleep(backoff)
        await message.nack(requeue=True)
        return
    await message.ack()


async def raw_body(message: RabbitMessage) -> bytes:
    """Decoder that leaves the body alone: handlers parse (and judge) it themselves."""
    return message.body


def documented_as(model: type[BaseModel]) -> WithJsonSchema:
    """Document a raw-bytes body in AsyncAPI with the contract's schema (refs inlined)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return WithJsonSchema(inline(schema))
