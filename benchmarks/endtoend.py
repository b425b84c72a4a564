"""End to end: N message-sent, through the Berichtenbox and the Notifier, to mails accepted by
an SMTP sink and every resulting event consumed: the receipts and the notification statuses by
the organisations, the statuses in the messages' trails, every queue empty.

The rate counts from the first publish until the last queue drained (the first moment every
service queue was seen empty with all mails and statuses in; the broker's management API then
confirms nothing was in flight, and the trails are counted). Latency per message: publish →
its mail accepted. Each queue's depth is sampled every second and printed, so the slowest
consumer shows. Beside it, in the same run, the raw pipeline of the same shape.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import aio_pika

from benchmarks.cpu import CpuMeter
from benchmarks.harness import PREFETCH, Result, as_organisations, progress, publish_windowed
from benchmarks.notifier import Sink, smtp_sink
from benchmarks.pipeline import Smtp, Stage, beside_raw_pipeline
from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import derived_event_id, source_for
from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid.provisioning import ADMIN_USER
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.drained import drained
from mijnoverheid_testing.organisation import message_sent
from mijnoverheid_testing.platform import Platform
from notifier.domain.notification import notification_id_for

ORGANISATIONS = ("belastingdienst", "gemeente-voorbeeldstad", "uwv")
NAME = "end to end: sent→mail, all recorded"
BERICHTENBOX_SOURCE = source_for("00000001234567890000", "berichtenbox")
STATUSES_PER_MESSAGE = 3  # created, sending, sent
TRAIL_PER_MESSAGE = 2 + STATUSES_PER_MESSAGE  # submitted, stored, and the statuses
QUEUES = [
    queue.name for service in ("berichtenbox", "notifier") for queue in SERVICE_QUEUES[service]
]
# The raw pipeline of the same shape: the Berichtenbox's three writes and a receipt, the
# Notifier's two writes, a mail and three statuses, the trail's two writes per status.
RAW_STAGES = (
    Stage("message-sent", writes=3, fanout=1, prefetch=128, first_document=1500),
    Stage("message-delivered", writes=2, fanout=STATUSES_PER_MESSAGE, prefetch=256, mails=True),
    Stage("notification-status", writes=2, fanout=0, prefetch=128),
)


def sample_body() -> bytes:
    return json.dumps(message_sent(_organisations()[0], random_bsn())).encode()


def _organisations() -> list[Any]:
    from mijnoverheid_testing.stack import demo_registry

    registry = demo_registry()
    return [registry.by_broker_user(user) for user in ORGANISATIONS]


async def run(platform: Platform, count: int) -> Result:
    with smtp_sink() as (sink, host, port):
        return await beside_raw_pipeline(
            platform,
            count,
            1500,
            RAW_STAGES,
            lambda: _run(platform, sink, host, port, count),
            Smtp(host, port),
        )


async def _run(platform: Platform, sink: Sink, host: str, port: int, count: int) -> Result:
    users = {user: platform.organisation(user) for user in ORGANISATIONS}
    citizens = {user: [random_bsn() for _ in range(count // len(users) + 1)] for user in users}
    everyone = dict.fromkeys(bsn for bsns in citizens.values() for bsn in bsns)  # (no repeats)
    now = datetime.now(UTC)
    contacts = [
        {"_id": bsn, "email": f"burger-{bsn}@example.nl", "verified_at": now, "language": "nl"}
        for bsn in everyone
    ]
    await platform.database("notifier").contact_details.insert_many(contacts)
    berichtenbox = platform.service("berichtenbox")
    berichtenbox.environment["PREFETCH"] = "128"
    await berichtenbox.start().ready()
    for user, bsns in citizens.items():  # (the Berichtenbox answers when it knows them)
        await platform.enrol(bsns, user)
    notifier = platform.service("notifier").start(
        SMTP_HOST=host, SMTP_PORT=str(port), SMTP_POOL_SIZE="4", SMTP_RATE_LIMIT="0", PREFETCH="256"
    )
    await notifier.ready()

    assert berichtenbox.pid is not None
    assert notifier.pid is not None
    services = {"berichtenbox": berichtenbox.pid, "notifier": notifier.pid}
    meter = CpuMeter.of(services, platform.stack.mongodb_url)
    statuses: list[float] = []
    connections, publishers = await _organisations_listening(platform, users, statuses)
    items, mail_of = [], {}
    for n in range(count):
        user = ORGANISATIONS[n % len(ORGANISATIONS)]
        event = message_sent(publishers[user][0], citizens[user][n // len(ORGANISATIONS)])
        delivered = derived_event_id(event["source"], event["id"], events.MESSAGE_DELIVERED.event)
        mail_of[notification_id_for(BERICHTENBOX_SOURCE, delivered)] = f"{user}|{event['id']}"
        items.append((f"{user}|{event['id']}", json.dumps(event).encode()))
    sink.expect(count)
    depths: dict[str, list[tuple[float, int]]] = {name: [] for name in QUEUES}
    reporter = asyncio.create_task(progress(NAME, count, lambda: sink.count))
    published: dict[str, float] = {}
    meter.start()
    started = time.perf_counter()
    monitor = asyncio.create_task(_sample_depths(platform, depths, started))
    await publish_windowed(items, as_organisations(publishers, events.MESSAGE_SENT), published)
    finished_at = await _all_done(sink, statuses, count, depths, started)
    meter.stop()
    monitor.cancel()
    reporter.cancel()
    await drained(platform.stack, platform.vhost, timeout=600)  # nothing was in flight
    trail = await platform.database("berichtenbox").trail.count_documents({})
    for connection in connections:
        await connection.close()
    assert trail == TRAIL_PER_MESSAGE * count, (
        f"trails incomplete: {trail} of {TRAIL_PER_MESSAGE * count}"
    )
    seconds = finished_at - started
    accepted = {key: at for key, at in sink.accepted.items() if key in mail_of}
    latencies = [at - published[mail_of[key]] for key, at in accepted.items()]
    times = sorted(at - started for at in accepted.values())
    result = Result(NAME, count, seconds, latencies, done_times=times, queue_depths=depths)
    result.cpu = meter.used
    print(meter.report(seconds))
    return result


async def _organisations_listening(
    platform: Platform, users: dict[str, Any], statuses: list[float]
) -> tuple[list[aio_pika.abc.AbstractConnection], Any]:
    """Each organisation publishes, and consumes its receipts and notification statuses."""
    connections: list[aio_pika.abc.AbstractConnection] = []
    publishers: dict[str, Any] = {}
    lock = threading.Lock()

    async def consume(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        if message.routing_key and message.routing_key.startswith("notifier.notification-status"):
            with lock:
                statuses.append(time.perf_counter())
        await message.ack()

    for user, organisation in users.items():
        connection = await aio_pika.connect(platform.stack.broker_url(user, platform.vhost))
        connections.append(connection)
        listen = await connection.channel()
        await listen.set_qos(prefetch_count=PREFETCH)
        queue = await listen.declare_queue(f"org.{organisation.oin}.bench-e2e", exclusive=True)
        for route in (events.MESSAGE_DELIVERED, events.NOTIFICATION_STATUS):
            await queue.bind(routing.EXCHANGE, route.key(organisation.oin))
        await queue.consume(consume)
        channel = await connection.channel(publisher_confirms=True)
        publishers[user] = (organisation, await channel.get_exchange(routing.EXCHANGE))
    return connections, publishers


async def _sample_depths(
    platform: Platform, depths: dict[str, list[tuple[float, int]]], started: float
) -> None:
    """Each service queue's ready messages, once a second (a passive declare: no lag)."""
    url = platform.stack.broker_url(ADMIN_USER, platform.vhost)
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel()
        while True:
            at = time.perf_counter() - started
            for name in depths:
                queue = await channel.declare_queue(name, passive=True)
                depths[name].append((at, queue.declaration_result.message_count or 0))
            await asyncio.sleep(1.0)


async def _all_done(
    sink: Sink,
    statuses: list[float],
    count: int,
    depths: dict[str, list[tuple[float, int]]],
    started: float,
) -> float:
    """When all mails and statuses were in and every service queue had been seen empty."""
    while True:
        complete = sink.count >= count and len(statuses) >= STATUSES_PER_MESSAGE * count
        latest = [samples[-1] for samples in depths.values() if samples]
        if complete and latest and all(depth == 0 for _, depth in latest):
            return started + max(at for at, _ in latest)
        await asyncio.sleep(0.2)


def print_depths(depths: dict[str, list[tuple[float, int]]]) -> None:
    busy = [name for name, samples in depths.items() if any(depth for _, depth in samples)]
    if not busy:
        return
    every = max(1.0, depths[busy[0]][-1][0] / 25)  # about 25 rows
    print("  queue depth (ready messages) over time, s:")
    print("  " + " " * 6 + "".join(f"{name:>38}" for name in busy))
    shown = -every
    for index, (at, _) in enumerate(depths[busy[0]]):
        if at - shown >= every:
            shown = at
            print(
                f"  {at:6.0f}"
                + "".join(
                    f"{depths[name][index][1]:>38}" for name in busy if index < len(depths[name])
                )
            )
