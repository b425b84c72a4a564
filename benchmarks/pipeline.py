"""The raw pipeline: the shape of a service without its business logic, as the denominator.

A stage consumes its queue (the same prefetch as the service), puts the deliveries that
arrive together through the same number of store writes in the same batch sizes (one
`insert_many` per write, behind a Coalescer, as the services' repositories do), optionally
sends one mail per delivery over a pool of SMTP connections, publishes what the service
would publish (confirmed, persistent, mandatory) and acks. Stages chain like the services;
the last one's events are counted. So a scenario's rate against this one says what the
service code costs, and this one against the raw broker what the store costs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import aiosmtplib

from benchmarks.harness import Result, progress, publish_windowed
from mijnoverheid.coalescing import Coalescer
from mijnoverheid.provisioning import ADMIN_USER
from mijnoverheid_testing.platform import Platform

SMALL_DOCUMENT = 400  # bytes: a trail entry, a status change
NAME = "  raw pipeline, same shape"


@dataclass(frozen=True)
class Stage:
    name: str
    writes: int  # insert_many calls per batch of deliveries
    fanout: int = 1  # events published per event consumed (0: the end of the line)
    prefetch: int = 32
    mails: bool = False  # one mail per delivery, like the Notifier
    first_document: int = SMALL_DOCUMENT  # bytes of the first write's documents


@dataclass
class Smtp:
    host: str
    port: int
    pool: int = 4
    _free: asyncio.Queue[aiosmtplib.SMTP] = field(default_factory=asyncio.Queue)

    async def open(self) -> None:
        for _ in range(self.pool):
            client = aiosmtplib.SMTP(hostname=self.host, port=self.port, start_tls=False)
            await client.connect()
            self._free.put_nowait(client)

    async def send(self, message_id: str, body: bytes) -> None:
        client = await self._free.get()
        try:
            # Lines of 76 characters, as a mail's body would be (SMTP refuses over 998).
            lines = b"\r\n".join(body[n : n + 76] for n in range(0, len(body), 76))
            raw = b"Message-ID: <" + message_id.encode() + b"@raw>\r\n\r\n" + lines
            await client.sendmail("raw@mijnoverheid.localhost", ["burger@example.nl"], raw)
        finally:
            self._free.put_nowait(client)

    async def close(self) -> None:
        while not self._free.empty():
            await self._free.get_nowait().quit()


async def beside_raw_pipeline(
    platform: Platform,
    count: int,
    body_size: int,
    stages: Sequence[Stage],
    measured: Callable[[], Awaitable[Result]],
    smtp: Smtp | None = None,
) -> Result:
    """The raw pipeline of the scenario's shape, then the scenario (`measured`) in the same run,
    with the raw pipeline's result as its denominator."""
    raw = await raw_pipeline(platform, NAME, count, body_size, stages, smtp)
    result = await measured()
    result.raw_pipeline = raw
    return result


async def raw_pipeline(
    platform: Platform,
    name: str,
    count: int,
    body_size: int,
    stages: Sequence[Stage],
    smtp: Smtp | None = None,
) -> Result:
    """`count` events through the stages; done when the last stage has consumed them all."""
    url = platform.stack.broker_url(ADMIN_USER, platform.vhost)
    run = uuid.uuid4().hex[:8]
    queues = [f"bench.raw.{run}.{n}" for n in range(len(stages))]
    expected = count
    for stage in stages[:-1]:
        expected *= stage.fanout
    database = platform.mongo[f"raw_{run}"]
    done = asyncio.Event()
    sent_at: dict[str, float] = {}
    ends: dict[str, float] = {}  # event published first → when its last consequence ended
    connection = await aio_pika.connect(url)  # the stages' consumers
    publisher = await aio_pika.connect(url)  # their confirmed publishes
    try:
        confirm = await publisher.channel(publisher_confirms=True)
        exchange = confirm.default_exchange

        async def publish(queue: str, key: str, body: bytes) -> None:
            message = aio_pika.Message(
                body, message_id=key, delivery_mode=aio_pika.DeliveryMode.PERSISTENT
            )
            await exchange.publish(message, routing_key=queue, mandatory=True)

        line = Line(stages, queues, database, publish, smtp, expected, done, sent_at, ends)
        consumers: list[tuple[aio_pika.abc.AbstractQueue, str]] = []
        if smtp:
            await smtp.open()
        for index, stage in enumerate(stages):
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=stage.prefetch)
            queue = await channel.declare_queue(
                queues[index], durable=True, arguments={"x-queue-type": "quorum"}
            )
            consumers.append((queue, await queue.consume(line.consumer(index))))
        body = b"x" * body_size
        items = [(str(n), body) for n in range(count)]
        reporter = asyncio.create_task(progress(name, count, lambda: len(ends)))
        started = time.perf_counter()
        await publish_windowed(
            items, lambda key, payload: publish(queues[0], key, payload), sent_at
        )
        await asyncio.wait_for(done.wait(), timeout=3600)
        seconds = time.perf_counter() - started
        reporter.cancel()
        if line.failure:
            raise RuntimeError(f"{name}: a stage failed") from line.failure
        for queue, tag in consumers:
            await queue.cancel(tag)
            await queue.delete(if_unused=False, if_empty=False)
    finally:
        if smtp:
            await smtp.close()
        await connection.close()
        await publisher.close()
        await platform.mongo.drop_database(database.name)
    latencies = [at - sent_at[origin] for origin, at in ends.items()]
    return Result(
        name, count, seconds, latencies, done_times=[at - started for at in ends.values()]
    )


@dataclass
class Line:
    """The stages' consumers and what they share."""

    stages: Sequence[Stage]
    queues: list[str]
    database: Any
    publish: Callable[[str, str, bytes], Awaitable[None]]
    smtp: Smtp | None
    expected: int  # events the last stage consumes
    done: asyncio.Event
    sent_at: dict[str, float]
    ends: dict[str, float]
    consumed_last: int = 0
    failure: Exception | None = None

    def consumer(
        self, index: int
    ) -> Callable[[aio_pika.abc.AbstractIncomingMessage], Awaitable[None]]:
        stage = self.stages[index]
        collections = [self.database[f"stage{index}_write{n}"] for n in range(stage.writes)]

        async def write(batch: Sequence[bytes]) -> list[None]:
            for n, collection in enumerate(collections):
                size = stage.first_document if n == 0 else SMALL_DOCUMENT
                documents = [{"_id": uuid.uuid4().hex, "data": "x" * size} for _ in batch]
                await collection.insert_many(documents, ordered=False)
            return [None] * len(batch)

        stored = Coalescer(write)
        last = index == len(self.stages) - 1

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            try:
                await handle(message)
            except Exception as error:  # the run cannot finish: end it with the error
                self.failure = error
                self.done.set()
                raise

        async def handle(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            key = str(message.message_id)
            if stage.writes:
                await stored(message.body)
            if stage.mails and self.smtp:
                await self.smtp.send(key, message.body[:2000])
            if last:
                await message.ack()
                self.ends[key.split("/", 1)[0]] = time.perf_counter()
                self.consumed_last += 1
                if self.consumed_last >= self.expected:
                    self.done.set()
                return
            nxt = self.queues[index + 1]
            await asyncio.gather(
                *(self.publish(nxt, f"{key}/{n}", message.body) for n in range(stage.fanout))
            )
            await message.ack()

        return on_message
