"""The shared benchmark harness.

Every scenario runs on a fresh vhost of the real broker and the real database, and is put
beside the raw rate of the same broker measured in the same run: persistent, confirmed
publish → consume → ack of bodies of the same size, without business logic.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika

from mijnoverheid.contracts import routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE
from mijnoverheid.contracts.routing import EventRoute
from mijnoverheid.identity import Organisation
from mijnoverheid.provisioning import ADMIN_USER
from mijnoverheid_testing.platform import Platform

PUBLISH_WINDOW = 256  # unconfirmed publishes in flight, for the raw run and the scenarios alike
PREFETCH = 32  # the services' default prefetch


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    peak_rss_mib: float | None = None
    rss_samples_mib: list[float] = field(default_factory=list)
    done_times: list[float] = field(default_factory=list)  # seconds from the first publish
    raw_pipeline: Result | None = None  # the same shape without business logic, same run
    queue_depths: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per part (cpu.py)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def line(self, baseline: Result | None) -> str:
        """The figures, with the rate against the raw broker (`baseline`) and against the raw
        pipeline of the same shape."""

        def ratio(other: Result | None) -> str:
            return f"{self.rate / other.rate:8.1%}" if other and other.rate else "     n/a"

        rss = f"{self.peak_rss_mib:7.1f}" if self.peak_rss_mib is not None else "    n/a"
        return (
            f"{self.name:<36} {self.count:>8} {self.rate:>9.0f}/s {ratio(baseline)} "
            f"{ratio(self.raw_pipeline)} {self.percentile(0.5) * 1000:>9.1f} "
            f"{self.percentile(0.99) * 1000:>9.1f} {rss}"
        )

    def summary(self) -> dict[str, object]:
        """For the figures file (docs/performance/bench.json)."""
        return {
            "name": self.name,
            "count": self.count,
            "seconds": self.seconds,
            "rate": self.rate,
            "p50": self.percentile(0.5),
            "p99": self.percentile(0.99),
            "peak_rss_mib": self.peak_rss_mib,
            "latencies": sorted(self.latencies),
            "done_times": sorted(self.done_times),
            "raw_pipeline": self.raw_pipeline.summary() if self.raw_pipeline else None,
            "queue_depths": self.queue_depths,
            "cpu": self.cpu,
        }


HEADER = (
    f"{'scenario':<36} {'count':>8} {'rate':>11} {'vs broker':>8} {'vs pipe':>8} "
    f"{'p50 ms':>9} {'p99 ms':>9} {'peak RSS MiB':>12}"
)


async def publish_windowed(
    items: list[tuple[str, bytes]],
    publish: Callable[[str, bytes], Awaitable[None]],
    sent_at: dict[str, float],
) -> None:
    """Publish with at most PUBLISH_WINDOW unconfirmed messages in flight."""
    window = asyncio.Semaphore(PUBLISH_WINDOW)

    async def one(key: str, body: bytes) -> None:
        async with window:
            sent_at[key] = time.perf_counter()
            await publish(key, body)

    await asyncio.gather(*(one(key, body) for key, body in items))


async def raw_broker_rate(platform: Platform, count: int, body_size: int) -> Result:
    url = platform.stack.broker_url(ADMIN_USER, platform.vhost)
    queue_name = f"bench.raw.{uuid.uuid4().hex[:8]}"
    body = b"x" * body_size
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()
    async with await aio_pika.connect(url) as consumer_connection:
        consume_channel = await consumer_connection.channel()
        await consume_channel.set_qos(prefetch_count=PREFETCH)
        queue = await consume_channel.declare_queue(
            queue_name, durable=True, arguments={"x-queue-type": "quorum"}
        )

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            latencies.append(time.perf_counter() - sent_at[str(message.message_id)])
            await message.ack()
            if len(latencies) == count:
                done.set()

        tag = await queue.consume(on_message)
        async with await aio_pika.connect(url) as publisher_connection:
            channel = await publisher_connection.channel(publisher_confirms=True)

            async def publish(key: str, payload: bytes) -> None:
                message = aio_pika.Message(
                    payload, message_id=key, delivery_mode=aio_pika.DeliveryMode.PERSISTENT
                )
                await channel.default_exchange.publish(
                    message, routing_key=queue_name, mandatory=True
                )

            started = time.perf_counter()
            items = [(str(index), body) for index in range(count)]
            await publish_windowed(items, publish, sent_at)
            await asyncio.wait_for(done.wait(), timeout=600)
            seconds = time.perf_counter() - started
        await queue.cancel(tag)
        await queue.delete(if_unused=False, if_empty=False)
    return Result("raw broker (publish→ack)", count, seconds, latencies)


async def progress(name: str, total: int, done: Callable[[], int]) -> None:
    """How far a run is, on stderr until cancelled: a line redrawn every second on a terminal,
    a line every ten seconds otherwise."""
    started, terminal = time.perf_counter(), sys.stderr.isatty()
    try:
        while True:
            await asyncio.sleep(1.0 if terminal else 10.0)
            count, elapsed = done(), time.perf_counter() - started
            text = f"  {name:<36} {count:>8}/{total:<8} {count / elapsed:8.0f}/s {elapsed:6.0f} s"
            sys.stderr.write("\r" + text if terminal else text + "\n")
            sys.stderr.flush()
    except asyncio.CancelledError:
        if terminal:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()
        raise


def completion_times(finished: dict[str, float], started: float) -> list[float]:
    return sorted(at - started for at in finished.values())


def rss_mib(pid: int, field_name: str = "VmRSS") -> float | None:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return None


async def sample_rss(pid: int, samples: list[float], stop: asyncio.Event) -> None:
    """Resident memory every second, to show whether it stays flat over a long run."""
    while not stop.is_set():
        value = rss_mib(pid)
        if value is not None:
            samples.append(value)
        try:
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        except TimeoutError:
            continue


def summary_of_memory(result: Result) -> str:
    samples = result.rss_samples_mib
    if len(samples) < 4:
        return ""
    quarter = max(1, len(samples) // 4)
    first, last = statistics.mean(samples[:quarter]), statistics.mean(samples[-quarter:])
    return f"  RSS first quarter {first:.1f} MiB, last quarter {last:.1f} MiB ({result.name})"


def machine() -> str:
    cpus = os.cpu_count()
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return f"{cpus} CPUs, {int(memory) // 1024 // 1024} GiB RAM"


Publishers = dict[str, tuple[Organisation, aio_pika.abc.AbstractExchange]]


def as_organisations(
    publishers: Publishers, route: EventRoute
) -> Callable[[str, bytes], Awaitable[None]]:
    """Publish a body keyed "<broker user>|<event id>" as that organisation would."""

    async def publish(key: str, body: bytes) -> None:
        user, event_id = key.split("|", 1)
        organisation, exchange = publishers[user]
        message = aio_pika.Message(
            body,
            content_type=CONTENT_TYPE,
            message_id=event_id,
            user_id=organisation.broker_user,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await exchange.publish(message, routing_key=route.key(organisation.oin), mandatory=True)

    return publish


async def start_service(platform: Platform, name: str, prefetch: int) -> int:
    """Start the service under test; returns its pid (for the memory samples)."""
    service = platform.service(name)
    service.environment["PREFETCH"] = str(prefetch)
    await service.start().ready()
    assert service.pid is not None
    return service.pid


async def connect_organisations(
    platform: Platform,
    users: Sequence[str],
    answers: EventRoute,
    on_answer: Callable[[dict[str, Any]], None],
) -> tuple[list[aio_pika.abc.AbstractConnection], Publishers]:
    """Connect as each organisation: a confirm channel to publish on, and a queue on its own
    `answers` key whose events go to `on_answer`."""
    connections: list[aio_pika.abc.AbstractConnection] = []
    publishers: Publishers = {}

    async def consume(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        on_answer(json.loads(message.body))
        await message.ack()

    for user in users:
        organisation = platform.organisation(user)
        connection = await aio_pika.connect(platform.stack.broker_url(user, platform.vhost))
        connections.append(connection)
        listen = await connection.channel()
        await listen.set_qos(prefetch_count=PREFETCH)
        queue = await listen.declare_queue(f"org.{organisation.oin}.bench", exclusive=True)
        await queue.bind(routing.EXCHANGE, answers.key(organisation.oin))
        await queue.consume(consume)
        channel = await connection.channel(publisher_confirms=True)
        publishers[user] = (organisation, await channel.get_exchange(routing.EXCHANGE))
    return connections, publishers
