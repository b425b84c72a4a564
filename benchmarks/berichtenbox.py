"""Berichtenbox: N message-sent events from three organisations, until every receipt is in."""

from __future__ import annotations

import asyncio
import json
import time
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
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import message_sent
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.stack import demo_registry

ORGANISATIONS = ("belastingdienst", "gemeente-voorbeeldstad", "uwv")
NAME = "berichtenbox ingest→receipt"
SERVICE_PREFETCH = 128  # also the largest write batch
# Its raw pipeline: three writes per batch (the messages, their first trail entries and the
# trails' heads), a receipt published per message, consumed by the organisation.
RAW_STAGES = (
    Stage("message-sent", writes=3, fanout=1, prefetch=SERVICE_PREFETCH, first_document=1500),
    Stage("receipt", writes=0, fanout=0),
)


def sample_body() -> bytes:
    organisation = demo_registry().by_broker_user(ORGANISATIONS[0])
    assert organisation is not None
    return json.dumps(message_sent(organisation, random_bsn())).encode()


async def run(platform: Platform, count: int) -> Result:
    return await beside_raw_pipeline(
        platform, count, len(sample_body()), RAW_STAGES, lambda: _run(platform, count)
    )


async def _run(platform: Platform, count: int) -> Result:
    pid = await start_service(platform, "berichtenbox", SERVICE_PREFETCH)
    received: dict[str, float] = {}
    sent_at: dict[str, float] = {}
    done = asyncio.Event()

    def on_receipt(event: dict[str, Any]) -> None:
        received.setdefault(event["data"]["sent_event_id"], time.perf_counter())
        if len(received) == count:
            done.set()

    connections, publishers = await connect_organisations(
        platform, ORGANISATIONS, events.MESSAGE_DELIVERED, on_receipt
    )
    publish = as_organisations(publishers, events.MESSAGE_SENT)

    # Citizens with an account and consent for their sender, before the clock starts.
    citizens = {
        user: [random_bsn() for _ in range(count)][index :: len(ORGANISATIONS)]
        for index, user in enumerate(ORGANISATIONS)
    }
    for user, bsns in citizens.items():
        await platform.enrol(bsns, user)
    items = []
    for index in range(count):
        user = ORGANISATIONS[index % len(ORGANISATIONS)]
        bsn = citizens[user][index // len(ORGANISATIONS)]
        event = message_sent(publishers[user][0], bsn)
        items.append((f"{user}|{event['id']}", json.dumps(event).encode()))
    samples: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pid, samples, stop))
    published: dict[str, float] = {}
    reporter = asyncio.create_task(progress(NAME, count, lambda: len(received)))
    started = time.perf_counter()
    await publish_windowed(items, publish, published)
    await asyncio.wait_for(done.wait(), timeout=3600)
    seconds = time.perf_counter() - started
    reporter.cancel()
    stop.set()
    await sampler
    for connection in connections:
        await connection.close()
    for key, at in published.items():
        sent_at[key.split("|")[1]] = at
    latencies = [received[event_id] - sent_at[event_id] for event_id in received]
    result = Result(NAME, count, seconds, latencies, max(samples, default=None), samples)
    result.done_times = completion_times(received, started)
    return result
