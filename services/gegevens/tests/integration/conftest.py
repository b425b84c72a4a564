"""Gegevens as a real process on the real broker and FerretDB/MongoDB, and ways to know it is done.

Accepted registrations get no receipt, so "nothing (more) happened" needs a barrier, not a
sleep: `settle` waits (bounded) until Gegevens' queues hold nothing, ready or unacknowledged,
stops every Gegevens process (each finishes what it holds), starts a fresh one, and then waits
for the answer to a sentinel the organisation sends last: its answer comes after everything
emitted before it on the organisation's queue.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import aio_pika
import httpx
import pytest

from gegevens.adapters.mongo import VERSIONS, RegistrationRepository
from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid.provisioning import ADMIN_USER
from mijnoverheid.storage import Document
from mijnoverheid_testing.organisation import OrganisationClient, about
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.waiting import wait_until
from services.gegevens.tests.events import registration_changed, route_of


class Gegevens:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.process: ServiceProcess | None = None

    async def start(self, count: int = 1, **environment: str) -> list[ServiceProcess]:
        started = [self.platform.service("gegevens").start(**environment) for _ in range(count)]
        for process in started:
            await process.ready()
        self.process = started[0]
        return started

    @property
    def repository(self) -> RegistrationRepository:
        return RegistrationRepository(self.platform.database("gegevens"))

    async def stored(self, event: dict[str, Any]) -> Document:
        """The version an accepted event became, once it is there."""
        versions = self.platform.database("gegevens")[VERSIONS]
        query = {"event_source": event["source"], "event_id": event["id"]}
        found: Document = await wait_until(
            lambda: versions.find_one(query), what=f"event {event['id']} to be stored"
        )
        return found

    async def count(self, query: Document) -> int:
        return await self.platform.database("gegevens")[VERSIONS].count_documents(query)

    async def settle(self, client: OrganisationClient, timeout: float = 60) -> None:
        # Duplicates may still be queued or in hand (competing consumers): let the running
        # processes drain the queues before stopping them, rather than find them left over.
        await wait_until(
            self._drained, timeout=timeout, what="Gegevens' queues to be drained (ready + unacked)"
        )
        for process in self.platform.processes.values():
            if process.name == "gegevens":
                await asyncio.to_thread(process.stop)
        await self.start()
        sentinel = registration_changed(client.organisation, "999993653", register="XYZ")
        await client.publish(sentinel, routing_key=route_of(client.organisation, sentinel))
        await client.next_event("event-rejected", about(sentinel["id"]))

    async def _drained(self) -> bool:
        """Nothing ready (now, from the broker) and nothing ready or unacknowledged (from the
        management API, whose statistics lag by a few seconds)."""
        return await self._ready() == 0 and await asyncio.to_thread(self._depth) == 0

    def _depth(self) -> int:
        """Messages ready plus unacknowledged in Gegevens' queues, as the management API says."""
        total = 0
        with self.platform.stack.management() as management:
            for queue in SERVICE_QUEUES["gegevens"]:
                vhost = quote(self.platform.vhost, safe="")
                response = management.get(f"/api/queues/{vhost}/{quote(queue.name, safe='')}")
                response.raise_for_status()
                found = response.json()
                total += int(found.get("messages_ready", 0))
                total += int(found.get("messages_unacknowledged", 0))
        return total

    async def _ready(self) -> int:
        url = self.platform.stack.broker_url(ADMIN_USER, self.platform.vhost)
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            total = 0
            for queue in SERVICE_QUEUES["gegevens"]:
                declared = await channel.declare_queue(queue.name, passive=True)
                total += declared.declaration_result.message_count or 0
            return total

    async def get(self, path: str, bsn: str | None) -> httpx.Response:
        assert self.process is not None
        headers = {"Authorization": f"Bearer {token(bsn)}"} if bsn else {}
        async with httpx.AsyncClient(base_url=self.process.base_url) as client:
            return await client.get(path, headers=headers, timeout=10.0)


def token(bsn: str) -> str:
    return mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, timedelta(minutes=5))


async def publish(client: OrganisationClient, *events: dict[str, Any]) -> None:
    for event in events:
        await client.publish(event, routing_key=route_of(client.organisation, event))


@pytest.fixture(scope="module")
async def gegevens(platform: Platform) -> Gegevens:
    """One Gegevens process on the module's platform."""
    service = Gegevens(platform)
    await service.start()
    return service
