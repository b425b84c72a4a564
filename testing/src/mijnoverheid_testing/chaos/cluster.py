"""The chaos run on a three-node RabbitMQ cluster (`make chaos CLUSTER=3`).

The cluster of scripts/rabbitmq-cluster.sh (mijnoverheid_testing.cluster) with the management
plugin on every node, provisioned once all three had joined, so that every quorum queue has a
member on each node. The services and the organisations are given all three addresses, each in
another order so that their connections spread; the auditor reads the management API of a node
that is up. The schedule's node faults: a `kill -9` of one node, started again after a while,
and a rolling restart (each node in turn stopped gracefully once it is not quorum-critical,
then started again). Each ends only once the node is back and every quorum queue has its
member there online again, and the fault runner starts none before the last one has ended:
never two nodes down at once (a quorum queue of three members survives the loss of one).
"""

from __future__ import annotations

import asyncio
import functools
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import aio_pika
import httpx
from aio_pika.abc import AbstractRobustConnection

from mijnoverheid.messaging.connection import ClusterConnection, broker_urls
from mijnoverheid.provisioning import ADMIN_USER, local_password
from mijnoverheid_testing.cluster import NODES, RabbitCluster, broker_url
from mijnoverheid_testing.stack import Stack
from mijnoverheid_testing.waiting import listening, wait_until

HOST = "127.0.0.1"
# A node's boot on a busy two-core machine, then its quorum members' restart.
BACK_TIMEOUT_SECONDS = 300.0
T = TypeVar("T")


def rotated(items: Sequence[T], start: int) -> list[T]:
    """`items` starting at `start` (modulo its length), the others after it in order."""
    start %= len(items)
    return [*items[start:], *items[:start]]


@dataclass(frozen=True)
class ClusterStack(Stack):
    """The stack as the organisations and the auditor reach a cluster: AMQP URLs that name
    every node, and the management API of the first node that answers (a killed node's port
    is closed)."""

    amqp_ports: tuple[int, ...] = ()
    management_ports: tuple[int, ...] = ()

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return [(self.amqp_host, port) for port in self.amqp_ports]

    def broker_url(self, user: str, vhost: str) -> str:
        return broker_url(user, vhost, self.addresses)

    async def connect(self, user: str, vhost: str) -> AbstractRobustConnection:
        """As the services connect: to the first node that answers, later to the others."""
        nodes = broker_urls(self.broker_url(user, vhost))
        connection_class: Any = functools.partial(ClusterConnection, nodes=nodes)
        connection: AbstractRobustConnection = await aio_pika.connect_robust(
            nodes[0], connection_class=connection_class
        )
        return connection

    def management(self) -> httpx.Client:
        port = next((p for p in self.management_ports if listening(p)), self.management_ports[0])
        return httpx.Client(
            base_url=f"http://{self.amqp_host}:{port}",
            auth=(ADMIN_USER, local_password(ADMIN_USER)),
            timeout=30.0,
        )


class ChaosCluster:
    """The node faults, carried out on the cluster; each returns the note for the report."""

    def __init__(self, cluster: RabbitCluster, stack: ClusterStack) -> None:
        self.cluster = cluster
        self.stack = stack

    @property
    def size(self) -> int:
        return len(NODES)

    async def kill(self, node: int, downtime: float) -> str:
        """kill -9 (a crash: nothing flushed, no leadership handed over), `downtime` seconds
        down, then started again: it rejoins from its own data and its members catch up."""
        await asyncio.to_thread(self.cluster.kill, node)
        started = time.monotonic()
        await asyncio.sleep(downtime)
        await asyncio.to_thread(self.cluster.restart, node)
        await self.back(node)
        return (
            f"node {node}, its quorum members online again {time.monotonic() - started:.0f} s later"
        )

    async def rolling_restart(self) -> str:
        """Planned maintenance done right: one node at a time, each only once no quorum queue
        depends on it for its majority, the next only once it is back."""
        started = time.monotonic()
        for node in NODES:
            await wait_until(
                lambda node=node: asyncio.to_thread(self._not_quorum_critical, node),
                timeout=BACK_TIMEOUT_SECONDS,
                what=f"node {node} not to be quorum-critical",
            )
            await asyncio.to_thread(self.cluster.stop_node, node)
            await asyncio.to_thread(self.cluster.restart, node)
            await self.back(node)
        return f"nodes {', '.join(map(str, NODES))} in turn, {time.monotonic() - started:.0f} s"

    def _not_quorum_critical(self, node: int) -> bool:
        try:
            self.cluster.run(
                "queues", self.cluster.name, str(node), "check_if_node_is_quorum_critical",
                timeout=90,
            )  # fmt: skip
        except RuntimeError:
            return False
        return True

    async def back(self, node: int) -> None:
        """Every quorum queue of the vhost has its member on `node` online again."""
        await wait_until(
            lambda: asyncio.to_thread(self._online_on, node),
            timeout=BACK_TIMEOUT_SECONDS,
            what=f"the quorum queues' members on node {node} to be online",
        )

    def _quorum_queues(self) -> list[dict[str, Any]]:
        with self.stack.management() as client:
            answer = client.get(
                f"/api/queues/{quote(self.cluster.vhost, safe='')}",
                params={"columns": "name,type,members,online"},
            )
        answer.raise_for_status()
        return [q for q in answer.json() if q.get("type") == "quorum"]

    def _online_on(self, node: int) -> bool:
        name = self.cluster.node_name(node)
        try:
            queues = self._quorum_queues()
        except (httpx.HTTPError, OSError):
            return False
        return bool(queues) and all(
            any(member.split("@")[0] == name for member in queue.get("online") or [])
            for queue in queues
        )

    def replicated(self) -> bool:
        """Every quorum queue has a member on each node, all of them online."""
        try:
            queues = self._quorum_queues()
        except (httpx.HTTPError, OSError):
            return False
        return bool(queues) and all(
            len(q.get("members") or []) == self.size and len(q.get("online") or []) == self.size
            for q in queues
        )

    def keep_logs(self, logs: Path) -> None:
        for node in NODES:
            log = self.cluster.log_file(node)
            if log.exists():
                shutil.copy(log, logs / f"rabbitmq-{node}.log")
