"""Dead letters on the broker: hold them (taken, not acknowledged) to look at them, replay the
chosen ones to the queue they died in.

Whatever is held and not replayed goes back to its dead-letter queue when the session ends (its
channel closes), unchanged but for the broker's delivery count. A replay is confirmed by the
broker before its dead letter is acknowledged; a crash in between leaves the dead letter in
place, and replaying it again is harmless: every consumer deduplicates by event id.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection

from mijnoverheid.contracts import routing
from mijnoverheid.deadletters.letters import DeadLetter, read, replay_headers
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.connection import ClusterConnection, broker_urls

DEAD_LETTER_QUEUES = tuple(
    queue.dead_letter_name for queues in topology.SERVICE_QUEUES.values() for queue in queues
)
PUBLISH_TIMEOUT_SECONDS = 30.0


class ReplayError(RuntimeError):
    """The broker would not take a replay; its dead letter stays where it is."""


@dataclass(frozen=True)
class Held:
    letter: DeadLetter
    message: AbstractIncomingMessage


@dataclass
class Session:
    connection: AbstractRobustConnection
    _channels: list[AbstractChannel] = field(default_factory=list)
    _confirming: AbstractChannel | None = None

    async def hold(self, queues: Sequence[str], limit: int) -> list[Held]:
        """Up to `limit` dead letters of each of `queues` (a queue that does not exist is
        skipped), taken without acknowledging them."""
        held: list[Held] = []
        for name in queues:
            channel = await self.connection.channel()
            self._channels.append(channel)
            try:
                queue = await channel.get_queue(name, ensure=True)
            except aio_pika.exceptions.ChannelClosed:
                continue  # not declared on this vhost
            for _ in range(limit):
                message = await queue.get(no_ack=False, fail=False)
                if message is None:
                    break
                held.append(Held(_letter(name, message), message))
        return held

    async def replay(self, held: Held) -> None:
        letter, message = held.letter, held.message
        if not letter.routing_key:
            raise ReplayError(f"{letter.id}: no x-death record of its route, cannot replay")
        if self._confirming is None or self._confirming.is_closed:
            # A returned (unroutable) replay must fail, not pass as confirmed.
            self._confirming = await self.connection.channel(
                publisher_confirms=True, on_return_raises=True
            )
        exchange = await self._confirming.get_exchange(routing.REPLAY_EXCHANGE, ensure=False)
        replayed = aio_pika.Message(
            message.body,
            headers=replay_headers(message.headers, (routing.REPLAY_HEADER, letter.queue)),
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            timestamp=message.timestamp,
            app_id=message.app_id,
            # Kept as published: the services check it (the operator is an impersonator).
            user_id=message.user_id,
        )
        try:
            await exchange.publish(
                replayed,
                routing_key=letter.routing_key,
                mandatory=True,
                timeout=PUBLISH_TIMEOUT_SECONDS,
            )
        except (aio_pika.exceptions.AMQPError, TimeoutError) as error:
            raise ReplayError(
                f"{letter.id}: the broker did not take the replay ({error})"
            ) from error
        await message.ack()


@contextlib.asynccontextmanager
async def session(
    amqp_url: str, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[Session]:
    nodes = broker_urls(amqp_url)
    options: dict[str, Any] = {"ssl_context": ssl_context} if ssl_context else {}
    if len(nodes) > 1:
        options["connection_class"] = functools.partial(ClusterConnection, nodes=nodes)
    connection = await aio_pika.connect_robust(nodes[0], **options)
    try:
        yield Session(connection)
    finally:
        await connection.close()  # whatever is still held goes back to its queue


def _letter(queue: str, message: AbstractIncomingMessage) -> DeadLetter:
    return read(
        queue,
        message.body,
        message.headers,
        message_id=message.message_id,
        user_id=message.user_id,
        content_type=message.content_type,
    )
