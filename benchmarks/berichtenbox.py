"""Berichtenbox: N message-sent events from three organisations, until every receipt is in."""

from __future__ import annotations

import asyncio
import json
import time

import aio_pika

from benchmarks.harness import PREFETCH, Result, as_organisations, publish_windowed, sample_rss
from mijnoverheid.contracts import routing
from mijnoverheid.testing.citizens import random_bsn
from mijnoverheid.testing.organisation import message_sent
from mijnoverheid.testing.platform import Platform

ORGANISATIONS = ("belastingdienst", "gemeente-voorbeeldstad", "uwv")
NAME = "berichtenbox ingest→receipt"
SERVICE_PREFETCH = 128  # also the largest write batch


def sample_body() -> bytes:
    return json.dumps(message_sent(_org_placeholder(), random_bsn())).encode()


def _org_placeholder():  # type: ignore[no-untyped-def]
    from mijnoverheid.testing.stack import demo_registry

    return demo_registry().by_broker_user(ORGANISATIONS[0])


async def run(platform: Platform, count: int) -> Result:
    service = platform.service("berichtenbox")
    service.environment["PREFETCH"] = str(SERVICE_PREFETCH)
    await service.start().ready()
    assert service.pid is not None
    received: dict[str, float] = {}
    sent_at: dict[str, float] = {}
    done = asyncio.Event()
    connections = []
    publishers = {}
    for user in ORGANISATIONS:
        organisation = platform.organisation(user)
        connection = await aio_pika.connect(platform.stack.broker_url(user, platform.vhost))
        connections.append(connection)
        listen = await connection.channel()
        await listen.set_qos(prefetch_count=PREFETCH)
        queue = await listen.declare_queue(f"org.{organisation.oin}.bench", exclusive=True)
        await queue.bind(routing.EXCHANGE, routing.MESSAGE_DELIVERED.key(organisation.oin))

        async def on_receipt(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            event_id = json.loads(message.body)["data"]["sent_event_id"]
            received.setdefault(event_id, time.perf_counter())
            await message.ack()
            if len(received) == count:
                done.set()

        await queue.consume(on_receipt)
        channel = await connection.channel(publisher_confirms=True)
        publishers[user] = (organisation, await channel.get_exchange(routing.EXCHANGE))

    publish = as_organisations(publishers, routing.MESSAGE_SENT)

    items = []
    for index in range(count):
        user = ORGANISATIONS[index % len(ORGANISATIONS)]
        event = message_sent(publishers[user][0], random_bsn())
        items.append((f"{user}|{event['id']}", json.dumps(event).encode()))
    samples: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(service.pid, samples, stop))
    published: dict[str, float] = {}
    started = time.perf_counter()
    await publish_windowed(items, publish, published)
    await asyncio.wait_for(done.wait(), timeout=3600)
    seconds = time.perf_counter() - started
    stop.set()
    await sampler
    for connection in connections:
        await connection.close()
    for key, at in published.items():
        sent_at[key.split("|")[1]] = at
    latencies = [received[event_id] - sent_at[event_id] for event_id in received]
    return Result(NAME, count, seconds, latencies, max(samples, default=None), samples)
