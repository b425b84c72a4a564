"""The chaos run on a cluster (`make chaos CLUSTER=3`), its parts that need no broker: node
faults never overlap, and every service is given every node (each starting on another one),
through proxies of its own when its link is to be troubled."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from mijnoverheid.messaging.connection import broker_urls
from mijnoverheid_testing.chaos import schedule
from mijnoverheid_testing.chaos.cluster import ClusterStack, rotated
from mijnoverheid_testing.chaos.faults import FaultRunner
from mijnoverheid_testing.chaos.infra import Infrastructure
from mijnoverheid_testing.chaos.schedule import Fault
from mijnoverheid_testing.chaos.system import SERVICES, System

NODE_PORTS = (21000, 21004, 21008)


class CountingCluster:
    """Counts the nodes that are down at any moment; a node fault takes a little while."""

    def __init__(self) -> None:
        self.down: set[int] = set()
        self.most_down = 0
        self.faults: list[str] = []

    async def _down_for_a_while(self, node: int) -> None:
        self.down.add(node)
        self.most_down = max(self.most_down, len(self.down))
        await asyncio.sleep(0.05)
        self.down.discard(node)

    async def kill(self, node: int, downtime: float) -> str:
        self.faults.append(f"kill {node}")
        await self._down_for_a_while(node)
        return f"node {node}"

    async def rolling_restart(self) -> str:
        self.faults.append("rolling")
        for node in (1, 2, 3):
            await self._down_for_a_while(node)
        return "nodes 1, 2, 3"


async def test_node_faults_due_at_the_same_moment_take_their_turn() -> None:
    cluster = CountingCluster()
    system = SimpleNamespace(infra=SimpleNamespace(cluster=cluster))
    runner = FaultRunner(cast(Any, system), cast(Any, None), lambda: 1.0)
    faults = [
        Fault(0.1, schedule.NODE_KILL, "1", amount=0.01),
        Fault(0.1, schedule.ROLLING_RESTART),
        Fault(0.1, schedule.NODE_KILL, "2", amount=0.01),
    ]
    await runner.run(faults)
    assert sorted(cluster.faults) == ["kill 1", "kill 2", "rolling"]
    assert cluster.most_down == 1, "never two nodes down at once"
    assert all(injected.injected for injected in runner.log), runner.log
    assert any("after waiting" not in i.note for i in runner.log)


def cluster_infrastructure() -> Infrastructure:
    stack = ClusterStack(
        "127.0.0.1",
        NODE_PORTS[0],
        "http://127.0.0.1:21002",
        "mongodb://127.0.0.1:27999",
        amqp_ports=NODE_PORTS,
        management_ports=tuple(port + 2 for port in NODE_PORTS),
    )
    return Infrastructure(stack, "mijnoverheid", "chaos")


def test_every_service_is_given_every_node_starting_on_another_one(tmp_path: Path) -> None:
    relay = SimpleNamespace(host="127.0.0.1", port=2525, bounce_endpoint=None)
    system = System(cluster_infrastructure(), cast(Any, relay), tmp_path, {"zaken-broker"})
    group = system.proxies["zaken-broker"]
    assert [member.target[1] for member in group.members] == list(NODE_PORTS)
    behind = {member.port: member.target[1] for member in group.members}
    first_nodes = set()
    for service in SERVICES:
        nodes = broker_urls(system._environment(service)["AMQP_URL"])
        assert all(f"{service}:" in node and node.endswith("?heartbeat=5") for node in nodes)
        ports = [int(node.split("@")[1].split("/")[0].split(":")[1]) for node in nodes]
        if service == "zaken":  # a troubled link: through its proxies, one per node
            assert set(ports) == set(behind)
            ports = [behind[port] for port in ports]
        assert sorted(ports) == sorted(NODE_PORTS)
        first_nodes.add(ports[0])
    assert len(first_nodes) == 3, "connections spread over the nodes"


def test_rotated_starts_where_asked() -> None:
    assert rotated([1, 2, 3], 0) == [1, 2, 3]
    assert rotated([1, 2, 3], 1) == [2, 3, 1]
    assert rotated([1, 2, 3], 5) == [3, 1, 2]
