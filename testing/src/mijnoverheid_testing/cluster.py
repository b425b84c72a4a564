"""A three-node RabbitMQ cluster of its own for tests (scripts/rabbitmq-cluster.sh), provisioned
like every broker of the project, with quorum queues that have a member on each node."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.provisioning import DEFAULT_VHOSTS, definitions, local_password
from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.tlsbroker import free_port_base

CLUSTER_SCRIPT = REPOSITORY_ROOT / "scripts" / "rabbitmq-cluster.sh"
HOST = "127.0.0.1"
NODES = (1, 2, 3)
PORTS_PER_NODE = 4
START_TIMEOUT_SECONDS = 120


def broker_url(user: str, vhost: str, addresses: Sequence[tuple[str, int]]) -> str:
    """The AMQP_URL of `user` naming every address, tried in this order (see
    mijnoverheid.messaging.connection)."""
    credentials = f"{quote(user, safe='')}:{quote(local_password(user), safe='')}"
    hosts = ",".join(f"{host}:{port}" for host, port in addresses)
    return f"amqp://{credentials}@{hosts}/{quote(vhost, safe='')}"


@dataclass(frozen=True)
class RabbitCluster:
    name: str
    port_base: int
    nodes_dir: Path
    vhost: str

    def node_name(self, node: int) -> str:
        return f"{self.name}-{node}"

    def amqp_port(self, node: int) -> int:
        return self.port_base + PORTS_PER_NODE * (node - 1)

    def management_port(self, node: int) -> int:
        """Where node `node` serves the management API (started with `management=True`)."""
        return self.amqp_port(node) + 2

    def url(self, user: str, nodes: Sequence[int] = NODES) -> str:
        """AMQP_URL of `user` naming `nodes`, tried in that order (see messaging.connection)."""
        return broker_url(user, self.vhost, [(HOST, self.amqp_port(node)) for node in nodes])

    def run(self, *arguments: str, timeout: float = START_TIMEOUT_SECONDS + 30) -> str:
        done = subprocess.run(  # noqa: S603 - our own script
            [str(CLUSTER_SCRIPT), *arguments],
            env={**os.environ, "RABBITMQ_NODES_DIR": str(self.nodes_dir)},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmq-cluster.sh {arguments[0]} failed:\n{done.stderr}")
        return done.stdout

    def kill(self, node: int) -> None:
        """kill -9 of the node: a crash, nothing flushed or handed over."""
        self.run("kill", self.name, str(node))

    def restart(self, node: int) -> None:
        self.run("restart", self.name, str(node))

    def stop_node(self, node: int) -> None:
        """A graceful stop, as for maintenance: its queue leaders hand over first."""
        self.run("stop-node", self.name, str(node))

    def log_file(self, node: int) -> Path:
        name = self.node_name(node)
        return self.nodes_dir / name / "log" / f"{name}.log"

    def ctl(self, node: int, *arguments: str) -> str:
        return self.run("ctl", self.name, str(node), *arguments, timeout=60)

    def quorum_status(self, node: int, queue: str) -> list[dict[str, Any]]:
        """Each member of `queue` as `node` sees it: Raft state, log and commit index."""
        output = self.run(
            "queues", self.name, str(node), "quorum_status", "-p", self.vhost, queue,
            "--formatter", "json", timeout=60,
        )  # fmt: skip
        members: list[dict[str, Any]] = json.loads(output)
        return members

    def lagging(self, node: int, queue: str, asking: int) -> str | None:
        """Why `node`'s member of `queue` is not in sync with the leader (asking another
        node), or None when it has every entry the leader committed."""
        members = {member["Node Name"].split("@")[0]: member for member in self.quorum_status(
            asking, queue
        )}  # fmt: skip
        leader = next((m for m in members.values() if m["Raft State"] == "leader"), None)
        member = members.get(self.node_name(node))
        if leader is None or member is None:
            return f"{queue}: no leader, or no member on node {node}"
        behind = leader["Commit Index"] - member["Commit Index"]
        if member["Raft State"] not in {"follower", "leader"} or behind > 0:
            return f"{queue}: node {node} is {member['Raft State']}, {behind} entries behind"
        return None

    def members(self) -> dict[str, list[str]]:
        """Every quorum queue of the vhost and the nodes it has a member on."""
        output = self.ctl(1, "list_queues", "-p", self.vhost, "name", "members", "--formatter",
                          "json")  # fmt: skip
        return {queue["name"]: queue["members"] for queue in json.loads(output)}


@contextlib.contextmanager
def running_cluster(
    work_dir: Path,
    registry: OrganisationRegistry,
    *,
    prefix: str = "cl",
    management: bool = False,
    purge: bool = False,
) -> Iterator[RabbitCluster]:
    """Start a three-node cluster in `work_dir` (nodes `<prefix>-…-1..3`; with the management
    plugin on each node if asked), provision one vhost on it, stop it after (`purge`: and
    delete the nodes' data)."""
    nodes_dir = work_dir / "nodes"
    vhost = DEFAULT_VHOSTS[0]
    definitions_file = work_dir / "definitions.json"
    definitions_file.write_text(json.dumps(definitions(registry, (vhost,))))
    # Unique on this machine: other sessions (and engineers) share epmd and the host name.
    name = f"{prefix}-{os.getpid()}-{secrets.token_hex(3)}"
    cluster: RabbitCluster | None = None
    for _ in range(3):  # another process may take a free port before a node binds it
        candidate = RabbitCluster(name, free_port_base(PORTS_PER_NODE * 3), nodes_dir, vhost)
        try:
            candidate.run(
                "start", name, str(candidate.port_base),
                "--definitions", str(definitions_file),
                "--timeout", str(START_TIMEOUT_SECONDS),
                "--stop-with", str(os.getpid()),  # should this session die without teardown
                *(["--management"] if management else []),
            )  # fmt: skip
        except RuntimeError as error:
            if "is in use" not in str(error):
                raise
            continue
        cluster = candidate
        break
    if cluster is None:
        raise RuntimeError("no free ports for a RabbitMQ cluster")
    try:
        yield cluster
    finally:
        cluster.run("stop", name, *(["--purge"] if purge else []))
