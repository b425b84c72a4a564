"""The relay's answer is recorded through a database outage: a 250 followed by a lost
connection is retried in place while the sending lease runs, never sent again."""

from __future__ import annotations

from datetime import timedelta

import pymongo.errors
import pytest

from mijnoverheid.identity import OrganisationRegistry
from notifier.domain.attempt import RetryPolicy
from notifier.domain.contact import Contact
from notifier.domain.notification import Notification, State
from notifier.domain.request import NotificationRequest, Template
from services.notifier.tests.unit.fakes import (
    START,
    Clock,
    InMemoryNotificationStore,
    World,
    make_world,
)

BSN = "999993653"
REQUEST = NotificationRequest(
    template=Template.MESSAGE_DELIVERED,
    trigger_source="urn:nld:oin:00000001234567890000:systeem:berichtenbox",
    trigger_event_id="delivered-1",
    trigger_event_type="nl.mijnoverheid.berichtenbox.message-delivered",
    organisation_oin="00000001003214345000",
    organisation_name="Belastingdienst",
    recipient_bsn=BSN,
    legal_effect=True,
)


class OutageAfterSend(InMemoryNotificationStore):
    """The connection drops for the first `failures` saves of the relay's answer; each
    failed save takes `pause` on the fake clock (the waits between them move it on too)."""

    def __init__(self, failures: int, clock: Clock, pause: timedelta) -> None:
        super().__init__()
        self.failures, self.clock, self.pause = failures, clock, pause

    async def save(self, notification: Notification, expected_version: int) -> bool:
        if notification.status is not State.SENDING and self.failures:
            self.failures -= 1
            self.clock.advance(self.pause)
            raise pymongo.errors.AutoReconnect("connection closed")
        return await super().save(notification, expected_version)


def _world(registry: OrganisationRegistry, store: InMemoryNotificationStore, clock: Clock) -> World:
    contact = Contact(BSN, "burger@example.nl", verified_at=START)
    return make_world(registry, contact, RetryPolicy((10, 60), 3), clock=clock, store=store)


async def test_an_outage_after_the_relay_accepted_is_waited_out_not_sent_again(
    registry: OrganisationRegistry,
) -> None:
    clock = Clock()
    store = OutageAfterSend(failures=3, clock=clock, pause=timedelta(seconds=1))
    world = _world(registry, store, clock)
    mailer = world.mailer
    await world.dispatcher.notify(REQUEST)
    assert len(mailer.attempts) == 1
    assert store.only().status is State.SENT
    assert store.failures == 0, "the answer was saved only after the outage"


async def test_an_outage_longer_than_the_lease_is_left_to_the_consumer(
    registry: OrganisationRegistry,
) -> None:
    clock = Clock()
    store = OutageAfterSend(failures=100, clock=clock, pause=timedelta(seconds=40))
    world = _world(registry, store, clock)
    mailer = world.mailer
    with pytest.raises(pymongo.errors.AutoReconnect):
        await world.dispatcher.notify(REQUEST)
    assert len(mailer.attempts) == 1
    assert store.only().status is State.SENDING, "claimed; another worker may take over later"
    assert store.failures > 90, "given up once the lease would run out"
