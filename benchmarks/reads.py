"""The reads over a seeded store (benchmarks/seed.py), through the services' own adapters and
handlers, p50/p99: `python -m benchmarks.reads --url ... [--samples 200]`.

Citizen- and organisation-facing reads (each must stay under 100 ms p99 at 1,000,000
messages): a citizen's inbox (first page, unread first: the unread page, then read ones to
fill it), opening a message (marked read: the trail and the read report's outbox, as the
API does), the cases overview, the registrations overview, an organisation asking for the
status of 20 of its messages. Background jobs: one pass of the retention scan and of the
overdue check at the seed's moment (the first pass over a fresh seed has its due slice to
do; later passes measure what a scan costs when nothing more is due).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Awaitable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from benchmarks.seeding.berichtenbox_docs import message_of
from benchmarks.seeding.population import NOW, ORGANISATIONS, Citizen, citizen
from berichtenbox.adapters.messages import MessageRepository
from berichtenbox.adapters.outbox import MongoReadReportOutbox
from berichtenbox.adapters.retention_work import retention_work
from berichtenbox.adapters.signing import Ed25519ReceiptSigner
from berichtenbox.adapters.trail import TrailRepository
from berichtenbox.domain.mailbox import ListingCriteria
from berichtenbox.domain.message import RetentionPolicy
from berichtenbox.domain.status import AskStatus
from berichtenbox.handlers.citizen import Mailbox
from berichtenbox.handlers.read_reports import ReadReporter
from berichtenbox.handlers.retention import RetentionJob
from berichtenbox.handlers.status_query import MessageStatusQueryHandler
from berichtenbox.settings import DEV_RECEIPT_KEY
from gegevens.adapters.mongo import RegistrationRepository
from gegevens.entrypoints.views import in_overview_order
from mijnoverheid.contracts.envelope import CloudEvent, source_for
from mijnoverheid.processing_log import open_processing_log
from mijnoverheid.processing_log.settings import ProcessingLogSettings
from mijnoverheid.settings import Environment
from mijnoverheid.storage import Document
from mijnoverheid_testing.stack import demo_registry
from notifier.adapters.notifications import NotificationRepository, overdue_work
from notifier.handlers.overdue import OverdueScanner
from zaken.adapters.mongo import CaseRepository

PAGE = 20
LIMIT_MS = 100.0  # every citizen- and organisation-facing read, p99, at 1,000,000 messages
SOURCE = source_for("00000001234567890000", "berichtenbox")


class Discard:
    """An EventPublisher that confirms at once (the broker is not what is measured here)."""

    async def publish(self, event: CloudEvent, routing_key: str) -> None:
        return None


@dataclass
class Read:
    name: str
    facing: bool  # a citizen or an organisation waits for it
    millis: list[float] = field(default_factory=list)
    note: str = ""

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.millis)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0

    def line(self) -> str:
        p50, p99 = self.percentile(0.5), self.percentile(0.99)
        verdict = ("ok" if p99 < LIMIT_MS else "OVER 100 ms") if self.facing else ""
        figures = f"{len(self.millis):>5} {p50:>9.1f} {p99:>9.1f}"
        return f"  {self.name:<44} {figures}  {verdict} {self.note}"


async def timed(read: Read, call: Awaitable[Any]) -> Any:
    """Await the call (a coroutine, which runs only now) and note how long it took."""
    started = time.perf_counter()
    result = await call
    read.millis.append((time.perf_counter() - started) * 1000)
    return result


class Reads:
    def __init__(self, client: AsyncMongoClient[Document], suffix: str) -> None:
        box, zaken = client[f"berichtenbox{suffix}"], client[f"zaken{suffix}"]
        self.messages, self.trail = MessageRepository(box), TrailRepository(box)
        reporter = ReadReporter(
            MongoReadReportOutbox(box), self.messages, self.trail, Discard(), SOURCE, lambda: NOW
        )
        signer = Ed25519ReceiptSigner.from_file(DEV_RECEIPT_KEY)
        self.mailbox = Mailbox(self.messages, self.trail, reporter, lambda: NOW, signer)
        self.cases = CaseRepository(zaken)
        self.registrations = RegistrationRepository(client[f"gegevens{suffix}"])
        # The status query records what it tells in the processing log, as in production.
        log_settings = ProcessingLogSettings(mijnoverheid_environment=Environment.DEVELOPMENT)
        processing_log = open_processing_log("berichtenbox", box, log_settings, lambda: NOW)
        self.status = MessageStatusQueryHandler(
            self.messages, self.trail, Discard(), SOURCE, lambda: NOW, processing_log
        )
        self.retention = RetentionJob(
            self.messages, self.trail, Discard(), RetentionPolicy(), SOURCE, retention_work(box)
        )
        notifier = client[f"notifier{suffix}"]
        self.overdue = OverdueScanner(
            store=NotificationRepository(notifier),
            work=overdue_work(notifier),
            publisher=Discard(),
            source=SOURCE,
            clock=lambda: NOW,
            interval_seconds=60,
        )
        self.registry = demo_registry()

    async def inbox(self, bsn: str) -> int:
        """The first page of the inbox as the portal asks for it: unread first."""
        criteria = ListingCriteria(order="unread-first")
        page, _ = await self.mailbox.listing(bsn, criteria, skip=0, limit=PAGE)
        return len(page)

    async def registrations_page(self, bsn: str) -> int:
        listed = in_overview_order(await self.registrations.listed_for(bsn), self.registry)
        return len(await self.registrations.versions_of(listed[:PAGE]))

    async def ask_status(self, who: Citizen, rng: random.Random) -> None:
        sender = rng.choice(ORGANISATIONS)
        ids = [message_of(who, m).message_id for m in who.messages if m.sender_oin == sender]
        ids = (ids + [f"unknown-{n}" for n in range(PAGE)])[:PAGE]
        await self.status(AskStatus("bench", "urn:bench", sender, tuple(ids), include_trail=True))


async def measure(url: str, suffix: str, samples: int, scans: int) -> dict[str, Any]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(url, tz_aware=True)
    try:
        seeded = await client[f"bench_seed{suffix}"]["progress"].find_one({"_id": "progress"})
        if seeded is None:
            raise SystemExit(f"{url} holds no seeded store (suffix {suffix!r}): run make seed")
        reads, rng = Reads(client, suffix), random.Random(42)
        people = [citizen(rng.randrange(seeded["citizens"])) for _ in range(samples)]
        heaviest = max(
            (citizen(n) for n in range(min(seeded["citizens"], 3000))),
            key=lambda c: len(c.messages),
        )
        results = [
            Read("inbox: first page, unread first", True),
            Read(
                "inbox of the heaviest citizen", True, note=f"({len(heaviest.messages)} messages)"
            ),
            Read("open a message (marked read)", True),
            Read("cases overview, first page", True),
            Read("registrations overview, first page", True),
            Read("organisation: status of 20 messages", True),
            Read("retention scan, one pass", False),
            Read("overdue check, one pass", False),
        ]
        inbox, heavy, opening, cases, registrations, status, retention, overdue = results
        for n, who in enumerate(people):
            await timed(inbox, reads.inbox(who.bsn))
            # As often as the others: a p99 over a handful of samples is only their maximum.
            await timed(heavy, reads.inbox(heaviest.bsn))
            planned = rng.choice(who.messages)
            message_id = message_of(who, planned).message_id
            if planned.expires_at > NOW:
                await timed(opening, reads.mailbox.open(who.bsn, message_id))
            await timed(cases, reads.cases.listing_page(who.bsn, skip=0, limit=PAGE))
            await timed(registrations, reads.registrations_page(who.bsn))
            await timed(status, reads.ask_status(who, rng))
            progress(n + 1, samples)
        first = await timed(retention, reads.retention.run_retention_once(NOW))
        retention.note = f"(first pass: {first.expired} expired, {first.warned} warned)"
        checked = await timed(overdue, reads.overdue.scan_once())
        overdue.note = f"(first pass: {checked} overdue)"
        for _ in range(scans - 1):
            await timed(retention, reads.retention.run_retention_once(NOW))
            await timed(overdue, reads.overdue.scan_once())
        sys.stderr.write("\n")
        return {
            "messages": seeded["messages"],
            "citizens": seeded["citizens"],
            "reads": [asdict(r) for r in results],
        }
    finally:
        await client.close()


def progress(done: int, total: int) -> None:
    sys.stderr.write(f"\r  reads: {done}/{total} citizens")
    sys.stderr.flush()


def report(measured: dict[str, Any]) -> str:
    lines = [
        f"reads over {measured['messages']:,} messages ({measured['citizens']:,} citizens), ms:",
        f"  {'read':<44} {'n':>5} {'p50':>9} {'p99':>9}",
    ]
    lines += [Read(**read).line() for read in measured["reads"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--suffix", default="")
    parser.add_argument("--samples", type=int, default=200, help="citizens sampled")
    parser.add_argument("--scans", type=int, default=5, help="passes of each scan")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    arguments = parser.parse_args()
    measured = asyncio.run(
        measure(arguments.url, arguments.suffix, arguments.samples, arguments.scans)
    )
    print(report(measured))
    if arguments.out:
        arguments.out.write_text(json.dumps(measured, indent=1))


if __name__ == "__main__":
    main()
