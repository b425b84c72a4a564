"""The ZGW connector as production runs it: in production mode, logged in to a TLS-only broker
with its platform certificate (EXTERNAL), its narrow grant provisioned for that certificate's
user, its endpoint on TLS with mutual TLS for the organisations, the ZGW API verified against
the CA; Zaken, in production too, trusts exactly that certificate's DN as its relay."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_urlsafe
from typing import Any

import pytest

from mijnoverheid.certificates import serial_numbers_in
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.pki.index import verifying_context
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.smtp import free_port
from mijnoverheid_testing.tlsstack import TlsStack
from mijnoverheid_testing.waiting import wait_until
from mijnoverheid_testing.zgw.api import ZgwApi
from mijnoverheid_testing.zgw.notificaties import GEMUTEERD, OpenNotificaties, thin_event
from mijnoverheid_testing.zgw.server import running_zgw_api

pytestmark = pytest.mark.integration

GEMEENTE = "00000001001234567000"
API_CLIENT = "mijnoverheid-zgw-connector"
CLIENT = "voorbeeldstad-open-notificaties"


@pytest.fixture(scope="module")
def secrets() -> dict[str, str]:
    return {"api": token_urlsafe(32), "client": token_urlsafe(32), "token": token_urlsafe(32)}


@pytest.fixture(scope="module")
def zgw_api(tls_stack: TlsStack, secrets: dict[str, str]) -> Iterator[ZgwApi]:
    server = tls_stack.pki.server("zgw-api")
    clients = {API_CLIENT: secrets["api"]}
    with running_zgw_api(clients, server.certificate, server.key) as api:
        yield api


@pytest.fixture(scope="module")
def registry_file(
    tls_platform: Platform, zgw_api: ZgwApi, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    document = tls_platform.registry.model_dump(mode="json")
    for org in document["organisations"]:
        if org["oin"] == GEMEENTE:
            org["zgw"] |= {
                "zaken_api": zgw_api.data.zaken_root,
                "catalogi_api": zgw_api.data.catalogi_root,
            }
    path = tmp_path_factory.mktemp("zgw-tls") / "organisations.json"
    path.write_text(json.dumps(document))
    return path


@pytest.fixture(scope="module")
async def started(
    tls_platform: Platform, registry_file: Path, secrets: dict[str, str]
) -> tuple[ServiceProcess, str]:
    stack = tls_platform.stack
    assert isinstance(stack, TlsStack)
    relay_user = stack.pki.service("zgw-connector").rabbitmq_user
    zaken = tls_platform.service("zaken").start(
        ORGANISATION_REGISTRY=str(registry_file), ZGW_CONNECTOR_BROKER_USER=relay_user
    )
    port = free_port("127.0.0.1")
    endpoint = stack.pki.server("zgw-connector")
    environment = {
        **stack.service_environment("zgw-connector", tls_platform.vhost),
        "MONGODB_DATABASE": tls_platform.database_name("zgw_connector"),
        "ORGANISATION_REGISTRY": str(registry_file),
        "ZGW_HTTPS_PORT": str(port),
        "ZGW_TLS_CERT_FILE": str(endpoint.certificate),
        "ZGW_TLS_KEY_FILE": str(endpoint.key),
        "ZGW_TLS_CLIENT_CA_FILE": str(stack.pki.bundle),
        "ZGW_CA_FILE": str(stack.pki.bundle),
        "ZGW_TOKEN_SECRET": secrets["token"],
        "ZGW_NOTIFICATION_CLIENT_SECRETS": json.dumps({CLIENT: secrets["client"]}),
        "ZGW_API_SECRETS": json.dumps({GEMEENTE: secrets["api"]}),
    }
    connector = ServiceProcess("zgw_connector", environment, tls_platform.log_dir)
    tls_platform.processes[f"zgw_connector-{connector.port}"] = connector
    connector.start()
    await zaken.ready()
    await connector.ready()
    return connector, f"https://localhost:{port}"


def connections(platform: Platform) -> list[dict[str, Any]]:
    with platform.stack.management() as management:
        found: list[dict[str, Any]] = (
            management.get(f"/api/vhosts/{platform.vhost}/connections").raise_for_status().json()
        )
    return found


async def test_the_connector_relays_in_production_over_tls_as_its_certificate(
    tls_platform: Platform,
    zgw_api: ZgwApi,
    started: tuple[ServiceProcess, str],
    secrets: dict[str, str],
) -> None:
    connector, endpoint = started
    assert connector.environment["MIJNOVERHEID_ENVIRONMENT"] == "production"
    stack = tls_platform.stack
    assert isinstance(stack, TlsStack)
    relay_user = stack.pki.service("zgw-connector").rabbitmq_user
    [connection] = await wait_until(
        lambda: [c for c in connections(tls_platform) if c["user"] == relay_user],
        what="the connector's broker connection",
    )
    assert (connection["ssl"], connection["auth_mechanism"]) == (True, "EXTERNAL")
    assert serial_numbers_in(relay_user) == ["00000001234567890000"], "a platform certificate"

    bsn = random_bsn()
    zaaktype = zgw_api.data.zaaktype()
    zaak = zgw_api.data.zaak(zaaktype, f"ZAAK-{uuid.uuid4().hex[:8]}")
    zgw_api.data.initiator(zaak, bsn)
    zgw_api.data.status(zaak, zgw_api.data.statustype(zaaktype, "Ontvangen", 1), datetime.now(UTC))
    trust = verifying_context(stack.pki.bundle)
    notificaties = OpenNotificaties(endpoint, CLIENT, secrets["client"], trust)
    own = stack.pki.organisation("gemeente-voorbeeldstad").client_context(stack.pki.bundle)
    answer = await notificaties.deliver(thin_event(GEMUTEERD, zaak), tls=own)  # token and mTLS
    assert answer.status_code == 202

    statuses = tls_platform.database("zaken").case_statuses
    recorded = await wait_until(lambda: statuses.find_one({"bsn": bsn}), what="the status recorded")
    assert recorded["organisation_oin"] == GEMEENTE
    assert recorded["event_source"] == f"urn:nld:oin:{GEMEENTE}:systeem:zgw-connector"
