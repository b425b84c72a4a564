"""The organisations of a chaos run, as a careful organisation connects: confirmed publishing that
tries again with the same id until the broker confirms (through nacks of a full queue and broker
restarts), and a durable queue of its own for everything MijnOverheid answers it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractIncomingMessage,
    TimeoutType,
)

from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE
from mijnoverheid.identity import Organisation
from mijnoverheid.messaging.connection import broker_urls
from mijnoverheid.provisioning import organisation_queue_prefix
from mijnoverheid_testing.stack import Stack

PUBLISH_TIMEOUT_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 5.0
CONSUMER_CHECK_SECONDS = 5.0


class Answers:
    """Everything the organisations received, by event id, with how often each id arrived."""

    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.copies: Counter[str] = Counter()
        self.last_arrival = time.monotonic()

    def add(self, event: dict[str, Any]) -> None:
        self.copies[event["id"]] += 1
        self.events.setdefault(event["id"], event)
        self.last_arrival = time.monotonic()

    def of_type(self, suffix: str) -> list[dict[str, Any]]:
        return [e for e in self.events.values() if e["type"].endswith(f".{suffix}")]

    @property
    def redelivered(self) -> int:
        """Arrivals of an id seen before: at-least-once transport, deduplicated by receivers."""
        return sum(count - 1 for count in self.copies.values())


class _Connection(aio_pika.Connection):
    """Closed at once when its connect fails or is cancelled (by the publish's timeout, say):
    left to the garbage collector, aio-pika would close it outside the event loop, a warning
    in the middle of the progress bar."""

    async def connect(self, timeout: TimeoutType = None) -> None:
        try:
            await super().connect(timeout)
        except BaseException:
            with contextlib.suppress(Exception):
                await self.close()
            raise


class OrganisationLink:
    """Two connections of its own, each rebuilt whenever it is lost: one consuming the
    organisation's queue (also when the broker cancels the consumer, as a restarting quorum
    queue does), one publishing. To a cluster, each connection goes to the next node that
    answers (`first`: where the organisation starts, so that organisations spread)."""

    def __init__(
        self,
        stack: Stack,
        vhost: str,
        organisation: Organisation,
        answers: Answers,
        first: int = 0,
    ):
        self.organisation = organisation
        url = stack.broker_url(organisation.broker_user, vhost) + "?heartbeat=5"
        self._nodes = broker_urls(url)
        self._next = first % len(self._nodes)
        self._answers = answers
        self._publisher: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._channel_lock = asyncio.Lock()
        self._consuming: asyncio.Task[None] | None = None
        self._consumer_ready = asyncio.Event()
        self.retries = 0  # publishes that had to be repeated (nack, lost connection, timeout)

    @property
    def queue_name(self) -> str:
        return f"{organisation_queue_prefix(self.organisation.oin)}chaos"

    async def open(self) -> None:
        self._consuming = asyncio.create_task(self._consume_forever())
        await asyncio.wait_for(self._consumer_ready.wait(), timeout=60)

    async def close(self) -> None:
        if self._consuming is not None:
            self._consuming.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._consuming
        if self._publisher is not None:
            with contextlib.suppress(Exception):
                await self._publisher.close()

    async def _consume_forever(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self._consume_once()
            await asyncio.sleep(1.0)

    async def _connect(self) -> AbstractConnection:
        """To the nodes in turn, starting with the one after the node used last."""
        failure: Exception | None = None
        for _ in self._nodes:
            url, self._next = self._nodes[self._next], (self._next + 1) % len(self._nodes)
            try:
                return await aio_pika.connect(url, timeout=10, connection_class=_Connection)
            except Exception as error:  # refused, timed out, the node still booting: the next
                failure = error
        assert failure is not None
        raise failure

    async def _consume_once(self) -> None:
        async with await self._connect() as connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=256)
            queue = await channel.declare_queue(
                self.queue_name, durable=True, arguments={"x-queue-type": "quorum"}
            )
            for route in events.OUTBOUND:
                await queue.bind(routing.EXCHANGE, route.key(self.organisation.oin))
            await queue.consume(self._on_message)
            self._consumer_ready.set()
            while not connection.is_closed:  # until it is lost, or the consumer is gone
                await asyncio.sleep(CONSUMER_CHECK_SECONDS)
                declared = await queue.channel.declare_queue(self.queue_name, passive=True)
                if (declared.declaration_result.consumer_count or 0) < 1:
                    return

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self._answers.add(json.loads(message.body))
        await message.ack()

    async def _publishing_channel(self) -> AbstractChannel:
        async with self._channel_lock:
            if self._publisher is None or self._publisher.is_closed:
                self._publisher = await self._connect()
                self._channel = None
            if self._channel is None or self._channel.is_closed:
                self._channel = await self._publisher.channel(publisher_confirms=True)
            return self._channel

    async def publish(self, body: bytes, event_id: str, routing_key: str) -> None:
        """Publish until the broker confirms; every repeat carries the same id and body."""
        attempt = 0
        while True:
            try:
                await asyncio.wait_for(
                    self._publish_once(body, event_id, routing_key), PUBLISH_TIMEOUT_SECONDS
                )
                return
            except Exception:  # a nack (full queue), a lost connection, a timeout: again
                attempt += 1
                self.retries += 1
                # aio-pika may not mark a connection the broker dropped as closed: start over.
                await self._discard(connection=attempt > 1)
                await asyncio.sleep(min(MAX_BACKOFF_SECONDS, 0.1 * 2**attempt))

    async def _discard(self, *, connection: bool) -> None:
        async with self._channel_lock:
            self._channel = None
            if connection and self._publisher is not None:
                publisher, self._publisher = self._publisher, None
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(publisher.close(), 5)

    async def _publish_once(self, body: bytes, event_id: str, routing_key: str) -> None:
        channel = await self._publishing_channel()
        exchange = await channel.get_exchange(routing.EXCHANGE, ensure=False)
        message = aio_pika.Message(
            body,
            content_type=CONTENT_TYPE,
            message_id=event_id,
            user_id=self.organisation.broker_user,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await exchange.publish(message, routing_key, mandatory=True)

    async def ask(self, route: routing.EventRoute, event: dict[str, Any]) -> None:
        key = route.key(self.organisation.oin)
        await self.publish(json.dumps(event).encode(), str(event["id"]), key)
