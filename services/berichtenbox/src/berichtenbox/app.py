"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.adapters import inbox, mongo, trail
from berichtenbox.adapters.outbox import MongoReadReportOutbox
from berichtenbox.adapters.signing import Ed25519ReceiptSigner
from berichtenbox.entrypoints import api, citizen_api, consumer
from berichtenbox.handlers import (
    MessageSentHandler,
    MessageStatusQueryHandler,
    NotificationStatusHandler,
)
from berichtenbox.inbox import Inbox
from berichtenbox.read_reports import ReadReporter
from berichtenbox.retention import RetentionJob
from berichtenbox.settings import BerichtenboxSettings
from mijnoverheid.contracts.berichtenbox import SERVICE
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.batching import Batcher
from mijnoverheid.messaging.publisher import RabbitEventPublisher
from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid.runtime import ServiceRuntime, create_broker, service_app
from mijnoverheid.storage import Document


def create_runtime(settings: BerichtenboxSettings) -> ServiceRuntime:
    registry = OrganisationRegistry.load(settings.organisation_registry)
    runtime = ServiceRuntime(
        SERVICE, settings, create_broker(settings, SERVICE), SERVICE_QUEUES[SERVICE]
    )
    signer = Ed25519ReceiptSigner.from_file(settings.receipt_signing_key)
    store = mongo.MessageRepository(runtime.database)
    trail_repository = trail.TrailRepository(runtime.database)
    publisher = RabbitEventPublisher(runtime.broker, settings.broker_user)
    source = source_for(settings.platform_oin, SERVICE)
    message_sent = MessageSentHandler(
        store=store,
        trail=trail_repository,
        publisher=publisher,
        registry=registry,
        signer=signer,
        retention=settings.retention(),
        source=source,
        clock=utc_now,
    )
    consumer.register(
        runtime.broker,
        on_message_sent=Batcher(message_sent.handle_batch, max_size=settings.prefetch),
        on_notification_status=NotificationStatusHandler(
            store=store, trail=trail_repository, trusted_publisher=settings.notifier_broker_user
        ),
        on_status_requested=MessageStatusQueryHandler(
            store=store,
            trail=trail_repository,
            publisher=publisher,
            registry=registry,
            source=source,
            clock=utc_now,
        ),
    )
    runtime.extras["signer"] = signer
    # The citizen's side: the HTTP API and the retention scan.
    messages = inbox.InboxRepository(runtime.database)
    read_reports = ReadReporter(
        outbox=MongoReadReportOutbox(runtime.database),
        messages=store,
        trail=trail_repository,
        publisher=publisher,
        source=source,
        clock=utc_now,
    )
    runtime.extras["read_reports"] = read_reports
    runtime.extras["inbox"] = Inbox(
        store=messages, trail=trail_repository, read_reports=read_reports, clock=utc_now
    )
    runtime.extras["retention"] = RetentionJob(
        store=messages,
        trail=trail_repository,
        publisher=publisher,
        policy=settings.retention(),
        source=source,
    )
    return runtime


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    await mongo.create_indexes(database)
    await trail.create_indexes(database)
    await inbox.create_indexes(database)


def create_app(settings: BerichtenboxSettings) -> FastAPI:
    runtime = create_runtime(settings)
    retention: RetentionJob = runtime.extras["retention"]
    app = service_app(
        runtime,
        create_indexes,
        title="Berichtenbox",
        routers=[api.router, citizen_api.router],
        background=[
            partial(retention.run_periodically, settings.retention_scan_seconds, utc_now),
            partial(
                runtime.extras["read_reports"].sweep_periodically,
                settings.read_report_sweep_seconds,
            ),
        ],
    )
    app.state.signer = runtime.extras["signer"]
    app.state.inbox = runtime.extras["inbox"]
    return app
