"""Where the real RabbitMQ and MongoDB-compatible server are, and an isolated vhost per test run.

Addresses come from AMQP_URL and MONGODB_URL; without them, testcontainers starts both when a
Docker engine answers; otherwise the tests fail with how to start the local stack.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlsplit

import aio_pika
import httpx
from aio_pika.abc import AbstractRobustConnection

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.provisioning import (
    ADMIN_USER,
    LOCAL_PASSWORDS,
    BrokerUsers,
    definitions,
    local_password,
)
from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.smtp import SmtpTestServer

HOW_TO_START = (
    "No broker/database configured. Start the local stack with `make stack` (or "
    "`scripts/local-stack.sh up`) and export the variables that `scripts/local-stack.sh env` "
    "prints, or run the whole suite with `make test`. With a Docker engine, testcontainers "
    "is used automatically."
)


@dataclass(frozen=True)
class Stack:
    """The local stack as tests reach it: plain AMQP with the local passwords, and the local
    database. A user is a service name or an organisation's `broker_user`."""

    amqp_host: str
    amqp_port: int
    management_url: str
    mongodb_url: str

    def broker_url(self, user: str, vhost: str) -> str:
        password = local_password(user)
        credentials = f"{quote(user)}:{quote(password)}"
        return f"amqp://{credentials}@{self.amqp_host}:{self.amqp_port}/{quote(vhost, safe='')}"

    def management(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.management_url,
            auth=(ADMIN_USER, local_password(ADMIN_USER)),
            timeout=30.0,
        )

    def broker_users(self) -> BrokerUsers:
        """Who the provisioning of a test vhost creates."""
        return LOCAL_PASSWORDS

    async def connect(self, user: str, vhost: str) -> AbstractRobustConnection:
        """A connection as `user` (as that service or organisation connects)."""
        return await aio_pika.connect_robust(self.broker_url(user, vhost))

    def user_id(self, user: str) -> str:
        """The AMQP user_id `user` must publish with: its broker user."""
        return user

    def service_environment(self, service: str, vhost: str) -> dict[str, str]:
        """How a service process reaches the broker and the database."""
        return {"AMQP_URL": self.broker_url(service, vhost), "MONGODB_URL": self.mongodb_url}

    def smtp_server(self) -> SmtpTestServer:
        return SmtpTestServer()

    def citizen_token(self, bsn: str) -> str:
        """A citizen token the services accept (development: the development issuer's)."""
        return mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, timedelta(minutes=5))


def _from_environment() -> Stack | None:
    amqp_url = os.environ.get("AMQP_URL")
    mongodb_url = os.environ.get("MONGODB_URL")
    if not amqp_url or not mongodb_url:
        return None
    parts = urlsplit(amqp_url)
    host = parts.hostname or "127.0.0.1"
    management = os.environ.get("RABBITMQ_MANAGEMENT_URL", f"http://{host}:15672")
    return Stack(host, parts.port or 5672, management, mongodb_url)


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
    except Exception:
        return False
    return True


@contextlib.contextmanager
def _containers() -> Iterator[Stack]:
    from testcontainers.mongodb import MongoDbContainer
    from testcontainers.rabbitmq import RabbitMqContainer

    rabbit = RabbitMqContainer(
        "rabbitmq:3.13-management",
        username=ADMIN_USER,
        password=local_password(ADMIN_USER),
    ).with_exposed_ports(5672, 15672)
    with rabbit, MongoDbContainer("mongo:7") as mongo:
        host = rabbit.get_container_host_ip()
        yield Stack(
            host,
            int(rabbit.get_exposed_port(5672)),
            f"http://{host}:{rabbit.get_exposed_port(15672)}",
            mongo.get_connection_url(),
        )


@contextlib.contextmanager
def real_stack() -> Iterator[Stack]:
    found = _from_environment()
    if found is not None:
        yield found
    elif _docker_available():
        with _containers() as stack:
            yield stack
    else:
        raise RuntimeError(HOW_TO_START)


@contextlib.contextmanager
def isolated_vhost(stack: Stack, registry: OrganisationRegistry) -> Iterator[str]:
    """A fresh vhost with the full provisioning (users, permissions, topology), removed after."""
    vhost = f"test-{uuid.uuid4().hex[:12]}"
    with stack.management() as client:
        client.put(f"/api/vhosts/{vhost}").raise_for_status()
        provisioning = definitions(registry, (vhost,), stack.broker_users())
        client.post("/api/definitions", json=provisioning).raise_for_status()
        try:
            yield vhost
        finally:
            client.delete(f"/api/vhosts/{vhost}")


def demo_registry() -> OrganisationRegistry:
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")
