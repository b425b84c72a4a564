"""A RabbitMQ node of its own for TLS tests: AMQPS only, mutual TLS with the test PKI, the
EXTERNAL mechanism and CRL checks (scripts/rabbitmq-node.sh --tls --no-plain).

The node gets the project's provisioning with certificate users instead of password users
(`certificate_definitions`), imported at boot, so one start serves a whole test session.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aio_pika
from aio_pika.abc import AbstractConnection

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.provisioning import DEFAULT_VHOSTS, SERVICE_USERS, BrokerUsers, definitions
from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.pki.catalogue import PLATFORM_OIN
from mijnoverheid_testing.pki.index import Issued, TestPki
from mijnoverheid_testing.pki.testca import build

NODE_SCRIPT = REPOSITORY_ROOT / "scripts" / "rabbitmq-node.sh"
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 180


def certificate_users(
    registry: OrganisationRegistry, pki: TestPki, admin_password: str | None = None
) -> BrokerUsers:
    """The provisioning's certificate users for the test PKI: no passwords, and an
    administrator for the management API only if given its password (AMQP offers EXTERNAL
    alone, so no password logs in there).

    The organisations' users come from the registry (`certificate_users`); the test PKI must
    have issued exactly those subjects, or the tests would test another registry."""
    for org in registry.organisations:
        issued = pki.organisation(org.broker_user).rabbitmq_user
        if issued not in org.certificate_users:
            raise RuntimeError(
                f"the test PKI's certificate of {org.name} is {issued!r}, which the registry "
                f"does not list among its certificate_users {org.certificate_users}"
            )
    services = {service: pki.service(service).rabbitmq_user for service in SERVICE_USERS}
    return BrokerUsers(
        local_passwords=False, service_certificates=services, admin_password=admin_password
    )


def certificate_definitions(
    registry: OrganisationRegistry,
    pki: TestPki,
    vhosts: tuple[str, ...] = DEFAULT_VHOSTS,
    admin_password: str | None = None,
) -> dict[str, Any]:
    """What provisioning generates for a TLS broker with the test PKI's certificates."""
    return definitions(registry, vhosts, certificate_users(registry, pki, admin_password))


@dataclass(frozen=True)
class TlsBroker:
    node: str
    port: int  # AMQPS
    plain_port: int  # where the plain AMQP listener would be: nothing listens there
    vhost: str
    pki: TestPki
    nodes_dir: Path
    admin_password: str  # the management API's administrator (no AMQP login: EXTERNAL only)

    @property
    def management_url(self) -> str:
        return f"http://{HOST}:{self.plain_port + 2}"

    @property
    def log_file(self) -> Path:
        return self.nodes_dir / self.node / "log" / f"{self.node}.log"

    def url(self, vhost: str | None = None) -> str:
        return f"amqps://{HOST}:{self.port}/{quote(vhost or self.vhost, safe='')}?auth=external"

    async def connect(self, issued: Issued, vhost: str | None = None) -> AbstractConnection:
        """Connect with `issued`'s certificate (EXTERNAL), verifying the broker's certificate."""
        context = issued.client_context(self.pki.bundle)
        return await aio_pika.connect(self.url(vhost), ssl_context=context, timeout=15)

    def ctl(self, *arguments: str) -> str:
        """rabbitmqctl against this node; its output."""
        done = _node_script(self.nodes_dir, "ctl", self.node, *arguments)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {arguments[0]} failed: {done.stderr}")
        return done.stdout

    def log_size(self) -> int:
        return self.log_file.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log_file.open("rb") as file:
            file.seek(offset)
            return file.read().decode("utf-8", "replace")


def _ports_free(base: int, count: int) -> bool:
    for port in range(base, base + count):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                return False
    return True


def free_port_base(count: int = 4) -> int:
    """A block of free ports below Linux's ephemeral range (32768+), where the OS hands out
    no client ports, so the block stays free until the node binds it."""
    for _ in range(200):
        base = random.randrange(20000, 32000 - count)
        if _ports_free(base, count):
            return base
    raise RuntimeError("no block of free ports found for a RabbitMQ node")


def _node_script(nodes_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "RABBITMQ_NODES_DIR": str(nodes_dir)}
    return subprocess.run(  # noqa: S603 - our own script
        [str(NODE_SCRIPT), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS + 30,
        check=False,
    )


@contextlib.contextmanager
def running_tls_broker(work_dir: Path, registry: OrganisationRegistry) -> Iterator[TlsBroker]:
    """Generate the test PKI in `work_dir`, start a TLS-only node there, stop it afterwards."""
    pki_dir, nodes_dir = work_dir / "pki", work_dir / "nodes"
    build(pki_dir, registry, PLATFORM_OIN)
    pki = TestPki.load(pki_dir)
    vhost = DEFAULT_VHOSTS[0]
    definitions_file = work_dir / "definitions.json"
    admin_password = secrets.token_urlsafe(24)
    provisioning = certificate_definitions(registry, pki, (vhost,), admin_password)
    definitions_file.write_text(json.dumps(provisioning))
    # Unique on this machine: other sessions (and engineers) share epmd and the host name.
    name = f"tls-{os.getpid()}-{secrets.token_hex(3)}"
    for _ in range(3):  # another process may take a free port before the node binds it
        base = free_port_base()
        started = _node_script(
            nodes_dir,
            *("start", name, str(base), "--tls", str(pki_dir), "--no-plain", "--management"),
            *("--definitions", str(definitions_file), "--timeout", str(START_TIMEOUT_SECONDS)),
            *("--stop-with", str(os.getpid())),  # should this session die without teardown
        )
        if started.returncode == 0 or "is in use" not in started.stderr:
            break
    if started.returncode != 0:
        _node_script(nodes_dir, "stop", name)
        raise RuntimeError(f"the TLS RabbitMQ node did not start:\n{started.stderr}")
    try:
        yield TlsBroker(name, base + 1, base, vhost, pki, nodes_dir, admin_password)
    finally:
        _node_script(nodes_dir, "stop", name)
