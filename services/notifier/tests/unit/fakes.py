"""In-memory fakes of the Notifier's ports, shared by its handler tests.

Each honours its port's contract (the store's `save` is a compare-and-set on the version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, encode, source_for
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.gate import Subscription
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid_testing.processing_log import ReadsInMemory
from notifier.adapters.outbound import RefusedInReport
from notifier.adapters.templates import TemplateRenderer
from notifier.domain.attempt import Accepted, Outcome, RetryPolicy, smtp_reply
from notifier.domain.contact import Contact
from notifier.domain.email import Email
from notifier.domain.notification import Notification
from notifier.entrypoints.subscriptions import TrustedPublishers, subscriptions
from notifier.handlers.dispatch import Dispatcher, Timing
from notifier.handlers.query import StatusQueryHandler
from notifier.ports import (
    ContactDirectory,
    Mailer,
    NotificationQueries,
    NotificationStore,
    Renderer,
    RetryScheduler,
)

START = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
QUEUED = smtp_reply(250, "2.0.0 Ok: queued as 4F2A1")
# Reported steps on the way to an outcome; everything else reported is an outcome.
STEPS = frozenset({"created", "sending"})
PORTAL = "https://mijn.overheid.example"
NOTIFIER_SOURCE = source_for("00000001234567890000", "notifier")
LEASE = timedelta(seconds=90)
# The message-delivered trigger's sender and recipient, shared by the handler tests.
BERICHTENBOX_SOURCE = source_for("00000001234567890000", "berichtenbox")
BELASTINGDIENST_OIN = "00000001003214345000"
BSN = "999993653"
ADDRESS = "burger@example.nl"


class InMemoryNotificationStore:
    """Honours ports.NotificationStore: `save` is a compare-and-set on the version."""

    def __init__(self) -> None:
        self.notifications: dict[str, Notification] = {}

    async def get(self, notification_id: str) -> Notification | None:
        return self.notifications.get(notification_id)

    async def add(self, notification: Notification) -> tuple[Notification, bool]:
        stored = self.notifications.setdefault(notification.notification_id, notification)
        return stored, stored is notification

    async def save(self, notification: Notification, expected_version: int) -> bool:
        stored = self.notifications.get(notification.notification_id)
        if stored is None or stored.version != expected_version:
            return False
        self.notifications[notification.notification_id] = notification
        return True

    def only(self) -> Notification:
        assert len(self.notifications) == 1, self.notifications
        return next(iter(self.notifications.values()))


@dataclass
class Contacts:
    contacts: dict[str, Contact] = field(default_factory=dict)
    undeliverable: list[tuple[str, str, datetime]] = field(default_factory=list)

    async def find(self, bsn: str) -> Contact | None:
        return self.contacts.get(bsn)

    async def mark_undeliverable(self, bsn: str, address: str, sent_at: datetime) -> None:
        self.undeliverable.append((bsn, address, sent_at))


@dataclass
class ScriptedMailer:
    """Answers with the scripted outcomes (or raises them), then accepts."""

    script: list[Outcome | Exception] = field(default_factory=list)
    attempts: list[tuple[str, Email, str | None]] = field(default_factory=list)

    async def send(
        self,
        to: str,
        email: Email,
        notification_id: str | None,
        start_by: datetime | None = None,
    ) -> Outcome:
        self.attempts.append((to, email, notification_id))
        answer = self.script.pop(0) if self.script else Accepted(QUEUED)
        if isinstance(answer, Exception):
            raise answer
        return answer


@dataclass
class Retries:
    scheduled: list[tuple[str, int, int]] = field(default_factory=list)

    async def schedule(self, notification_id: str, attempt: int, delay_level: int) -> None:
        self.scheduled.append((notification_id, attempt, delay_level))


@dataclass
class RecordingPublisher:
    published: list[tuple[CloudEvent, str]] = field(default_factory=list)

    async def publish(self, event: CloudEvent, routing_key: str) -> None:
        self.published.append((event, routing_key))


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by

    async def sleep(self, seconds: float) -> None:
        """A wait that only moves this clock on."""
        self.advance(timedelta(seconds=seconds))


@dataclass
class World:
    store: InMemoryNotificationStore
    contacts: Contacts
    mailer: ScriptedMailer
    retries: Retries
    publisher: RecordingPublisher
    clock: Clock
    dispatcher: Dispatcher
    handler: Subscription

    def statuses(self) -> list[str]:
        return [event.data["status"] for event, _ in self.publisher.published]

    def outcomes(self) -> list[tuple[CloudEvent, str]]:
        return [(e, key) for e, key in self.publisher.published if e.data["status"] not in STEPS]


def delivery(
    event: CloudEvent | bytes,
    *,
    user_id: str | None = "berichtenbox",
    oin: str = BELASTINGDIENST_OIN,
) -> InboundDelivery:
    """A message-delivered trigger as the broker hands it over, about the organisation `oin`."""
    body = event if isinstance(event, bytes) else encode(event)
    return InboundDelivery(
        body=body,
        routing_key=events.MESSAGE_DELIVERED.key(oin),
        user_id=user_id,
        message_id=None,
    )


def make_world(
    registry: OrganisationRegistry,
    contact: Contact,
    policy: RetryPolicy,
    clock: Clock | None = None,
    store: InMemoryNotificationStore | None = None,
) -> World:
    """A Dispatcher over fresh fakes (or the given clock and store), with the gate of
    message-delivered in front of it."""
    clock = clock or Clock()
    store = store if store is not None else InMemoryNotificationStore()
    contacts, mailer = Contacts({contact.bsn: contact}), ScriptedMailer()
    retries, publisher = Retries(), RecordingPublisher()
    # Typed as the ports, so mypy checks that the fakes honour them.
    typed_store: NotificationStore = store
    typed_contacts: ContactDirectory = contacts
    typed_mailer: Mailer = mailer
    typed_retries: RetryScheduler = retries
    typed_publisher: EventPublisher = publisher
    renderer: Renderer = TemplateRenderer(PORTAL)
    dispatcher = Dispatcher(
        store=typed_store,
        contacts=typed_contacts,
        mailer=typed_mailer,
        renderer=renderer,
        retries=typed_retries,
        publisher=typed_publisher,
        source=NOTIFIER_SOURCE,
        timing=Timing(policy=policy, sending_lease=LEASE, overdue_after=timedelta(hours=48)),
        clock=clock,
        sleep=clock.sleep,
    )
    handler = gates(dispatcher, registry)["notifier.message-delivered"]
    return World(store, contacts, mailer, retries, publisher, clock, dispatcher, handler)


PUBLISHERS = TrustedPublishers(
    berichtenbox="berichtenbox", zaken="zaken", gegevens="gegevens", notifier="notifier"
)


def gates(
    dispatcher: Dispatcher,
    registry: OrganisationRegistry,
    query: StatusQueryHandler | None = None,
    publisher: EventPublisher | None = None,
) -> dict[str, Subscription]:
    """The Notifier's subscriptions (their gates in front of the handlers), by queue name."""
    source = NOTIFIER_SOURCE
    recording = publisher or RecordingPublisher()
    # The query reads only get, find and overdue_reported_at of its store.
    none = cast(NotificationQueries, NoNotifications())
    query = query or StatusQueryHandler(none, recording, source, dispatcher.clock, ReadsInMemory())
    answer = RefusedInReport(recording, source, dispatcher.clock)
    found = subscriptions(dispatcher, query, registry, answer, PUBLISHERS)
    return {subscription.queue.name: subscription for subscription in found}


class NoNotifications:
    """A store without notifications, for the query's refusals and unknown ids."""

    async def get(self, notification_id: str) -> None:
        return None

    async def find(self, organisation_oin: str, criteria: dict[str, str], limit: int) -> list[Any]:
        return []

    async def overdue_reported_at(self, notification_id: str) -> None:
        return None
