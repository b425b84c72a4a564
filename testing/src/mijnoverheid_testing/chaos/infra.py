"""The broker and the database of a chaos run.

`own_infrastructure`: a RabbitMQ node of the run's own (scripts/rabbitmq-node.sh, provisioned at
boot with the project's definitions) and a FerretDB of its own (the binary scripts/local-stack.sh
builds, on its own port and its own database of the project's PostgreSQL cluster), so that
both can be killed and restarted without touching the shared stack other people use.
`shared_infrastructure`: a fresh vhost on the shared stack and databases of the run's own, for
short runs that restart neither.
`own_cluster_infrastructure`: a three-node RabbitMQ cluster of the run's own (chaos.cluster)
and a FerretDB of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.provisioning import definitions
from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.chaos.cluster import HOST, ChaosCluster, ClusterStack
from mijnoverheid_testing.cluster import NODES, running_cluster
from mijnoverheid_testing.smtp import free_port
from mijnoverheid_testing.stack import Stack, isolated_vhost, real_stack
from mijnoverheid_testing.tlsbroker import free_port_base
from mijnoverheid_testing.waiting import listening, wait_until

NODE_SCRIPT = REPOSITORY_ROOT / "scripts" / "rabbitmq-node.sh"
FERRETDB_BINARY = REPOSITORY_ROOT / ".local" / "bin" / "ferretdb"
VHOST = "mijnoverheid"
BOOT_TIMEOUT_SECONDS = 180


class OwnBroker:
    """A RabbitMQ node of our own; `restart` kills it with SIGKILL and boots it again."""

    def __init__(self, work_dir: Path, registry: OrganisationRegistry) -> None:
        self.nodes_dir = work_dir / "nodes"
        self.name = f"chaos-{os.getpid()}-{secrets.token_hex(3)}"
        self.definitions = work_dir / "definitions.json"
        self.definitions.write_text(json.dumps(definitions(registry, (VHOST,))))
        self.base = 0

    def _script(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own script
            [str(NODE_SCRIPT), *arguments],
            env={**os.environ, "RABBITMQ_NODES_DIR": str(self.nodes_dir)},
            capture_output=True,
            text=True,
            timeout=BOOT_TIMEOUT_SECONDS + 60,
            check=False,
        )

    def _boot(self) -> subprocess.CompletedProcess[str]:
        return self._script(
            *("start", self.name, str(self.base), "--management"),
            *("--definitions", str(self.definitions)),
            *("--timeout", str(BOOT_TIMEOUT_SECONDS), "--stop-with", str(os.getpid())),
        )

    def start(self) -> None:
        for _ in range(3):  # another process may take a free port before the node binds it
            self.base = free_port_base()
            started = self._boot()
            if started.returncode == 0 or "is in use" not in started.stderr:
                break
        if started.returncode != 0:
            self._script("stop", self.name)
            raise RuntimeError(f"the chaos RabbitMQ node did not start:\n{started.stderr}")

    @property
    def amqp_port(self) -> int:
        return self.base

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.base + 2}"

    @property
    def log_file(self) -> Path:
        return self.nodes_dir / self.name / "log" / f"{self.name}.log"

    async def restart(self) -> None:
        launcher = int((self.nodes_dir / self.name / "launcher.pid").read_text())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(launcher, signal.SIGKILL)
        await wait_until(
            lambda: not listening(self.amqp_port), timeout=30, what="the broker to be gone"
        )
        booted = await asyncio.to_thread(self._boot)
        if booted.returncode != 0:
            raise RuntimeError(f"the chaos RabbitMQ node did not come back:\n{booted.stderr}")

    def stop(self, keep_log_in: Path) -> None:
        if self.log_file.exists():
            shutil.copy(self.log_file, keep_log_in / "rabbitmq.log")
        self._script("stop", self.name, "--purge")


POSTGRES_SCRIPT = REPOSITORY_ROOT / "scripts" / "postgres.sh"


class OwnFerretDb:
    """FerretDB of our own on its own database of the project's PostgreSQL cluster (the local
    stack's backend, scripts/postgres.sh); `restart` is a SIGKILL and a new start. The
    database is dropped when the run ends."""

    def __init__(self, work_dir: Path) -> None:
        if not FERRETDB_BINARY.exists():
            raise RuntimeError("FerretDB is not built: run `scripts/local-stack.sh build`")
        self.log = work_dir / "logs" / "ferretdb.log"
        self.port = free_port("127.0.0.1")
        self.pg_database = f"chaos_{os.getpid()}_{secrets.token_hex(3)}"
        self._postgres_url = ""
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    def _postgres(self, command: str) -> str:
        environment = {**os.environ, "PG_DATABASE": self.pg_database}
        return subprocess.run(  # noqa: S603 - the project's own script
            [str(POSTGRES_SCRIPT), command],
            env=environment,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def _spawn(self) -> None:
        command = [str(FERRETDB_BINARY), "--listen", f"127.0.0.1:{self.port}"]
        backend = ["--backend", "postgresql", "--postgresql-url", self._postgres_url]
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - the project's own binary
                [*command, *backend],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def start(self) -> None:
        if not self._postgres_url:
            await asyncio.to_thread(self._postgres, "up")
            self._postgres_url = await asyncio.to_thread(self._postgres, "url")
        self._spawn()
        await wait_until(lambda: listening(self.port), timeout=60, what="FerretDB to listen")

    async def restart(self) -> None:
        self.kill()
        await self.start()

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def drop(self) -> None:
        """The run's database goes with the run (a million rows of a long run add up)."""
        self.kill()
        if self._postgres_url:
            with contextlib.suppress(subprocess.CalledProcessError):
                self._postgres("drop")


