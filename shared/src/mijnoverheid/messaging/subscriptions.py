"""Declaring a subscriber the one way every service does.

No `from __future__ import annotations` here: FastStream reads the consumer's annotations at
run time to document the payload in AsyncAPI, and they must be real objects, not strings.
"""

from typing import Annotated

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage
from pydantic import BaseModel

from mijnoverheid.contracts.envelope import TypedCloudEvent
from mijnoverheid.messaging.consumer import Handler, documented_as, process, raw_body
from mijnoverheid.messaging.topology import EXCHANGE, WorkQueue


def subscribe(
    broker: RabbitBroker,
    queue: WorkQueue,
    handler: Handler,
    *,
    data: type[BaseModel],
    description: str,
) -> None:
    """Consume `queue` with `handler`: manual acks (see `process`), raw bodies, documented."""
    payload = documented_as(TypedCloudEvent[data])  # type: ignore[valid-type]

    async def consume(body: Annotated[bytes, payload], message: RabbitMessage) -> None:
        await process(message, handler, queue.name)

    consume.__name__ = consume.__qualname__ = queue.name.replace(".", "_").replace("-", "_")
    broker.subscriber(
        queue.rabbit_queue(),
        EXCHANGE,
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_body,
        title=queue.name,
        description=description,
    )(consume)
