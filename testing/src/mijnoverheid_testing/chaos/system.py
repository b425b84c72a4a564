"""The four services as real processes, each behind proxies of its own to the broker and the
database, kept running by a supervisor that kills and restarts them on the schedule's orders
(as an orchestrator would restart a crashed container)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pymongo import AsyncMongoClient

from mijnoverheid.faults import FAILPOINT_ENV, FAILPOINT_EXIT_CODE
from mijnoverheid.storage import Document
from mijnoverheid_testing.chaos.cluster import rotated
from mijnoverheid_testing.chaos.infra import Infrastructure
from mijnoverheid_testing.chaos.proxy import ProxyGroup
from mijnoverheid_testing.chaos.relay import ChaosRelay
from mijnoverheid_testing.cluster import broker_url
from mijnoverheid_testing.notifier import TEST_BOUNCE_SECRET
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.smtp import free_port

SERVICES = ("berichtenbox", "zaken", "gegevens", "notifier")
FAILPOINTS = (
    "berichtenbox.after-store",
    "zaken.after-store",
    "zaken.after-claim",
    "gegevens.after-store",
    "notifier.after-store",
)
# A heartbeat short enough that a cut link is noticed within a run (production: 60 s).
HEARTBEAT_SECONDS = 5
# Short retry delays and SMTP timeout so that a run drains in minutes; the sending lease stays
# longer than one attempt can take (three commands of at most 5 s each).
NOTIFIER = {
    "NOTIFIER_BOUNCE_SECRET": TEST_BOUNCE_SECRET,
    "NOTIFIER_RETRY_DELAYS_SECONDS": "[1, 2, 4, 8]",
    "NOTIFIER_MAX_ATTEMPTS": "5",
    "NOTIFIER_SENDING_LEASE_SECONDS": "30",
    "SMTP_TIMEOUT_SECONDS": "5",
    "SMTP_RATE_LIMIT": "0",
    "NOTIFIER_DEV_AUTO_VERIFY": "false",
    "PREFETCH": "256",
}
START_ATTEMPTS = 20
EXITED_BY_ITSELF = "exited by itself"
WATCH_SECONDS = 2.0


@dataclass(frozen=True)
class Death:
    at: float  # time.time()
    service: str
    how: str  # "kill -9" or the failpoint's name


class Supervised:
    def __init__(
        self, name: str, environment: dict[str, str], log_dir: Path, deaths: list[Death]
    ) -> None:
        self.name = name
        self.process = ServiceProcess(name, environment, log_dir)
        self.lock = asyncio.Lock()
        self._deaths = deaths

    async def start(self, **extra: str) -> int | None:
        """Start and wait until ready, trying again while the broker or database is away;
        the exit code if it died at its armed failpoint before it was ready."""
        for attempt in range(1, START_ATTEMPTS + 1):
            self.process.start(**extra)
            try:
                await self.process.ready(timeout=120)
                return None
            except AssertionError:
                if self.process.returncode == FAILPOINT_EXIT_CODE:
                    return FAILPOINT_EXIT_CODE
                self.process.sigkill()
                await asyncio.sleep(min(10.0, attempt))
        raise RuntimeError(f"{self.name} does not start:\n{self.process.log_tail()}")

    def _died(self, how: str) -> None:
        self._deaths.append(Death(time.time(), self.name, how))

    async def kill9(self, downtime: float) -> None:
        async with self.lock:
            self.process.sigkill()
            self._died("kill -9")
            await asyncio.sleep(downtime)
            await self.start()

    async def crash_at(self, failpoint: str, timeout: float) -> bool:
        """Restart armed with `failpoint`, wait until it dies there, restart it clean. False if
        no delivery reached the failpoint in time (then it is killed instead)."""
        async with self.lock:
            self.process.sigkill()
            self._died("kill -9")
            code = await self.start(**{FAILPOINT_ENV: failpoint})
            if code is None:
                try:
                    code = await self.process.exited(timeout)
                except AssertionError:
                    code = None
            reached = code == FAILPOINT_EXIT_CODE
            if not reached:
                self.process.sigkill()
            self._died(failpoint if reached else "kill -9")
            await self.start()
            return reached

    async def ensure_running(self) -> None:
        """Restart it if it ended without being killed by the schedule: a crash of its own,
        recorded as such (the auditor reports it)."""
        if self.lock.locked():
            return  # being killed or restarted on purpose right now
        async with self.lock:
            if not self.process.running:
                self._died(f"{EXITED_BY_ITSELF} (status {self.process.returncode})")
                await self.start()


class System:
    """`proxied`: the links ("<service>-broker", "<service>-database") that go through a proxy
    (those the schedule troubles; to a cluster, a proxy per node); the others connect
    directly. Each service is given every broker node, starting with another one."""

    def __init__(
        self, infra: Infrastructure, relay: ChaosRelay, log_dir: Path, proxied: set[str]
    ) -> None:
        self.infra = infra
        self.relay = relay
        self.log_dir = log_dir
        self.deaths: list[Death] = []
        self.proxies: dict[str, ProxyGroup] = {}
        self.services: dict[str, Supervised] = {}
        self._watching: asyncio.Task[None] | None = None
        database = urlsplit(infra.stack.mongodb_url)
        targets = {
            "broker": infra.broker_addresses,
            "database": [(database.hostname or "127.0.0.1", database.port or 27017)],
        }
        for link in sorted(proxied):
            self.proxies[link] = ProxyGroup(link, targets[link.rsplit("-", 1)[1]])

    def database_name(self, service: str) -> str:
        return f"{service}_{self.infra.database_suffix}"

    def _environment(self, name: str) -> dict[str, str]:
        stack = self.infra.stack
        broker = self.proxies.get(f"{name}-broker")
        nodes = broker.addresses if broker else self.infra.broker_addresses
        amqp_url = broker_url(name, self.infra.vhost, rotated(nodes, SERVICES.index(name)))
        database = self.proxies.get(f"{name}-database")
        if database is not None:
            host, port = database.addresses[0]
            mongodb_url = f"mongodb://{host}:{port}"
        else:
            mongodb_url = stack.mongodb_url
        environment = {
            "AMQP_URL": f"{amqp_url}?heartbeat={HEARTBEAT_SECONDS}",
            "MONGODB_URL": mongodb_url,
            "MONGODB_DATABASE": self.database_name(name),
            "SMTP_HOST": self.relay.host,
            "SMTP_PORT": str(self.relay.port),
            "LOG_LEVEL": "INFO",
            "PREFETCH": "32",
        }
        if name == "notifier":
            bounce_port = free_port("127.0.0.1")
            self.relay.bounce_endpoint = ("127.0.0.1", bounce_port)
            environment |= {**NOTIFIER, "NOTIFIER_BOUNCE_PORT": str(bounce_port)}
        return environment

    async def start(self) -> None:
        for proxy in self.proxies.values():
            await proxy.start()
        for name in SERVICES:
            self.services[name] = Supervised(
                name, self._environment(name), self.log_dir, self.deaths
            )
        await asyncio.gather(*(service.start() for service in self.services.values()))
        self._watching = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        """As an orchestrator would: a service that ends on its own is started again."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            for service in self.services.values():
                with contextlib.suppress(Exception):
                    await service.ensure_running()

    def base_url(self, service: str) -> str:
        return self.services[service].process.base_url

    async def stop(self) -> None:
        if self._watching is not None:
            self._watching.cancel()
        for service in self.services.values():
            await asyncio.to_thread(service.process.stop)
        for proxy in self.proxies.values():
            await proxy.close()
        if not self.infra.own:  # the shared database server: remove what the run wrote
            client: AsyncMongoClient[Document] = AsyncMongoClient(self.infra.stack.mongodb_url)
            for name in SERVICES:
                await client.drop_database(self.database_name(name))
            await client.close()
