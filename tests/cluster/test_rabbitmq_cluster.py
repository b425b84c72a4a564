"""Publish and consume through a three-node RabbitMQ cluster while one node is killed (kill -9)
and later restarted: nothing the broker acknowledged is lost, the service reconnects to a
surviving node by itself, and the restarted node catches up (its quorum members back in sync).

The Zaken service (a real process) is given all three nodes and starts on node 1, which also
leads every quorum queue (the queues were declared there): killing node 1 cuts the service's
connection and forces a leader election on every queue. The organisation publishes and
publishes through node 1 too (an event in flight at the kill is published again until
confirmed) and consumes through node 2, on connections that fail over the same way.
"""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from pymongo import AsyncMongoClient

from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE, source_for, utc_now
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging.connection import ClusterConnection, broker_urls
from mijnoverheid.provisioning import organisation_queue_prefix
from mijnoverheid.storage import Document
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.cluster import RabbitCluster
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.stack import Stack
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration

# Pacing of the publisher (a load shape, not a synchronisation): traffic flows through the
# kill, the reconnection and the restart.
PACE_SECONDS = 0.02
# What must flow, in answers, before the kill, after it (on the surviving nodes) and after
# the restart.
FLOWING = 40
KILLED = 1


def status_changed(organisation: Organisation, bsn: str, case: str) -> dict[str, Any]:
    host = organisation.dossier_hosts[0]
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_for(organisation.oin, "zaaksysteem"),
        "type": events.CASE_STATUS_CHANGED.type,
        "time": utc_now().isoformat(),
        "datacontenttype": "application/json",
        "data": {
            "identificatie": case,
            "bsn": bsn,
            "zaaktype_omschrijving": "Aanvraag parkeervergunning",
            "statustype_code": "ontvangen",
            "statustype_omschrijving": "Ontvangen",
            "datum_status_gezet": "2026-03-02T09:00:00+00:00",
            "is_eindstatus": False,
            "dossier_url": f"https://{host}/zaken/{case}",
        },
    }


async def cluster_connection(url: str) -> AbstractRobustConnection:
    """What a service's broker does with a list of nodes (messaging.connection)."""
    nodes = broker_urls(url)
    connection_class: Any = functools.partial(ClusterConnection, nodes=nodes)
    return await aio_pika.connect_robust(nodes[0], connection_class=connection_class)


