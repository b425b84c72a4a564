"""Notifier: N message-delivered triggers → N mails accepted by a local aiosmtpd sink.

Rate: mails accepted per second. Latency: trigger published → mail accepted by the sink.
Beside it, in the same run and against the same sink, the raw rate of aiosmtplib sending the
same mails over the same number of pooled, persistent connections (no broker, no database,
no templates): the ceiling the Notifier is measured against (target: at least 50 %).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import aio_pika
import aiosmtplib
from aiosmtpd.controller import Controller

from benchmarks.harness import Result, progress, publish_windowed, sample_rss
from benchmarks.pipeline import Smtp, Stage, beside_raw_pipeline
from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE, source_for, utc_now
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.smtp import free_port
from notifier.adapters.smtp import build_message, return_path
from notifier.adapters.templates import TemplateRenderer
from notifier.domain.contact import Language
from notifier.domain.notification import notification_id_for
from notifier.domain.request import NotificationRequest, Template
from notifier.settings import DEV_BOUNCE_SECRET, NotifierSettings

SECRET = DEV_BOUNCE_SECRET.encode()  # the same work per mail as the service does

NAME = "notifier trigger→accepted"
POOL_SIZE = 4
BELASTINGDIENST_OIN = "00000001003214345000"
BERICHTENBOX_SOURCE = source_for("00000001234567890000", "berichtenbox")
FROM = "noreply@mijnoverheid.localhost"
# Its raw pipeline: two writes per batch (the notification, its outcome), a mail, and three
# statuses published per trigger, consumed by the organisation.
RAW_STAGES = (
    Stage("message-delivered", writes=2, fanout=3, prefetch=256, mails=True),
    Stage("statuses", writes=0, fanout=0),
)


class Sink:
    """Accepts every mail and notes when, by its Message-ID (the notification id)."""

    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}
        self.count = 0
        self._lock = threading.Lock()
        self.enough = threading.Event()
        self.expected = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        at = time.perf_counter()
        content = envelope.original_content or envelope.content or b""
        head = content.split(b"\r\n\r\n", 1)[0]
        message_id = ""
        for line in head.split(b"\r\n"):
            if line[:11].lower() == b"message-id:":
                message_id = line[11:].strip().decode().strip("<>").split("@")[0]
        with self._lock:
            self.accepted.setdefault(message_id, at)
            self.count += 1
            if self.count >= self.expected:
                self.enough.set()
        return "250 2.0.0 OK queued"

    def expect(self, count: int) -> None:
        with self._lock:
            self.accepted.clear()
            self.count = 0
            self.expected = count
            self.enough.clear()


def delivered(bsn: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": BERICHTENBOX_SOURCE,
        "type": "nl.mijnoverheid.berichtenbox.message-delivered",
        "time": utc_now().isoformat(),
        "data": {
            "message_id": str(uuid.uuid4()),
            "sent_event_id": str(uuid.uuid4()),
            "sender_oin": BELASTINGDIENST_OIN,
            "reference": "KENMERK-BENCH",
            "recipient_bsn": bsn,
            "legal_effect": True,
            "kind": "aanslag",
            "deadline": "2026-06-01",
            "delivered_at": utc_now().isoformat(),
        },
    }


def sample_body() -> bytes:
    return json.dumps(delivered(random_bsn())).encode()


def same_mails(count: int) -> list[tuple[str, str, bytes]]:
    """(return path, recipient, message) as the Notifier renders them."""
    renderer = TemplateRenderer("https://mijn.overheid.nl")
    request = NotificationRequest(
        Template.MESSAGE_DELIVERED, BERICHTENBOX_SOURCE, "e", "t", BELASTINGDIENST_OIN,
        "Belastingdienst", "999993653", legal_effect=True, kind="aanslag",
    )  # fmt: skip
    email = renderer.notification(request, Language.NL)
    mails = []
    for index in range(count):
        notification_id = str(uuid.uuid4())
        to = f"burger-{index}@example.nl"
        raw = build_message(FROM, to, email, notification_id)
        mails.append((return_path(notification_id, "mijnoverheid.localhost", SECRET), to, raw))
    return mails


async def raw_smtp_rate(host: str, port: int, sink: Sink, count: int) -> Result:
    mails = same_mails(count)
    sink.expect(count)
    queue: asyncio.Queue[tuple[str, str, bytes]] = asyncio.Queue()
    for mail in mails:
        queue.put_nowait(mail)
    latencies: list[float] = []

    async def worker() -> None:
        client = aiosmtplib.SMTP(hostname=host, port=port, start_tls=False)
        await client.connect()
        while not queue.empty():
            sender, to, raw = queue.get_nowait()
            started = time.perf_counter()
            await client.sendmail(sender, [to], raw)
            latencies.append(time.perf_counter() - started)
        await client.quit()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(POOL_SIZE)))
    seconds = time.perf_counter() - started
    return Result(f"raw aiosmtplib ({POOL_SIZE} conns)", count, seconds, latencies)


async def verified_citizens(platform: Platform, count: int) -> list[str]:
    """Citizens with a verified address, written straight into the Notifier's database."""
    bsns = [random_bsn() for _ in range(count)]
    now = datetime.now(UTC)
    documents = [
        {"_id": bsn, "email": f"burger-{i}@example.nl", "verified_at": now, "language": "nl"}
        for i, bsn in enumerate(dict.fromkeys(bsns))
    ]
    await platform.database("notifier").contact_details.insert_many(documents)
    return bsns


