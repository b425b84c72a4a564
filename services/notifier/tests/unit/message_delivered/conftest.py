"""The message-delivered tests' world: in-memory fakes, typed as the ports, around the
Dispatcher (the registry comes from ../conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.publisher import EventPublisher
from notifier.adapters.templates import TemplateRenderer
from notifier.domain.contact import Contact
from notifier.handlers.dispatch import Dispatcher, Timing
from notifier.ports import (
    ContactDirectory,
    Mailer,
    NotificationStore,
    Renderer,
    RetryScheduler,
)
from services.notifier.tests.unit.fakes import (
    START,
    Clock,
    Contacts,
    InMemoryNotificationStore,
    RecordingPublisher,
    Retries,
    ScriptedMailer,
    World,
    gates,
)
from services.notifier.tests.unit.message_delivered.harness import (
    ADDRESS,
    BSN,
    LEASE,
    NOTIFIER_SOURCE,
    POLICY,
    PORTAL,
)


@pytest.fixture
def world(registry: OrganisationRegistry) -> World:
    store = InMemoryNotificationStore()
    contacts = Contacts({BSN: Contact(BSN, ADDRESS, verified_at=START - timedelta(days=1))})
    mailer = ScriptedMailer()
    retries = Retries()
    publisher = RecordingPublisher()
    clock = Clock()
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
        timing=Timing(policy=POLICY, sending_lease=LEASE, overdue_after=timedelta(hours=48)),
        clock=clock,
    )
    handler = gates(dispatcher, registry)["notifier.message-delivered"]
    return World(store, contacts, mailer, retries, publisher, clock, dispatcher, handler)
