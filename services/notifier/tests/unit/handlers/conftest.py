"""The handler tests' world: in-memory fakes around a Dispatcher with a short retry policy
(the registry comes from ../conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mijnoverheid.identity import OrganisationRegistry
from notifier.adapters.templates import TemplateRenderer
from notifier.domain.attempt import RetryPolicy
from notifier.domain.contact import Contact
from notifier.handlers.dispatch import Dispatcher, Timing
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
from services.notifier.tests.unit.handlers.harness import (
    ADDRESS,
    BSN,
    LEASE,
    SOURCE,
)


@pytest.fixture
def world(registry: OrganisationRegistry) -> World:
    store, contacts = InMemoryNotificationStore(), Contacts({BSN: Contact(BSN, ADDRESS, START)})
    mailer = ScriptedMailer()
    retries, publisher, clock = Retries(), RecordingPublisher(), Clock()
    dispatcher = Dispatcher(
        store=store,
        contacts=contacts,
        mailer=mailer,
        renderer=TemplateRenderer("https://mijn.overheid.example"),
        retries=retries,
        publisher=publisher,
        source=SOURCE,
        timing=Timing(RetryPolicy((10, 60), max_attempts=3), LEASE, timedelta(hours=48)),
        clock=clock,
    )
    handler = gates(dispatcher, registry)["notifier.message-delivered"]
    return World(store, contacts, mailer, retries, publisher, clock, dispatcher, handler)
