"""The organisations of a chaos run, as a careful organisation connects: confirmed publishing that
tries again with the same id until the broker confirms (through nacks of a full queue and broker
restarts), and a durable queue of its own for everything MijnOverheid answers it."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection

from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE
from mijnoverheid.identity import Organisation
from mijnoverheid.provisioning import organisation_queue_prefix
from mijnoverheid_testing.stack import Stack

PUBLISH_TIMEOUT_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 2.0


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


class OrganisationLink:
    def __init__(self, stack: Stack, vhost: str, organisation: Organisation, answers: Answers):
        self.organisation = organisation
        self._url = stack.broker_url(organisation.broker_user, vhost) + "?heartbeat=5"
        self._answers = answers
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._channel_lock = asyncio.Lock()
        self.retries = 0  # publishes that had to be repeated (nack, lost connection, timeout)

    @property
    def queue_name(self) -> str:
        return f"{organisation_queue_prefix(self.organisation.oin)}chaos"

    async def open(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url, reconnect_interval=1)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=256)
        queue = await channel.declare_queue(
            self.queue_name, durable=True, arguments={"x-queue-type": "quorum"}
        )
        for route in events.OUTBOUND:
            await queue.bind(routing.EXCHANGE, route.key(self.organisation.oin))
        await queue.consume(self._on_message)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self._answers.add(json.loads(message.body))
        await message.ack()

    async def _publishing_channel(self) -> AbstractChannel:
        async with self._channel_lock:
            if self._channel is None or self._channel.is_closed:
                assert self._connection is not None
                self._channel = await self._connection.channel(publisher_confirms=True)
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
                if attempt % 3 == 0:
                    self._channel = None  # perhaps the channel itself is broken
                await asyncio.sleep(min(MAX_BACKOFF_SECONDS, 0.1 * 2**attempt))

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