@contextmanager
def smtp_sink() -> Iterator[tuple[Sink, str, int]]:
    """A local SMTP server on a free port that accepts every mail into a Sink."""
    sink = Sink()
    host, port = "127.0.0.1", free_port("127.0.0.1")
    controller = Controller(sink, hostname=host, port=port)
    controller.start()
    try:
        yield sink, host, port
    finally:
        controller.stop()


async def run(platform: Platform, count: int) -> Result:
    with smtp_sink() as (sink, host, port):
        raw = await raw_smtp_rate(host, port, sink, count)
        sink.expect(10**12)  # the raw pipeline's mails are not waited for by the sink
        result = await beside_raw_pipeline(
            platform, count, len(sample_body()), RAW_STAGES,
            lambda: _notifier_run(platform, sink, host, port, count), Smtp(host, port, POOL_SIZE),
        )  # fmt: skip
    print(raw.line(None))
    print(f"  {result.rate / raw.rate:.1%} of raw aiosmtplib")
    return result


async def _notifier_run(platform: Platform, sink: Sink, host: str, port: int, count: int) -> Result:
    bsns = await verified_citizens(platform, count)
    service = platform.service("notifier").start(
        SMTP_HOST=host,
        SMTP_PORT=str(port),
        SMTP_POOL_SIZE=str(POOL_SIZE),
        SMTP_RATE_LIMIT="0",
        # The Notifier's own default (the test platform would otherwise set 16).
        PREFETCH=str(NotifierSettings.model_fields["prefetch"].default),
    )
    await service.ready()
    assert service.pid is not None
    triggers = [delivered(bsn) for bsn in bsns]
    by_notification = {notification_id_for(e["source"], e["id"]): e["id"] for e in triggers}
    sink.expect(count)
    url = platform.stack.broker_url("berichtenbox", platform.vhost)
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(routing.EXCHANGE)

        async def publish(key: str, body: bytes) -> None:
            message = aio_pika.Message(
                body,
                content_type=CONTENT_TYPE,
                message_id=key,
                user_id="berichtenbox",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            )
            routing_key = events.MESSAGE_DELIVERED.key(BELASTINGDIENST_OIN)
            await exchange.publish(message, routing_key=routing_key, mandatory=True)

        samples: list[float] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(service.pid, samples, stop))
        sent_at: dict[str, float] = {}
        reporter = asyncio.create_task(progress(NAME, count, lambda: sink.count))
        started = time.perf_counter()
        items = [(event["id"], json.dumps(event).encode()) for event in triggers]
        await publish_windowed(items, publish, sent_at)
        await asyncio.to_thread(sink.enough.wait, 3600)
        seconds = time.perf_counter() - started
        reporter.cancel()
        stop.set()
        await sampler
    latencies = [
        at - sent_at[by_notification[notification_id]]
        for notification_id, at in sink.accepted.items()
        if notification_id in by_notification
    ]
    result = Result(NAME, count, seconds, latencies, max(samples, default=None), samples)
    result.done_times = sorted(at - started for at in sink.accepted.values())
    return result
