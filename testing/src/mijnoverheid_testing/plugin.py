"""pytest plugin: fixtures for tests against the real broker, database and SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid_testing.cluster import NODES, RabbitCluster, running_cluster
from mijnoverheid_testing.platform import Platform, running_platform
from mijnoverheid_testing.stack import Stack, demo_registry, real_stack
from mijnoverheid_testing.tlsbroker import TlsBroker, running_tls_broker
from mijnoverheid_testing.tlsstack import ProductionSecrets, TlsStack, running_tls_ferretdb
from mijnoverheid_testing.waiting import wait_until


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    try:
        with real_stack() as found:
            yield found
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def registry() -> OrganisationRegistry:
    return demo_registry()


@pytest.fixture(scope="session")
def tls_broker(
    tmp_path_factory: pytest.TempPathFactory, registry: OrganisationRegistry
) -> Iterator[TlsBroker]:
    """A RabbitMQ node of its own, started once per session: AMQPS only (mutual TLS with the
    test PKI, EXTERNAL, CRL checks), provisioned with certificate users."""
    try:
        with running_tls_broker(tmp_path_factory.mktemp("tls-broker"), registry) as broker:
            yield broker
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def tls_stack(
    tmp_path_factory: pytest.TempPathFactory, tls_broker: TlsBroker, registry: OrganisationRegistry
) -> Iterator[TlsStack]:
    """The TLS broker, a FerretDB with only a TLS listener, a STARTTLS relay per platform and
    production keys of this session: the stack as production runs it."""
    work_dir = tmp_path_factory.mktemp("tls-stack")
    try:
        with running_tls_ferretdb(work_dir, tls_broker.pki) as port:
            secrets = ProductionSecrets.generate(work_dir / "secrets")
            yield TlsStack.create(tls_broker, port, registry, secrets)
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
async def rabbitmq_cluster(
    tmp_path_factory: pytest.TempPathFactory, registry: OrganisationRegistry
) -> AsyncIterator[RabbitCluster]:
    """Three RabbitMQ nodes of their own in one cluster, started once per session, provisioned
    (vhost `mijnoverheid`) once all three had joined: every quorum queue has three members."""
    try:
        with running_cluster(tmp_path_factory.mktemp("rabbitmq-cluster"), registry) as cluster:

            def replicated() -> bool:
                members = cluster.members()
                return bool(members) and all(len(nodes) == len(NODES) for nodes in members.values())

            await wait_until(replicated, timeout=60, what="quorum queues on all three nodes")
            yield cluster
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="module")
async def tls_platform(
    tls_stack: TlsStack, registry: OrganisationRegistry, service_logs: Path
) -> AsyncIterator[Platform]:
    """Like `platform`, over the TLS stack: services run in production mode."""
    async with running_platform(tls_stack, registry, service_logs) as running:
        yield running


@pytest.fixture(scope="session")
def service_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="module")
async def platform(
    stack: Stack, registry: OrganisationRegistry, service_logs: Path
) -> AsyncIterator[Platform]:
    """A fresh vhost, fresh databases and an SMTP server, shared by one test module."""
    async with running_platform(stack, registry, service_logs) as running:
        yield running


@pytest.fixture
async def own_platform(
    stack: Stack, registry: OrganisationRegistry, service_logs: Path
) -> AsyncIterator[Platform]:
    """Like `platform`, but for one test alone (e.g. one that crashes services)."""
    async with running_platform(stack, registry, service_logs) as running:
        yield running
