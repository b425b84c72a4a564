"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.adapters import messages, trail
from berichtenbox.adapters.citizens import CitizenRepository
from berichtenbox.adapters.grants import GrantRepository
from berichtenbox.adapters.outbox import MongoReadReportOutbox
from berichtenbox.adapters.retention_work import retention_work
from berichtenbox.adapters.signing import (
    Ed25519ReceiptSigner,
    ReceiptKeys,
    RetiredKey,
    load_public_key,
)
from berichtenbox.entrypoints import api, citizen_routes, grant_routes, proof_routes
from berichtenbox.entrypoints.subscriptions import Handlers, TrustedPublishers, subscriptions
from berichtenbox.handlers.citizen import Mailbox
from berichtenbox.handlers.citizens import CitizenProjection, DigitalDeliveryQueryHandler
from berichtenbox.handlers.grants import GrantProjection, HelperMailbox
from berichtenbox.handlers.message_sent import MessageSentHandler
from berichtenbox.handlers.notification_status import NotificationStatusHandler
from berichtenbox.handlers.read_reports import ReadReporter
from berichtenbox.handlers.retention import RetentionJob
from berichtenbox.handlers.status_query import MessageStatusQueryHandler
from berichtenbox.settings import BerichtenboxSettings
from mijnoverheid.contracts import events
from mijnoverheid.contracts.berichtenbox import SERVICE
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.messaging.gate import RejectWith
from mijnoverheid.runtime import PlatformRuntime, Service
from mijnoverheid.storage import Document


@dataclass(frozen=True)
class BerichtenboxApi:
    """What the HTTP routes use."""

    mailbox: Mailbox
    receipt_keys: ReceiptKeys
    helper: HelperMailbox  # machtigen: a helper reads through a grant
    organisation_names: dict[str, str]


def load_receipt_keys(settings: BerichtenboxSettings) -> ReceiptKeys:
    """The current signing key and the retired ones, all of them published."""
    signer = Ed25519ReceiptSigner.from_file(
        settings.receipt_signing_key, settings.receipt_signing_key_valid_from
    )
    retired = [
        RetiredKey(load_public_key(key.public_key), key.valid_from, key.valid_until)
        for key in settings.receipt_retired_keys
    ]
    return ReceiptKeys(signer, retired)


def compose(settings: BerichtenboxSettings) -> Service[BerichtenboxApi]:
    runtime = PlatformRuntime(SERVICE, settings)
    registry, publisher, source = runtime.registry, runtime.publisher, runtime.source
    store = messages.MessageRepository(
        runtime.database,
        warn_before=settings.retention().warn_before,
        reminders=settings.reminders(),
    )
    trails = trail.TrailRepository(runtime.database)
    receipt_keys = load_receipt_keys(settings)
    signer = receipt_keys.signer
    outbox = MongoReadReportOutbox(runtime.database)
    read_reports = ReadReporter(outbox, store, trails, publisher, source, utc_now)
    work = retention_work(runtime.database)
    retention = RetentionJob(
        store, trails, publisher, settings.retention(), source, work, settings.reminders()
    )
    citizens = CitizenRepository(runtime.database)
    projection = CitizenProjection(citizens)
    grants = GrantRepository(runtime.database)
    grant_projection = GrantProjection(grants)
    handlers = Handlers(
        message_sent=MessageSentHandler(
            store, citizens, trails, publisher, signer, settings.retention(), source, utc_now
        ),
        status_requested=MessageStatusQueryHandler(
            store, trails, publisher, source, utc_now, runtime.processing_log
        ),
        notification_changed=NotificationStatusHandler(store, trails),
        digital_delivery_requested=DigitalDeliveryQueryHandler(
            citizens, publisher, source, utc_now, runtime.processing_log
        ),
        account_activated=projection.activated,
        consent_changed=projection.consent_changed,
        grant_given=grant_projection.given,
        grant_withdrawn=grant_projection.withdrawn,
    )
    trusted = TrustedPublishers(
        notifier=settings.notifier_broker_user, portal=settings.portal_broker_user
    )
    reject = RejectWith(events.MESSAGE_REJECTED, publisher, source, utc_now)
    return Service(
        title="Berichtenbox",
        runtime=runtime,
        subscriptions=subscriptions(handlers, registry, reject, trusted),
        create_indexes=create_indexes,
        api=BerichtenboxApi(
            Mailbox(store, trails, read_reports, utc_now, signer),
            receipt_keys,
            HelperMailbox(grants, store, trails, utc_now),
            registry.names(),
        ),
        routers=(api.router, citizen_routes.router, proof_routes.router, grant_routes.router),
        jobs=(
            partial(retention.run_periodically, settings.retention_scan_seconds, utc_now),
            partial(read_reports.sweep_periodically, settings.read_report_sweep_seconds),
        ),
    )


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    await messages.create_indexes(database)
    await trail.create_indexes(database)
