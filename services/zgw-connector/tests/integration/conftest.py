"""The ZGW connector against the real broker, database and SMTP server, with a ZGW API of the
project's own (mijnoverheid_testing.zgw) as the organisation's Open Zaak, over TLS with a test
CA. The registry is the demo registry with the municipality's zgw section pointing at that API;
the vhost is provisioned from it, so the broker grants the connector exactly that organisation.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.provisioning import RELAY_USER
from mijnoverheid_testing.notifier import Notifier, start_notifier
from mijnoverheid_testing.pki.catalogue import PLATFORM_OIN
from mijnoverheid_testing.pki.index import TestPki, verifying_context
from mijnoverheid_testing.pki.testca import build
from mijnoverheid_testing.platform import Platform, running_platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.smtp import free_port
from mijnoverheid_testing.stack import Stack
from mijnoverheid_testing.waiting import listening, wait_until
from mijnoverheid_testing.zgw.api import ZgwApi
from mijnoverheid_testing.zgw.notificaties import OpenNotificaties
from mijnoverheid_testing.zgw.server import running_zgw_api

GEMEENTE = "gemeente-voorbeeldstad"
API_CLIENT = "mijnoverheid-zgw-connector"
NOTIFICATION_CLIENT = "voorbeeldstad-open-notificaties"
# The development secrets the connector takes when none is set (<client id>-local-secret).
API_SECRET = f"{API_CLIENT}-local-secret"
NOTIFICATION_SECRET = f"{NOTIFICATION_CLIENT}-local-secret"
# Quick retries, so that a zaak completed later is found, and one never completed is dead-
# lettered, within a test.
RETRY_DELAYS = "[0.5, 1.0, 1.0, 1.0]"
MAX_ATTEMPTS = 5


@dataclass
class Connector:
    process: ServiceProcess
    endpoint: str  # https://localhost:<port>
    pki: TestPki
    notificaties: OpenNotificaties


@pytest.fixture(scope="module")
def zgw_pki(tmp_path_factory: pytest.TempPathFactory, registry: OrganisationRegistry) -> TestPki:
    directory = tmp_path_factory.mktemp("zgw-pki")
    build(directory, registry, PLATFORM_OIN)
    return TestPki.load(directory)


@pytest.fixture(scope="module")
def zgw_api(zgw_pki: TestPki) -> Iterator[ZgwApi]:
    """The municipality's ZGW API; lists are paged one item a page, so paging is followed."""
    server = zgw_pki.server("zgw-api")
    with running_zgw_api(
        {API_CLIENT: API_SECRET}, server.certificate, server.key, page_size=1
    ) as api:
        yield api


def with_zgw(registry: OrganisationRegistry, api: ZgwApi) -> OrganisationRegistry:
    document = registry.model_dump(mode="json")
    for org in document["organisations"]:
        if org["broker_user"] == GEMEENTE:
            org["zgw"] = {
                **org["zgw"],
                "zaken_api": api.data.zaken_root,
                "catalogi_api": api.data.catalogi_root,
            }
    return OrganisationRegistry.model_validate(document)


@pytest.fixture(scope="module")
def zgw_registry(
    registry: OrganisationRegistry, zgw_api: ZgwApi, tmp_path_factory: pytest.TempPathFactory
) -> tuple[OrganisationRegistry, Path]:
    found = with_zgw(registry, zgw_api)
    path = tmp_path_factory.mktemp("zgw-registry") / "organisations.json"
    path.write_text(json.dumps(found.model_dump(mode="json")), encoding="utf-8")
    return found, path


@pytest.fixture(scope="module")
async def zgw_platform(
    stack: Stack, zgw_registry: tuple[OrganisationRegistry, Path], service_logs: Path
) -> AsyncIterator[Platform]:
    async with running_platform(stack, zgw_registry[0], service_logs) as running:
        yield running


@pytest.fixture(scope="module")
def gemeente(zgw_registry: tuple[OrganisationRegistry, Path]) -> Organisation:
    found = zgw_registry[0].by_broker_user(GEMEENTE)
    assert found is not None
    return found


@pytest.fixture(scope="module")
async def zaken(
    zgw_platform: Platform, zgw_registry: tuple[OrganisationRegistry, Path]
) -> ServiceProcess:
    process = zgw_platform.service("zaken").start(
        ORGANISATION_REGISTRY=str(zgw_registry[1]), ZGW_CONNECTOR_BROKER_USER=RELAY_USER
    )
    await process.ready()
    return process


@pytest.fixture(scope="module")
async def notifier(
    zgw_platform: Platform, zgw_registry: tuple[OrganisationRegistry, Path]
) -> Notifier:
    return await start_notifier(zgw_platform, ORGANISATION_REGISTRY=str(zgw_registry[1]))


@pytest.fixture(scope="module")
async def connector(
    zgw_platform: Platform, zgw_pki: TestPki, zgw_registry: tuple[OrganisationRegistry, Path]
) -> Connector:
    port = free_port("127.0.0.1")
    server = zgw_pki.server("zgw-connector")
    process = zgw_platform.service("zgw_connector").start(
        AMQP_URL=zgw_platform.stack.broker_url(RELAY_USER, zgw_platform.vhost),
        ORGANISATION_REGISTRY=str(zgw_registry[1]),
        ZGW_HTTPS_PORT=str(port),
        ZGW_TLS_CERT_FILE=str(server.certificate),
        ZGW_TLS_KEY_FILE=str(server.key),
        ZGW_TLS_CLIENT_CA_FILE=str(zgw_pki.bundle),
        ZGW_CA_FILE=str(zgw_pki.bundle),
        ZGW_RETRY_DELAYS_SECONDS=RETRY_DELAYS,
        ZGW_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
    )
    await process.ready()

    await wait_until(lambda: listening(port), what="the connector's endpoint to listen")
    endpoint = f"https://localhost:{port}"
    trust = verifying_context(zgw_pki.bundle)
    return Connector(
        process,
        endpoint,
        zgw_pki,
        OpenNotificaties(endpoint, NOTIFICATION_CLIENT, NOTIFICATION_SECRET, trust),
    )
