"""Fixtures for Lopende Zaken against the real broker and database.

Barriers instead of sleeps: a zaken process started with PREFETCH=1 takes one delivery per queue
at a time and acks it only after the handler finished, and the queues are FIFO. So once the
answer to a later event has arrived, every earlier event on that queue has been fully handled,
and "nothing was emitted for it" is a fact, not a guess.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.contracts import events
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import OrganisationClient
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess

ROUTES = {
    "case-status-changed": events.CASE_STATUS_CHANGED,
    "case-withdrawn": events.CASE_WITHDRAWN,
    "case-state-requested": events.CASE_STATE_REQUESTED,
}

Send = Callable[[OrganisationClient, dict[str, Any]], Awaitable[None]]
Barrier = Callable[[OrganisationClient], Awaitable[None]]


@pytest.fixture(scope="module")
async def zaken(platform: Platform) -> ServiceProcess:
    """One zaken process that handles one delivery per queue at a time (see above)."""
    process = platform.service("zaken").start(PREFETCH="1")
    await process.ready()
    return process


@pytest.fixture(scope="session")
def send() -> Send:
    """Publish `event` as the organisation, on the routing key its type belongs to."""

    async def publish(client: OrganisationClient, event: dict[str, Any]) -> None:
        route = ROUTES[event["type"].rsplit(".", 1)[-1]]
        await client.publish(event, routing_key=route.key(client.organisation.oin))

    return publish


@pytest.fixture(scope="session")
def status_barrier(send: Send, status_event: Callable[..., dict[str, Any]]) -> Barrier:
    """Returns once every case-status-changed published before it has been handled."""

    async def barrier(client: OrganisationClient) -> None:
        marker = status_event(client.organisation, random_bsn(), f"BARRIER-{uuid.uuid4().hex[:8]}")
        await send(client, marker)
        await client.next_event("case-status-recorded", about(marker["id"]))

    return barrier


def about(event_id: str) -> Callable[[dict[str, Any]], bool]:
    """Matches what zaken emitted in answer to the event with `event_id`."""

    def matches(event: dict[str, Any]) -> bool:
        data = event.get("data", {})
        return event_id in (
            data.get("status_event_id"),
            data.get("rejected_event_id"),
            data.get("request_id"),
        )

    return matches


@pytest.fixture(scope="session")
def about_event() -> Callable[[str], Callable[[dict[str, Any]], bool]]:
    return about


@pytest.fixture(scope="session")
def citizen_api() -> Callable[[ServiceProcess, str], httpx.AsyncClient]:
    """An HTTP client of the zaken API with a fresh citizen token for `bsn`."""

    def client(process: ServiceProcess, bsn: str) -> httpx.AsyncClient:
        token = mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, timedelta(minutes=5))
        return httpx.AsyncClient(
            base_url=process.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10.0
        )

    return client
