"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

from fastapi import FastAPI

from berichtenbox.adapters import mongo
from berichtenbox.entrypoints import consumer
from berichtenbox.handlers import MessageSentHandler
from berichtenbox.settings import BerichtenboxSettings
from mijnoverheid.contracts.berichtenbox import SERVICE
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.publisher import RabbitEventPublisher
from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid.runtime import ServiceRuntime, create_broker, service_app


def create_runtime(settings: BerichtenboxSettings) -> ServiceRuntime:
    registry = OrganisationRegistry.load(settings.organisation_registry)
    runtime = ServiceRuntime(
        SERVICE, settings, create_broker(settings, SERVICE), SERVICE_QUEUES[SERVICE]
    )
    handler = MessageSentHandler(
        mongo.MessageRepository(runtime.database),
        RabbitEventPublisher(runtime.broker, settings.broker_user),
        registry,
        source_for(settings.platform_oin, SERVICE),
        utc_now,
    )
    consumer.register(runtime.broker, handler)
    return runtime


def create_app(settings: BerichtenboxSettings) -> FastAPI:
    runtime = create_runtime(settings)
    return service_app(runtime, mongo.create_indexes, title="Berichtenbox")
