"""message-delivered → e-mail with in-memory fakes: who is mailed (once) and who is no contact,
and every status change reported to the sender without the BSN or the address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import (
    derived_event_id,
    encode,
)
from notifier.domain import notification as n
from notifier.domain.contact import Contact, Preferences
from notifier.domain.notification import State, notification_id_for
from services.notifier.tests.unit.fakes import (
    ADDRESS,
    BELASTINGDIENST_OIN,
    BERICHTENBOX_SOURCE,
    BSN,
    NOTIFIER_SOURCE,
    START,
    World,
    delivery,
)
from services.notifier.tests.unit.message_delivered.harness import delivered_event, only_outcome


async def test_a_citizen_with_a_verified_address_is_mailed_once_and_the_sender_told(
    world: World,
) -> None:
    event = delivered_event()
    await world.handler(delivery(event))

    notification_id = notification_id_for(BERICHTENBOX_SOURCE, event.id)
    (to, email, sent_for), *more = world.mailer.attempts
    assert more == []
    assert (to, sent_for) == (ADDRESS, notification_id)
    assert "Belastingdienst" in email.text

    notification = world.store.only()
    assert notification.notification_id == notification_id
    assert [change.status for change in notification.history] == [
        State.CREATED,
        State.SENDING,
        State.SENT,
    ]

    assert world.statuses() == ["created", "sending", "sent"]
    for sequence, (report, key) in enumerate(world.publisher.published, start=1):
        assert key == f"notifier.notification-status.{BELASTINGDIENST_OIN}"
        assert report.type == "nl.mijnoverheid.notifier.notification-status"
        assert report.source == NOTIFIER_SOURCE
        assert report.id == derived_event_id(notification_id, "status", str(sequence))
        assert report.data["sequence"] == sequence
        assert report.data["notification_id"] == notification_id
    sending, _ = world.publisher.published[1]
    assert sending.data["attempt"] == 1
    assert "smtp_reply" not in sending.data

    status, _ = only_outcome(world)
    assert status.data["status"] == "sent"
    assert status.data["notification_id"] == notification_id
    assert status.data["trigger_event_id"] == event.id
    assert status.data["trigger_event_type"] == event.type
    assert status.data["message_id"] == "message-1"
    assert status.data["reference"] == "KENMERK-1"
    assert status.data["attempt"] == 1
    assert status.data["smtp_reply"]["code"] == 250
    assert status.data["smtp_reply"]["queue_id"] == "4F2A1"
    assert world.retries.scheduled == []


async def test_the_status_event_names_neither_the_bsn_nor_the_address(world: World) -> None:
    await world.handler(delivery(delivered_event()))
    assert world.statuses() == ["created", "sending", "sent"]
    for status, _ in world.publisher.published:
        assert BSN.encode() not in encode(status)
        assert ADDRESS.encode() not in encode(status)


async def test_without_a_verified_address_nothing_is_sent_and_no_contact_is_told(
    world: World,
) -> None:
    world.contacts.contacts.clear()
    await world.handler(delivery(delivered_event()))

    assert world.mailer.attempts == []
    notification = world.store.only()
    assert notification.status is State.NO_CONTACT
    assert world.statuses() == ["created", "no-contact"]
    status, key = only_outcome(world)
    assert key == events.NOTIFICATION_STATUS.key(BELASTINGDIENST_OIN)
    assert status.data["status"] == "no-contact"
    assert status.data["reason"] == n.NO_VERIFIED_ADDRESS
    assert "smtp_reply" not in status.data


async def test_an_address_awaiting_verification_is_no_contact(world: World) -> None:
    world.contacts.contacts[BSN] = Contact(BSN, email=None, pending_email=ADDRESS)
    await world.handler(delivery(delivered_event()))
    assert world.mailer.attempts == []
    assert world.statuses() == ["created", "no-contact"]


async def test_an_address_that_bounced_since_its_verification_is_not_used(world: World) -> None:
    world.contacts.contacts[BSN] = Contact(
        BSN, ADDRESS, verified_at=START - timedelta(days=2), undeliverable_since=START
    )
    await world.handler(delivery(delivered_event()))
    assert world.mailer.attempts == []
    status, _ = only_outcome(world)
    assert status.data["status"] == "no-contact"
    assert status.data["reason"] == n.ADDRESS_UNDELIVERABLE


@pytest.mark.parametrize(("legal_effect", "mailed"), [(False, False), (True, True)])
async def test_an_opted_out_citizen_is_mailed_only_about_legal_effect(
    world: World, legal_effect: bool, mailed: bool
) -> None:
    world.contacts.contacts[BSN] = Contact(
        BSN, ADDRESS, verified_at=START, preferences=Preferences(messages=False)
    )
    await world.handler(delivery(delivered_event(legal_effect=legal_effect)))
    assert bool(world.mailer.attempts) is mailed
    status, _ = only_outcome(world)
    if mailed:
        assert status.data["status"] == "sent"
    else:
        assert (status.data["status"], status.data["reason"]) == ("no-contact", n.OPTED_OUT)


async def test_a_no_contact_outcome_is_final_even_after_the_citizen_adds_an_address(
    world: World,
) -> None:
    world.contacts.contacts.clear()
    trigger = delivery(delivered_event())
    await world.handler(trigger)
    world.contacts.contacts[BSN] = Contact(BSN, ADDRESS, verified_at=START)
    await world.handler(trigger)

    assert world.mailer.attempts == []
    assert world.statuses() == ["created", "no-contact"] * 2


async def test_different_triggers_are_different_notifications(world: World) -> None:
    await world.handler(delivery(delivered_event("delivered-1")))
    await world.handler(delivery(delivered_event("delivered-2")))
    assert len(world.store.notifications) == 2
    assert len(world.mailer.attempts) == 2
    assert world.statuses() == ["created", "sending", "sent"] * 2
    assert len({event.id for event, _ in world.publisher.published}) == 6
    outcomes = world.outcomes()
    assert len(outcomes) == 2
    assert len({event.id for event, _ in outcomes}) == 2
    assert len({event.data["notification_id"] for event, _ in outcomes}) == 2
