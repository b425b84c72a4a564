"""The handlers with in-memory fakes: at most one e-mail per trigger, the sender told, the
citizen's language used, and nothing trusted from the wrong sender."""

from __future__ import annotations

from typing import Any

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import encode
from mijnoverheid.kernel import UnprocessableEventError
from notifier.domain.contact import Contact, Language
from notifier.domain.notification import notification_id_for
from services.notifier.tests.unit.fakes import (
    ADDRESS,
    BELASTINGDIENST_OIN,
    BERICHTENBOX_SOURCE,
    BSN,
    NOTIFIER_SOURCE,
    QUEUED,
    START,
    World,
    delivery,
)
from services.notifier.tests.unit.handlers.harness import delivered


async def test_a_verified_citizen_is_mailed_once_and_the_sender_told(world: World) -> None:
    event = delivered()
    await world.handler(delivery(event))

    notification_id = notification_id_for(BERICHTENBOX_SOURCE, event.id)
    [(to, email, sent_id)] = world.mailer.attempts
    assert (to, sent_id) == (ADDRESS, notification_id)
    assert "Belastingdienst" in email.text
    assert [c.status.value for c in world.store.only().history] == ["created", "sending", "sent"]
    assert world.statuses() == ["created", "sending", "sent"]
    assert [event.data["sequence"] for event, _ in world.publisher.published] == [1, 2, 3]
    for event, key in world.publisher.published:
        assert key == events.NOTIFICATION_STATUS.key(BELASTINGDIENST_OIN)
        assert event.source == NOTIFIER_SOURCE
        assert BSN.encode() not in encode(event)
        assert ADDRESS.encode() not in encode(event)
    (status, _) = world.publisher.published[-1]
    assert status.data["status"] == "sent"
    assert status.data["smtp_reply"] == {
        "code": 250,
        "message": QUEUED.message,
        "queue_id": "4F2A1",
    }
    assert (status.data["message_id"], status.data["reference"]) == ("message-1", "KENMERK-1")


async def test_without_a_verified_address_nothing_is_sent_and_no_contact_told(world: World) -> None:
    world.contacts.contacts.clear()
    await world.handler(delivery(delivered()))
    assert world.mailer.attempts == []
    assert world.statuses() == ["created", "no-contact"]
    [(status, _)] = world.outcomes()
    assert (status.data["status"], status.data["reason"]) == ("no-contact", "no-verified-address")


async def test_a_redelivery_after_success_re_emits_the_same_event_and_sends_nothing(
    world: World,
) -> None:
    await world.handler(delivery(delivered()))
    await world.handler(delivery(delivered()))
    assert len(world.mailer.attempts) == 1
    assert world.statuses() == ["created", "sending", "sent"] * 2
    first, second = world.publisher.published[:3], world.publisher.published[3:]
    assert [encode(event) for event, _ in first] == [encode(event) for event, _ in second]


async def test_different_triggers_are_different_notifications(world: World) -> None:
    await world.handler(delivery(delivered("delivered-1")))
    await world.handler(delivery(delivered("delivered-2")))
    assert len(world.store.notifications) == 2
    assert world.statuses() == ["created", "sending", "sent"] * 2
    assert len({event.id for event, _ in world.publisher.published}) == 6
    assert len({event.id for event, _ in world.outcomes()}) == 2


@pytest.mark.parametrize("user_id", [None, "", "belastingdienst", "notifier", "Berichtenbox"])
async def test_a_trigger_not_published_by_the_berichtenbox_is_poison(
    world: World, user_id: str | None
) -> None:
    with pytest.raises(UnprocessableEventError):
        await world.handler(delivery(delivered(), user_id=user_id))
    assert world.store.notifications == {}


@pytest.mark.parametrize(
    "data", [{"recipient_bsn": "123456789"}, {"sender_oin": "00000001001234567000"}]
)
async def test_an_invalid_bsn_or_another_organisation_than_the_key_is_poison(
    world: World, data: dict[str, Any]
) -> None:
    with pytest.raises(UnprocessableEventError):
        await world.handler(delivery(delivered(**data)))


async def test_the_citizens_language_is_used(world: World) -> None:
    world.contacts.contacts[BSN] = Contact(BSN, ADDRESS, START, language=Language.EN)
    await world.handler(delivery(delivered()))
    assert world.mailer.attempts[0][1].subject.startswith("New message")
