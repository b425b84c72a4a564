"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

from fastapi import FastAPI

from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.contracts.zaken import SERVICE
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.batching import Batcher
from mijnoverheid.messaging.publisher import RabbitEventPublisher
from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid.runtime import ServiceRuntime, create_broker, service_app
from mijnoverheid.settings import PlatformSettings
from zaken.adapters import mongo
from zaken.entrypoints import api, consumer
from zaken.handlers import (
    CaseStateRequestedHandler,
    CaseStatusChangedHandler,
    CaseWithdrawnHandler,
)


def create_runtime(
    settings: PlatformSettings,
) -> tuple[ServiceRuntime, mongo.CaseRepository, OrganisationRegistry]:
    registry = OrganisationRegistry.load(settings.organisation_registry)
    runtime = ServiceRuntime(
        SERVICE, settings, create_broker(settings, SERVICE), SERVICE_QUEUES[SERVICE]
    )
    cases = mongo.CaseRepository(runtime.database)
    publisher = RabbitEventPublisher(runtime.broker, settings.broker_user)
    source = source_for(settings.platform_oin, SERVICE)
    status_changed = CaseStatusChangedHandler(cases, publisher, registry, source, utc_now)
    consumer.register(
        runtime.broker,
        # The deliveries the consumer holds (up to its prefetch) are recorded together: every
        # write is a transaction of its own on FerretDB v1, whatever it holds.
        on_status_changed=Batcher(status_changed.handle_batch, max_size=settings.prefetch),
        on_withdrawn=CaseWithdrawnHandler(cases, publisher, registry, source, utc_now),
        on_state_requested=CaseStateRequestedHandler(cases, publisher, registry, source, utc_now),
    )
    return runtime, cases, registry


def create_app(settings: PlatformSettings) -> FastAPI:
    runtime, cases, registry = create_runtime(settings)
    app = service_app(runtime, mongo.create_indexes, title="Lopende Zaken", routers=[api.router])
    app.state.cases = cases
    app.state.registry = registry
    return app
