"""Composition root: the only place that knows the concrete adapters.

The connector is a service of its own (one bounded context: translating the ZGW world into
Lopende Zaken's contract), not a module of Zaken: it talks to the internet (Open Notificaties)
and to every organisation's ZGW APIs, so it runs with less than Zaken may (a broker user that
can publish only for the organisations configured for it, a database of its own), and Zaken
keeps one way in for every organisation: its inbound gate, which knows the connector as a
relay (docs/zgw-connector.md § 9, docs/security.md).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from mijnoverheid import tls
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.topology import ZGW_CONNECTOR
from mijnoverheid.runtime import Job, PlatformRuntime, Service
from zgw_connector.adapters import records
from zgw_connector.adapters.outbound import CaseEvents
from zgw_connector.adapters.queue import RabbitThinEventQueue
from zgw_connector.adapters.zgw import ZgwClient
from zgw_connector.domain.retry import RetryPolicy
from zgw_connector.entrypoints import listener, webhook
from zgw_connector.entrypoints.credentials import Credentials
from zgw_connector.entrypoints.subscriptions import subscriptions
from zgw_connector.handlers.receive import ReceiveThinEvent
from zgw_connector.handlers.relay import RelayThinEvent
from zgw_connector.settings import ConnectorSettings


@dataclass(frozen=True)
class ConnectorApi:
    """The connector has no citizen API: its HTTP API is the public listener's."""

    registry: OrganisationRegistry


@dataclass(frozen=True)
class ZgwSources:
    http: httpx.AsyncClient
    registry: OrganisationRegistry
    settings: ConnectorSettings

    def for_organisation(self, oin: str) -> ZgwClient:
        organisation = self.registry.by_oin(oin)
        secret = (
            self.settings.api_secret(organisation) if organisation and organisation.zgw else None
        )
        if organisation is None or organisation.zgw is None or secret is None:
            raise UnprocessableEventError("no ZGW API configured for the organisation")
        return ZgwClient(self.http, organisation.zgw, secret)


def compose(settings: ConnectorSettings) -> Service[ConnectorApi]:
    runtime = PlatformRuntime(ZGW_CONNECTOR, settings)
    registry = runtime.registry
    http = httpx.AsyncClient(
        verify=tls.client_context(settings.zgw_ca_file),
        timeout=settings.zgw_http_timeout_seconds,
        follow_redirects=False,  # a redirect could lead anywhere: every URL is checked first
    )
    store = records.Records(runtime.database)
    queue = RabbitThinEventQueue(
        runtime.broker, settings.broker_user, settings.zgw_retry_delays_seconds
    )
    relay = RelayThinEvent(
        registry=registry,
        records=store,
        sources=ZgwSources(http, registry, settings),
        events=CaseEvents(runtime.publisher),
        queue=queue,
        policy=RetryPolicy(settings.zgw_retry_delays_seconds, settings.zgw_max_attempts),
        clock=utc_now,
    )
    receive = ReceiveThinEvent(store, queue, utc_now)
    credentials = Credentials(registry, settings.client_secrets(registry), settings.token_secret())
    public = listener.listener_config(
        webhook.create_app(credentials, receive),
        settings.zgw_https_host,
        settings.zgw_https_port,
        settings.zgw_tls_cert_file,
        settings.zgw_tls_key_file,
        settings.zgw_tls_client_ca_file,
    )

    async def serve_public() -> None:
        await listener.serve(public)

    async def close_http_at_shutdown() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await http.aclose()

    jobs: tuple[Job, ...] = (serve_public, close_http_at_shutdown)
    return Service(
        title="ZGW connector",
        runtime=runtime,
        subscriptions=subscriptions(relay, settings.broker_user),
        create_indexes=records.create_indexes,
        api=ConnectorApi(registry),
        jobs=jobs,
        declares_shared_topology=False,
        relays=events.ZGW_RELAYED,
    )
