"""Declaring a subscriber the one way every service does.

No `from __future__ import annotations` here: FastStream reads the consumer's annotations at
run time to document the payload in AsyncAPI, and they must be real objects, not strings.
"""

from typing import Annotated

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage
from pydantic import BaseModel

from mijnoverheid.contracts.envelope import TypedCloudEvent
from mijnoverheid.messaging.consumer import documented_as, process, raw_body
from mijnoverheid.messaging.gate import OwnCommands, Subscription
from mijnoverheid.messaging.topology import EXCHANGE, PASSIVE_EXCHANGE


def subscribe(broker: RabbitBroker, subscription: Subscription, *, shared: bool = True) -> None:
    """Consume the subscription's queue through its gate: manual acks (see `process`), raw
    bodies, the payload documented for AsyncAPI. `shared=False`: the service may not configure
    the main exchange, so it is declared passively (topology.declare_topology)."""
    queue = subscription.queue
    schema: type[BaseModel] = subscription.payload
    if not isinstance(subscription, OwnCommands):
        schema = TypedCloudEvent[schema]  # type: ignore[valid-type]
    payload = documented_as(schema)

    async def consume(body: Annotated[bytes, payload]) -> None:
        # The message from FastStream's context, not as a `Context` parameter: FastDepends
        # resolves those on a worker thread, a thread hop per delivery (seen in a profile).
        message: RabbitMessage = broker.context.get_local("message")
        await process(message, subscription, queue.name)

    consume.__name__ = consume.__qualname__ = queue.name.replace(".", "_").replace("-", "_")
    broker.subscriber(
        queue.rabbit_queue(),
        EXCHANGE if shared else PASSIVE_EXCHANGE,
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_body,
        title=queue.name,
        description=subscription.description,
    )(consume)
