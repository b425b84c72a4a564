"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.contracts.notifier import SERVICE
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.publisher import RabbitEventPublisher
from mijnoverheid.runtime import ServiceRuntime, create_broker, service_app
from mijnoverheid.storage import Document
from notifier import bootstrap
from notifier.adapters import contacts, notifications
from notifier.adapters.bounce_server import bounce_server
from notifier.adapters.smtp_pool import SmtpPool
from notifier.adapters.templates import TemplateRenderer
from notifier.entrypoints import api, consumer
from notifier.handlers.bounces import BounceHandler
from notifier.handlers.contacts import ContactService
from notifier.handlers.dispatch import Dispatcher
from notifier.handlers.overdue import OverdueScanner
from notifier.settings import NotifierSettings

Job = Callable[[], Coroutine[Any, Any, None]]

logger = logging.getLogger(__name__)


@dataclass
class Wiring:
    """What the HTTP side and the background jobs need besides the runtime."""

    contact_service: ContactService
    pool: SmtpPool
    jobs: list[Job] = field(default_factory=list)


def create_runtime(settings: NotifierSettings) -> tuple[ServiceRuntime, Wiring]:
    registry = OrganisationRegistry.load(settings.organisation_registry)
    runtime = ServiceRuntime(
        SERVICE, settings, create_broker(settings, SERVICE), topology.SERVICE_QUEUES[SERVICE]
    )
    source = source_for(settings.platform_oin, SERVICE)
    store = notifications.NotificationRepository(runtime.database)
    contact_repository = contacts.ContactRepository(runtime.database)
    publisher = RabbitEventPublisher(runtime.broker, settings.broker_user)
    pool = bootstrap.smtp_pool(settings)
    mailer = bootstrap.smtp_mailer(settings, pool)
    renderer = TemplateRenderer(settings.portal_url)
    dispatcher = Dispatcher(
        store=store,
        contacts=contact_repository,
        mailer=mailer,
        renderer=renderer,
        retries=bootstrap.retry_scheduler(settings, runtime.broker),
        publisher=publisher,
        source=source,
        timing=bootstrap.timing(settings),
        clock=utc_now,
    )
    handlers = bootstrap.consumer_handlers(
        settings,
        registry=registry,
        dispatcher=dispatcher,
        store=store,
        publisher=publisher,
        source=source,
        clock=utc_now,
    )
    consumer.register(runtime.broker, handlers)

    contact_service = ContactService(
        contacts=contact_repository,
        mailer=mailer,
        renderer=renderer,
        clock=utc_now,
        verification_valid_for=timedelta(seconds=settings.notifier_verification_valid_seconds),
        auto_verify=settings.notifier_dev_auto_verify,
    )
    wiring = Wiring(contact_service, pool)
    scanner = OverdueScanner(
        store=store,
        publisher=publisher,
        source=source,
        clock=utc_now,
        interval_seconds=settings.notifier_overdue_scan_seconds,
    )
    wiring.jobs.append(scanner.run)
    if settings.bounce_secret_is_the_development_default:
        wiring.jobs.append(_warn_of_the_development_bounce_secret)
    if settings.notifier_bounce_port:
        bounces = BounceHandler(
            store=store,
            contacts=contact_repository,
            publisher=publisher,
            source=source,
            clock=utc_now,
            bounce_secret=settings.bounce_secret,
        )
        endpoint = (settings.notifier_bounce_host, settings.notifier_bounce_port)
        wiring.jobs.append(bounce_server(*endpoint, settings.bounce_domain, bounces))
    return runtime, wiring


async def _warn_of_the_development_bounce_secret() -> None:
    # A job, so that it is logged once logging is configured; it ends at once.
    logger.warning("NOTIFIER_BOUNCE_SECRET is the development default: set it in production")


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    await notifications.create_indexes(database)
    await contacts.create_indexes(database)


def create_app(settings: NotifierSettings) -> FastAPI:
    runtime, wiring = create_runtime(settings)

    async def close_pool_at_shutdown() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await wiring.pool.close()

    app = service_app(
        runtime,
        create_indexes,
        title="Notifier",
        routers=[api.router],
        background=[*wiring.jobs, close_pool_at_shutdown],
    )
    app.state.contact_service = wiring.contact_service
    return app
