"""The running system for cross-process tests: an isolated vhost, databases, an SMTP server and
the services as real processes."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from faststream.rabbit import Channel, RabbitBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.storage import Document
from mijnoverheid_testing.drained import drained
from mijnoverheid_testing.organisation import OrganisationClient
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.smtp import SmtpTestServer, free_port
from mijnoverheid_testing.stack import Stack, isolated_vhost


@dataclass
class Platform:
    stack: Stack
    registry: OrganisationRegistry
    vhost: str
    smtp: SmtpTestServer
    mongo: AsyncMongoClient[Document]
    log_dir: Path
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    def database_name(self, service: str) -> str:
        return f"{service}_{self.suffix}"

    def database(self, service: str) -> AsyncDatabase[Document]:
        return self.mongo[self.database_name(service)]

    def service(self, name: str) -> ServiceProcess:
        """A (not yet started) process of `name`, wired to this platform."""
        environment = {
            **self.stack.service_environment(name, self.vhost),
            "MONGODB_DATABASE": self.database_name(name),
            "SMTP_HOST": self.smtp.host,
            "SMTP_PORT": str(self.smtp.port),
            "LOG_LEVEL": "INFO",
            # The Notifier's bounce endpoint on a port of its own (tests run side by side).
            "NOTIFIER_BOUNCE_PORT": str(free_port("127.0.0.1")),
        }
        process = ServiceProcess(name, environment, self.log_dir)
        self.processes[f"{name}-{process.port}"] = process
        return process

    async def start(self, *names: str) -> dict[str, ServiceProcess]:
        started = {name: self.service(name).start() for name in names}
        for process in started.values():
            await process.ready()
        return started

    def organisation(self, broker_user: str) -> Organisation:
        found = self.registry.by_broker_user(broker_user)
        assert found is not None, f"{broker_user} is not in the registry"
        return found

    def client(self, broker_user: str) -> OrganisationClient:
        return OrganisationClient(self.stack, self.vhost, self.organisation(broker_user))

    async def enrol(self, bsns: Iterable[str] | str, *broker_users: str) -> None:
        """Citizens with an activated account and consent for these organisations' post (see
        OrganisationClient.enrol)."""
        citizens = [bsns] if isinstance(bsns, str) else list(bsns)
        for user in broker_users:
            async with self.client(user) as client:
                await client.enrol(*citizens)

    @contextlib.asynccontextmanager
    async def service_broker(self, user: str) -> AsyncIterator[RabbitBroker]:
        """A broker connection as service user `user`, publishing with confirms as the
        services do: for a test that runs a service's work in-process as another replica."""
        broker = RabbitBroker(
            self.stack.broker_url(user, self.vhost),
            default_channel=Channel(publisher_confirms=True, on_return_raises=True),
        )
        await broker.connect()
        try:
            yield broker
        finally:
            await broker.stop()

    async def drained(self, service: str = "") -> None:
        """Every work queue (of `service`, when given) empty, nothing in flight, for longer
        than the broker's statistics lag: what the services do in response to what a test
        published is all done."""
        await drained(self.stack, self.vhost, prefix=f"{service}." if service else "")

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()


@contextlib.asynccontextmanager
async def running_platform(
    stack: Stack, registry: OrganisationRegistry, log_dir: Path
) -> AsyncIterator[Platform]:
    with isolated_vhost(stack, registry) as vhost, stack.smtp_server() as smtp:
        mongo: AsyncMongoClient[Document] = AsyncMongoClient(stack.mongodb_url, tz_aware=True)
        platform = Platform(stack, registry, vhost, smtp, mongo, log_dir)
        try:
            yield platform
        finally:
            platform.stop()
            for process_name in platform.processes:
                service = process_name.rsplit("-", 1)[0]
                await mongo.drop_database(platform.database_name(service))
            await mongo.close()
