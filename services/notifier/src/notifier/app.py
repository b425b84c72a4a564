"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

from fastapi import FastAPI

from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.contracts.notifier import SERVICE
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.publisher import RabbitEventPublisher
from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid.runtime import ServiceRuntime, create_broker, service_app
from notifier.adapters import mongo
from notifier.adapters.smtp import SmtpMailer
from notifier.entrypoints import api, consumer
from notifier.handlers import MessageDeliveredHandler
from notifier.settings import NotifierSettings


def create_runtime(settings: NotifierSettings) -> tuple[ServiceRuntime, mongo.ContactRepository]:
    registry = OrganisationRegistry.load(settings.organisation_registry)
    runtime = ServiceRuntime(
        SERVICE, settings, create_broker(settings, SERVICE), SERVICE_QUEUES[SERVICE]
    )
    contacts = mongo.ContactRepository(runtime.database)
    mailer = SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        from_address=settings.notifier_from_address,
        start_tls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
    )
    handler = MessageDeliveredHandler(
        store=mongo.NotificationRepository(runtime.database),
        contacts=contacts,
        mailer=mailer,
        publisher=RabbitEventPublisher(runtime.broker, settings.broker_user),
        registry=registry,
        trusted_publisher=settings.berichtenbox_broker_user,
        source=source_for(settings.platform_oin, SERVICE),
        portal_url=settings.portal_url,
        clock=utc_now,
    )
    consumer.register(runtime.broker, handler)
    return runtime, contacts


def create_app(settings: NotifierSettings) -> FastAPI:
    runtime, contacts = create_runtime(settings)
    app = service_app(runtime, mongo.create_indexes, title="Notifier", routers=[api.router])
    app.state.contacts = contacts
    return app