class Gemeente:
    """The organisation: publishes each event until the broker confirms it, and collects the
    answers (case-status-recorded) in a quorum queue of its own."""

    def __init__(self, organisation: Organisation, cluster: RabbitCluster) -> None:
        self.organisation = organisation
        self.cluster = cluster
        self.bsn = random_bsn()
        self.confirmed: list[str] = []  # ids of the events the broker took responsibility for
        self.answered: set[str] = set()  # ids of the events answered
        self.publish_failures = 0

    async def receive(self) -> AbstractRobustConnection:
        connection = await cluster_connection(
            self.cluster.url(self.organisation.broker_user, (2, 3, 1))
        )
        channel = await connection.channel()
        queue = await channel.declare_queue(
            f"{organisation_queue_prefix(self.organisation.oin)}cluster-test",
            durable=True,
            arguments={"x-queue-type": "quorum"},
        )
        await queue.bind(routing.EXCHANGE, events.CASE_STATUS_RECORDED.key(self.organisation.oin))
        await queue.consume(self._answer)
        return connection

    async def _answer(self, message: AbstractIncomingMessage) -> None:
        async with message.process():
            self.answered.add(json.loads(message.body)["data"]["status_event_id"])

    async def publish_until(self, stop: asyncio.Event) -> None:
        connection = await cluster_connection(
            self.cluster.url(self.organisation.broker_user, (1, 3, 2))
        )
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            while not stop.is_set():
                event = status_changed(self.organisation, self.bsn, f"Z-{len(self.confirmed)}")
                await self._confirmed(connection, channel, event)
                self.confirmed.append(event["id"])
                await asyncio.sleep(PACE_SECONDS)

    async def _confirmed(
        self, connection: AbstractRobustConnection, channel: Any, event: dict[str, Any]
    ) -> None:
        message = aio_pika.Message(
            json.dumps(event).encode(),
            content_type=CONTENT_TYPE,
            message_id=event["id"],
            user_id=self.organisation.broker_user,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        key = events.CASE_STATUS_CHANGED.key(self.organisation.oin)
        for _ in range(100):
            try:
                exchange = await channel.get_exchange(routing.EXCHANGE, ensure=False)
                await exchange.publish(message, routing_key=key, mandatory=True, timeout=10)
            except (aio_pika.exceptions.AMQPError, ConnectionError, TimeoutError, RuntimeError):
                # Not confirmed (the node went away mid-publish): the same event again, once
                # the connection is back; the consumer deduplicates by id.
                self.publish_failures += 1
                await asyncio.wait_for(connection.connected.wait(), timeout=60)
                await asyncio.sleep(PACE_SECONDS)
                continue
            return
        raise AssertionError("the event was never confirmed")

    def answered_after(self, count: int) -> bool:
        return len(self.answered) >= count


@pytest.fixture
async def zaken(
    rabbitmq_cluster: RabbitCluster, stack: Stack, service_logs: Path
) -> AsyncIterator[tuple[ServiceProcess, AsyncMongoClient[Document], str]]:
    database = f"zaken_cluster_{uuid.uuid4().hex[:10]}"
    environment = {
        "AMQP_URL": rabbitmq_cluster.url("zaken", (1, 2, 3)),
        "MONGODB_URL": stack.mongodb_url,
        "MONGODB_DATABASE": database,
    }
    process = ServiceProcess("zaken", environment, service_logs).start()
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(stack.mongodb_url, tz_aware=True)
    try:
        await process.ready()
        yield process, mongo, database
    finally:
        process.stop()
        await mongo.drop_database(database)
        await mongo.close()


async def test_a_node_killed_and_restarted_loses_nothing_acknowledged(
    rabbitmq_cluster: RabbitCluster,
    registry: OrganisationRegistry,
    zaken: tuple[ServiceProcess, AsyncMongoClient[Document], str],
) -> None:
    cluster, (service, mongo, database) = rabbitmq_cluster, zaken
    organisation = registry.by_broker_user("gemeente-voorbeeldstad")
    assert organisation is not None
    gemeente = Gemeente(organisation, cluster)
    receiving = await gemeente.receive()
    stop = asyncio.Event()
    publishing = asyncio.create_task(gemeente.publish_until(stop))
    try:
        await wait_until(lambda: gemeente.answered_after(FLOWING), what="traffic to flow")
        # kill -9 while events are published, consumed and answered.
        await asyncio.to_thread(cluster.kill, KILLED)
        published, answered = len(gemeente.confirmed), len(gemeente.answered)
        await wait_until(
            lambda: (
                len(gemeente.confirmed) >= published + FLOWING
                and gemeente.answered_after(answered + FLOWING)
            ),
            timeout=60,
            what="publishing and the service to go on through the surviving nodes",
        )
        connections = await asyncio.to_thread(cluster.ctl, 2, "list_connections", "user")
        assert "zaken" in connections.split(), "the service reconnected to a surviving node"
        await asyncio.to_thread(cluster.restart, KILLED)
        at_restart = len(gemeente.answered)
        await wait_until(
            lambda: gemeente.answered_after(at_restart + FLOWING), what="traffic after the restart"
        )
    finally:
        stop.set()
        await publishing
    confirmed = set(gemeente.confirmed)
    await wait_until(lambda: confirmed <= gemeente.answered, timeout=60, what="every answer")
    await receiving.close()

    assert service.running, "the same process throughout: it reconnected by itself"
    statuses = mongo[database].case_statuses
    assert await statuses.count_documents({"bsn": gemeente.bsn}) == len(confirmed)
    assert gemeente.answered == confirmed, "nothing was answered that was not published"

    # The restarted node's members have every entry their leaders committed, also of the
    # queue nobody consumed (the Notifier's triggers, one per answer).
    queues = (
        "zaken.case-status-changed",
        "notifier.case-status-recorded",
        f"{organisation_queue_prefix(organisation.oin)}cluster-test",
    )

    def in_sync() -> bool:
        return not [lag for queue in queues if (lag := cluster.lagging(KILLED, queue, asking=2))]

    await wait_until(in_sync, timeout=60, what=f"node {KILLED} to catch up")
