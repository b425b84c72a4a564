"""Building the Notifier's parts from its settings (used by the composition root, app.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import aiosmtplib
from faststream.rabbit import RabbitBroker

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.consumer import Handler
from mijnoverheid.messaging.publisher import EventPublisher
from notifier.adapters import triggers
from notifier.adapters.notifications import NotificationRepository
from notifier.adapters.ratelimit import TokenBucket
from notifier.adapters.retries import RabbitRetryScheduler
from notifier.adapters.smtp import SmtpMailer
from notifier.adapters.smtp_pool import SmtpPool
from notifier.domain.attempt import RetryPolicy
from notifier.handlers.dispatch import Dispatcher, Timing
from notifier.handlers.query import StatusQueryHandler
from notifier.handlers.retry import RetryHandler
from notifier.handlers.triggers import TriggerHandler
from notifier.settings import NotifierSettings


def smtp_pool(settings: NotifierSettings) -> SmtpPool:
    async def connect() -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            start_tls=settings.smtp_starttls,
            validate_certs=settings.smtp_validate_certs,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
        await client.connect()
        return client

    return SmtpPool(settings.smtp_pool_size, connect)


def smtp_mailer(settings: NotifierSettings, pool: SmtpPool) -> SmtpMailer:
    rate = settings.smtp_rate_limit
    return SmtpMailer(
        pool=pool,
        limiter=TokenBucket(rate, burst=max(1, int(rate))),
        from_address=settings.notifier_from_address,
        bounce_domain=settings.bounce_domain,
        bounce_secret=settings.bounce_secret,
    )


def timing(settings: NotifierSettings) -> Timing:
    return Timing(
        policy=RetryPolicy(settings.notifier_retry_delays_seconds, settings.notifier_max_attempts),
        sending_lease=timedelta(seconds=settings.notifier_sending_lease_seconds),
        overdue_after=timedelta(seconds=settings.notifier_overdue_after_seconds),
    )


def retry_scheduler(settings: NotifierSettings, broker: RabbitBroker) -> RabbitRetryScheduler:
    return RabbitRetryScheduler(
        broker,
        settings.broker_user,
        topology.NOTIFIER_RETRY.delays,
        settings.notifier_retry_delays_seconds,
    )


def consumer_handlers(
    settings: NotifierSettings,
    *,
    registry: OrganisationRegistry,
    dispatcher: Dispatcher,
    store: NotificationRepository,
    publisher: EventPublisher,
    source: str,
    clock: Callable[[], datetime],
) -> dict[str, Handler]:
    """A handler for every queue of the Notifier, by queue name."""
    trusted = {
        triggers.MESSAGE_DELIVERED: settings.berichtenbox_broker_user,
        triggers.MESSAGE_EXPIRING: settings.berichtenbox_broker_user,
        triggers.CASE_STATUS_RECORDED: settings.zaken_broker_user,
        triggers.REGISTRATION_RECORDED: settings.gegevens_broker_user,
    }
    handlers: dict[str, Handler] = {
        f"notifier.{trigger.route.event}": TriggerHandler(
            trigger, trusted_publisher=user, registry=registry, dispatcher=dispatcher
        )
        for trigger, user in trusted.items()
    }
    handlers[topology.NOTIFIER_RETRY.name] = RetryHandler(
        own_user=settings.broker_user, dispatcher=dispatcher
    )
    handlers[topology.NOTIFIER_NOTIFICATION_STATUS_REQUESTED.name] = StatusQueryHandler(
        store=store, publisher=publisher, registry=registry, source=source, clock=clock
    )
    return handlers
