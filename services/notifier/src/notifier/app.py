"""Composition root: the only place that knows the concrete adapters."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import aiosmtplib
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.contracts.notifier import SERVICE
from mijnoverheid.messaging import topology
from mijnoverheid.runtime import Job, PlatformRuntime, Service
from mijnoverheid.storage import Document
from notifier.adapters import contacts, notifications
from notifier.adapters.bounce_server import bounce_server
from notifier.adapters.outbound import RefusedInReport
from notifier.adapters.ratelimit import TokenBucket
from notifier.adapters.retries import RabbitRetryScheduler
from notifier.adapters.smtp import SmtpMailer
from notifier.adapters.smtp_pool import SmtpPool
from notifier.adapters.templates import TemplateRenderer
from notifier.adapters.throttle import VerificationMailSlots
from notifier.domain.attempt import RetryPolicy
from notifier.domain.throttle import Limit
from notifier.entrypoints import api
from notifier.entrypoints.subscriptions import TrustedPublishers, subscriptions
from notifier.handlers.bounces import BounceHandler
from notifier.handlers.contacts import ContactService
from notifier.handlers.dispatch import Dispatcher, Timing
from notifier.handlers.overdue import OverdueScanner
from notifier.handlers.query import StatusQueryHandler
from notifier.settings import NotifierSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotifierApi:
    """What the HTTP routes use."""

    contacts: ContactService


def compose(settings: NotifierSettings) -> Service[NotifierApi]:
    runtime = PlatformRuntime(SERVICE, settings)
    registry, publisher, source = runtime.registry, runtime.publisher, runtime.source
    store = notifications.NotificationRepository(runtime.database)
    contact_details = contacts.ContactRepository(runtime.database)
    pool = smtp_pool(settings, settings.smtp_pool_size)
    mailer = smtp_mailer(settings, pool, settings.smtp_rate_limit)
    verification_pool = smtp_pool(settings, 1)
    verification_mailer = smtp_mailer(
        settings, verification_pool, settings.smtp_verification_rate_limit
    )
    mail_slots = VerificationMailSlots(runtime.database)
    renderer = TemplateRenderer(settings.portal_url)
    dispatcher = Dispatcher(
        store=store,
        contacts=contact_details,
        mailer=mailer,
        renderer=renderer,
        retries=RabbitRetryScheduler(
            runtime.broker,
            settings.broker_user,
            topology.NOTIFIER_RETRY.delays,
            settings.notifier_retry_delays_seconds,
        ),
        publisher=publisher,
        source=source,
        timing=Timing(
            policy=RetryPolicy(
                settings.notifier_retry_delays_seconds, settings.notifier_max_attempts
            ),
            sending_lease=timedelta(seconds=settings.notifier_sending_lease_seconds),
            overdue_after=timedelta(seconds=settings.notifier_overdue_after_seconds),
            transmission=timedelta(seconds=3 * settings.smtp_timeout_seconds),
        ),
        clock=utc_now,
    )
    query = StatusQueryHandler(store, publisher, source, utc_now, runtime.processing_log)
    publishers = TrustedPublishers(
        berichtenbox=settings.berichtenbox_broker_user,
        zaken=settings.zaken_broker_user,
        gegevens=settings.gegevens_broker_user,
        notifier=settings.broker_user,
    )
    contact_service = ContactService(
        contacts=contact_details,
        mailer=verification_mailer,
        renderer=renderer,
        clock=utc_now,
        verification_valid_for=timedelta(seconds=settings.notifier_verification_valid_seconds),
        mail_slots=mail_slots,
        mail_limits=(
            Limit(timedelta(hours=1), settings.notifier_verification_mails_per_hour),
            Limit(timedelta(days=1), settings.notifier_verification_mails_per_day),
        ),
        auto_verify=settings.notifier_dev_auto_verify,
    )
    scanner = OverdueScanner(
        store=store,
        work=notifications.overdue_work(runtime.database),
        publisher=publisher,
        source=source,
        clock=utc_now,
        interval_seconds=settings.notifier_overdue_scan_seconds,
    )
    jobs: list[Job] = [
        scanner.run,
        pool.close_at_shutdown,
        verification_pool.close_at_shutdown,
        partial(mail_slots.sweep_periodically, utc_now, 3600.0),
    ]
    if settings.bounce_secret_is_the_development_default:
        jobs.append(_warn_of_the_development_bounce_secret)
    if settings.notifier_bounce_port:
        bounces = BounceHandler(
            store=store,
            contacts=contact_details,
            publisher=publisher,
            source=source,
            clock=utc_now,
            bounce_secret=settings.bounce_secret,
        )
        endpoint = (settings.notifier_bounce_host, settings.notifier_bounce_port)
        jobs.append(bounce_server(*endpoint, settings.bounce_domain, bounces))
    return Service(
        title="Notifier",
        runtime=runtime,
        subscriptions=subscriptions(
            dispatcher, query, registry, RefusedInReport(publisher, source, utc_now), publishers
        ),
        create_indexes=create_indexes,
        api=NotifierApi(contact_service),
        routers=(api.router,),
        jobs=tuple(jobs),
    )


def smtp_pool(settings: NotifierSettings, size: int) -> SmtpPool:
    async def connect() -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_implicit_tls,
            validate_certs=settings.smtp_validate_certs,
            cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
        await client.connect()
        return client

    return SmtpPool(size, connect)


def smtp_mailer(settings: NotifierSettings, pool: SmtpPool, rate: float) -> SmtpMailer:
    return SmtpMailer(
        pool=pool,
        limiter=TokenBucket(rate, burst=max(1, int(rate))),
        from_address=settings.notifier_from_address,
        bounce_domain=settings.bounce_domain,
        bounce_secret=settings.bounce_secret,
    )


async def _warn_of_the_development_bounce_secret() -> None:
    # A job, so that it is logged once logging is configured; it ends at once.
    logger.warning("NOTIFIER_BOUNCE_SECRET is the development default: set it in production")


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    await notifications.create_indexes(database)
    await contacts.create_indexes(database)