@dataclass
class Infrastructure:
    stack: Stack
    vhost: str
    database_suffix: str
    broker: OwnBroker | None = None
    database: OwnFerretDb | None = None
    logs: Path = field(default_factory=Path)
    cluster: ChaosCluster | None = None

    @property
    def own(self) -> bool:
        """A database server of the run's own (not the shared one)."""
        return self.database is not None

    @property
    def broker_addresses(self) -> list[tuple[str, int]]:
        """Every broker node (host, AMQP port), in order."""
        if isinstance(self.stack, ClusterStack):
            return self.stack.addresses
        return [(self.stack.amqp_host, self.stack.amqp_port)]


def _log_dir(work_dir: Path) -> Path:
    """Where a run keeps the services' and the infrastructure's logs."""
    logs = work_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs


@contextlib.asynccontextmanager
async def own_infrastructure(
    work_dir: Path, registry: OrganisationRegistry
) -> AsyncIterator[Infrastructure]:
    logs = _log_dir(work_dir)
    broker, database = OwnBroker(work_dir, registry), OwnFerretDb(work_dir)
    await asyncio.to_thread(broker.start)
    try:
        await database.start()
        stack = Stack("127.0.0.1", broker.amqp_port, broker.management_url, database.url)
        yield Infrastructure(stack, VHOST, "chaos", broker, database, logs)
    finally:
        database.drop()
        await asyncio.to_thread(broker.stop, logs)


@contextlib.asynccontextmanager
async def own_cluster_infrastructure(
    work_dir: Path, registry: OrganisationRegistry
) -> AsyncIterator[Infrastructure]:
    logs = _log_dir(work_dir)
    database = OwnFerretDb(work_dir)
    starting = running_cluster(work_dir, registry, prefix="chaos-cl", management=True, purge=True)
    cluster = await asyncio.to_thread(starting.__enter__)
    try:
        stack = ClusterStack(
            HOST,
            cluster.amqp_port(1),
            f"http://{HOST}:{cluster.management_port(1)}",
            database.url,
            amqp_ports=tuple(cluster.amqp_port(node) for node in NODES),
            management_ports=tuple(cluster.management_port(node) for node in NODES),
        )
        own = ChaosCluster(cluster, stack)
        try:
            await wait_until(
                lambda: asyncio.to_thread(own.replicated),
                timeout=120,
                what="every quorum queue with an online member on each node",
            )
            await database.start()
            yield Infrastructure(stack, cluster.vhost, "chaos", None, database, logs, own)
        finally:
            database.drop()
            own.keep_logs(logs)
    finally:
        await asyncio.to_thread(starting.__exit__, None, None, None)


@contextlib.contextmanager
def shared_infrastructure(
    work_dir: Path, registry: OrganisationRegistry
) -> Iterator[Infrastructure]:
    logs = _log_dir(work_dir)
    with real_stack() as stack, isolated_vhost(stack, registry) as vhost:
        yield Infrastructure(stack, vhost, f"chaos_{uuid.uuid4().hex[:10]}", logs=logs)
