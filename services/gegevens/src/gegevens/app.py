"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

from fastapi import FastAPI

from gegevens.adapters import mongo
from gegevens.entrypoints import api, consumer
from gegevens.handlers import RegistrationHandler
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.contracts.gegevens import SERVICE, RegistrationChanged, RegistrationRemoved
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.publisher import RabbitEventPublisher
from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid.runtime import ServiceRuntime, create_broker, service_app
from mijnoverheid.settings import PlatformSettings


def create_runtime(
    settings: PlatformSettings,
) -> tuple[ServiceRuntime, mongo.RegistrationRepository, OrganisationRegistry]:
    registry = OrganisationRegistry.load(settings.organisation_registry)
    runtime = ServiceRuntime(
        SERVICE, settings, create_broker(settings, SERVICE), SERVICE_QUEUES[SERVICE]
    )
    repository = mongo.RegistrationRepository(runtime.database)
    publisher = RabbitEventPublisher(runtime.broker, settings.broker_user)
    source = source_for(settings.platform_oin, SERVICE)
    on_changed = RegistrationHandler(
        RegistrationChanged,
        store=repository,
        publisher=publisher,
        registry=registry,
        source=source,
        clock=utc_now,
    )
    on_removed = RegistrationHandler(
        RegistrationRemoved,
        store=repository,
        publisher=publisher,
        registry=registry,
        source=source,
        clock=utc_now,
    )
    consumer.register(runtime.broker, on_changed, on_removed)
    return runtime, repository, registry


def create_app(settings: PlatformSettings) -> FastAPI:
    runtime, repository, registry = create_runtime(settings)
    app = service_app(runtime, mongo.create_indexes, title="Gegevens", routers=[api.router])
    app.state.registrations = repository
    app.state.registry = registry
    return app
