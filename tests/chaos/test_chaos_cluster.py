"""The chaos run on a cluster (`make chaos CLUSTER=3`), its parts that need no broker: node
faults never overlap, and every service is given every node (each starting on another one),
through proxies of its own when its link is to be troubled."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from mijnoverheid.messaging.connection import broker_urls
from mijnoverheid_testing.chaos import report, schedule
from mijnoverheid_testing.chaos.cluster import ClusterStack, rotated
from mijnoverheid_testing.chaos.faults import FaultRunner, Injected
from mijnoverheid_testing.chaos.findings import Findings
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
    # The first fault found no node down; a wait under a second is not worth a note.
    assert "after waiting" not in runner.log[0].note, runner.log


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


def test_the_report_names_the_node_kills_and_the_broker() -> None:
    kills = [
        Fault(0.1, schedule.NODE_KILL, "2", amount=8.0),
        Fault(0.4, schedule.ROLLING_RESTART),
        Fault(0.7, schedule.NODE_KILL, "3", amount=12.0),
    ]
    notes = ["node 2, back 31 s later", "nodes 1, 2, 3 in turn, 80 s", "node 3, back 25 s later"]
    run = report.Run(
        command="make chaos CLUSTER=3 N=1000 SEED=1",
        n=1000,
        seed=1,
        schedule=kills,
        injected=[Injected(f, 0.0, 1.0, True, note) for f, note in zip(kills, notes, strict=True)],
        published=1000,
        republished=50,
        publish_retries=0,
        publish_seconds=150.0,
        drain_seconds=60.0,
        audit_seconds=10.0,
        findings=Findings(),
        broker="a cluster of 3 RabbitMQ nodes (chaos-cl-1-a-1, chaos-cl-1-a-2, chaos-cl-1-a-3)",
        cluster=3,
    )
    table = report.table(run)
    assert "| node kill -9 | 2 | node 2, back 31 s later; node 3, back 25 s later |" in table
    assert "| rolling node restart | 1 | nodes 1, 2, 3 in turn, 80 s |" in table
    text = report.markdown(run)
    assert text.startswith("# Reliability: the chaos run on a three-node RabbitMQ cluster")
    assert "Broker: a cluster of 3 RabbitMQ nodes (chaos-cl-1-a-1" in text
    assert "[reliability.md](reliability.md)" in text
    assert "node 2: SIGKILL, down 8 s, then boot" in text
    single = report.markdown(dataclasses.replace(run, cluster=1, schedule=[], injected=[]))
    assert "[reliability-cluster.md](reliability-cluster.md)" in single
