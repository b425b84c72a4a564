"""Lopende Zaken: cases with five status events each, all shuffled, from three organisations.

Rate: status events handled per second, until every case's final status was announced and
every event is recorded. Latency: publish → zaken.case-status-recorded, for the events that
are announced (a status that arrives after a newer one of its case is, rightly, not).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.harness import (
    Result,
    as_organisations,
    completion_times,
    connect_organisations,
    progress,
    publish_windowed,
    sample_rss,
    start_service,
)
from benchmarks.pipeline import Stage, beside_raw_pipeline
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.identity import Organisation
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.stack import demo_registry
from mijnoverheid_testing.waiting import wait_until

ORGANISATIONS = ("belastingdienst", "gemeente-voorbeeldstad", "uwv")
STATUSES = ("ontvangen", "in-behandeling", "aanvulling", "besluit", "afgehandeld")
NAME = "zaken status→recorded"
SERVICE_PREFETCH = 128  # also the largest write batch
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Its raw pipeline: three writes per batch (the status slots, the overview rows, the trigger
# claims), an announcement published per event, consumed by the organisation.
RAW_STAGES = (
    Stage("case-status-changed", writes=3, fanout=1, prefetch=SERVICE_PREFETCH),
    Stage("recorded", writes=0, fanout=0),
)


def status_changed(
    organisation: Organisation, bsn: str, identificatie: str, step: int
) -> dict[str, Any]:
    code = STATUSES[step]
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_for(organisation.oin, "bench-zaaksysteem"),
        "type": "nl.mijnoverheid.zaken.case-status-changed",
        "time": utc_now().isoformat(),
        "data": {
            "identificatie": identificatie,
            "bsn": bsn,
            "zaaktype_omschrijving": "Aanvraag omgevingsvergunning",
            "statustype_code": code,
            "statustype_omschrijving": code.capitalize(),
            "datum_status_gezet": (T0 + timedelta(days=step)).isoformat(),
            "is_eindstatus": code == "afgehandeld",
            "dossier_url": f"https://{organisation.dossier_hosts[0]}/zaken/{identificatie}",
        },
    }


def sample_body() -> bytes:
    organisation = demo_registry().by_broker_user(ORGANISATIONS[0])
    assert organisation is not None
    return json.dumps(status_changed(organisation, random_bsn(), "Z-SAMPLE", 0)).encode()


async def run(platform: Platform, count: int) -> Result:
    return await beside_raw_pipeline(
        platform, count, len(sample_body()), RAW_STAGES, lambda: _run(platform, count)
    )


async def _run(platform: Platform, count: int) -> Result:
    pid = await start_service(platform, "zaken", SERVICE_PREFETCH)
    rng = random.Random(count)
    received: dict[str, float] = {}  # status event id → when its announcement arrived
    finals: set[str] = set()  # status event ids of each case's last status
    done = asyncio.Event()

    def on_recorded(event: dict[str, Any]) -> None:
        received.setdefault(event["data"]["status_event_id"], time.perf_counter())
        if finals <= received.keys():
            done.set()

    connections, publishers = await connect_organisations(
        platform, ORGANISATIONS, events.CASE_STATUS_RECORDED, on_recorded
    )
    publish = as_organisations(publishers, events.CASE_STATUS_CHANGED)

    items = []
    for case in range(max(1, count // len(STATUSES))):
        user = ORGANISATIONS[case % len(ORGANISATIONS)]
        bsn, identificatie = random_bsn(), f"BENCH-{case}"
        for step in range(len(STATUSES)):
            event = status_changed(publishers[user][0], bsn, identificatie, step)
            items.append((f"{user}|{event['id']}", json.dumps(event).encode()))
            if step == len(STATUSES) - 1:
                finals.add(event["id"])
    rng.shuffle(items)  # out of order within each case, interleaved across cases
    statuses = platform.database("zaken").case_statuses
    samples: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pid, samples, stop))
    published: dict[str, float] = {}
    reporter = asyncio.create_task(progress(NAME, len(items), lambda: len(received)))
    started = time.perf_counter()
    await publish_windowed(items, publish, published)
    await asyncio.wait_for(done.wait(), timeout=3600)

    # Stale events announce nothing: the last of them is done when all events are recorded.
    async def all_recorded() -> bool:
        return await statuses.count_documents({}) >= len(items)

    await wait_until(all_recorded, timeout=3600, what="every status event recorded")
    seconds = time.perf_counter() - started
    reporter.cancel()
    stop.set()
    await sampler
    for connection in connections:
        await connection.close()
    sent_at = {key.split("|")[1]: at for key, at in published.items()}
    latencies = [at - sent_at[event_id] for event_id, at in received.items()]
    result = Result(NAME, len(items), seconds, latencies, max(samples, default=None), samples)
    result.done_times = completion_times(received, started)
    return result
