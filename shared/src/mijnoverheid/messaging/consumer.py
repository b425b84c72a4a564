"""The one way a service consumes: ack after the work, dead-letter poison, retry the transient."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiormq.exceptions
import pymongo.errors
from faststream.rabbit import RabbitMessage
from pydantic import BaseModel, WithJsonSchema

from mijnoverheid import metrics
from mijnoverheid.kernel import BusyError, UnprocessableEventError
from mijnoverheid.messaging.publisher import PublishNotConfirmedError

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 5.0


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


# The infrastructure is away (database unreachable, broker connection or confirm lost): the
# message is fine, so it is not redelivered (which would spend its delivery limit and end in the
# dead-letter queue during an outage) but retried in place until the infrastructure is back.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    pymongo.errors.ConnectionFailure,
    pymongo.errors.ServerSelectionTimeoutError,
    pymongo.errors.NetworkTimeout,
    aiormq.exceptions.AMQPConnectionError,
    aiormq.exceptions.DeliveryError,  # a broker nack, e.g. a full queue pushing back
    PublishNotConfirmedError,
    ConnectionError,
    TimeoutError,
)
MAX_OUTAGE_BACKOFF_SECONDS = 15.0
# Waiting for another worker (BusyError): look again soon, at most this far apart, so that a
# worker that finishes is noticed quickly; give up waiting (and count a failed delivery) after
# the longest wait any holder may take, well below the broker's consumer timeout (30 min).
MAX_WAIT_POLL_SECONDS = 5.0
MAX_WAIT_SECONDS = 600.0


async def process(message: RabbitMessage, handler: Handler, queue: str) -> None:
    """Run `handler`; ack only when it returned, i.e. after its durable write and confirmed publish.

    Log lines name the queue, the AMQP message id and the error type, never the body or the
    error text: both may carry personal data.
    """
    delivery = inbound_delivery(message)
    with metrics.HANDLING_SECONDS.labels(queue).time():
        outcome = await _handle(message, delivery, handler, queue)
    metrics.DELIVERIES.labels(queue, outcome).inc()


async def _handle(
    message: RabbitMessage, delivery: InboundDelivery, handler: Handler, queue: str
) -> str:
    outage_attempts = 0
    waited = _Wait(queue, delivery)
    while True:
        try:
            await handler(delivery)
        except UnprocessableEventError as error:
            logger.warning(
                "dead-lettering unprocessable delivery",
                extra={"queue": queue, "message_id": delivery.message_id, "reason": str(error)},
            )
            await message.reject(requeue=False)
            return metrics.DEAD_LETTERED
        except BusyError as busy:
            if waited.seconds < MAX_WAIT_SECONDS:
                await waited.sleep(busy)
                continue
            await _redeliver_later(message, delivery, queue, busy)
            return metrics.REDELIVERED
        except INFRASTRUCTURE_ERRORS as error:
            outage_attempts += 1
            metrics.OUTAGE_RETRIES.labels(queue).inc()
            logger.warning(
                "infrastructure unavailable, retrying in place",
                extra={
                    "queue": queue,
                    "message_id": delivery.message_id,
                    "error_type": type(error).__name__,
                    "attempt": outage_attempts,
                },
            )
            await asyncio.sleep(min(MAX_OUTAGE_BACKOFF_SECONDS, 0.25 * 2**outage_attempts))
            continue
        except Exception as error:
            await _redeliver_later(message, delivery, queue, error)
            return metrics.REDELIVERED
        await message.ack()
        return metrics.ACKED


@dataclass
class _Wait:
    """Waiting in place for another worker: the delivery stays with us (its delivery count
    unchanged), the handler runs again after a growing pause that never overshoots the time
    the holder named. Expected, so logged once at info level, then at debug."""

    queue: str
    delivery: InboundDelivery
    times: int = 0
    seconds: float = 0.0

    async def sleep(self, busy: BusyError) -> None:
        self.times += 1
        pause = min(busy.retry_after_seconds, MAX_WAIT_POLL_SECONDS, 0.25 * 2 ** (self.times - 1))
        pause = max(pause, 0.05)
        metrics.WAITS.labels(self.queue).inc()
        logger.log(
            logging.INFO if self.times == 1 else logging.DEBUG,
            "held by another worker, waiting in place",
            extra={
                "queue": self.queue,
                "message_id": self.delivery.message_id,
                "delivery_count": self.delivery.delivery_count,
                "wait": self.times,
                "retry_after_seconds": round(busy.retry_after_seconds, 1),
            },
        )
        await asyncio.sleep(pause)
        self.seconds += pause


async def _redeliver_later(
    message: RabbitMessage, delivery: InboundDelivery, queue: str, error: Exception
) -> None:
    """An unexpected error: back off a little, then let the broker redeliver; the queue's
    delivery limit dead-letters a message that keeps failing."""
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
