"""message-delivered → e-mail with in-memory fakes: nothing accepted from anyone but the
Berichtenbox or against the contract, and what the e-mail and the replies say."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from mijnoverheid.contracts.envelope import (
    encode,
)
from mijnoverheid.kernel import UnprocessableEventError
from notifier.domain.attempt import smtp_reply
from notifier.domain.notification import SmtpReply
from notifier.entrypoints import triggers
from services.notifier.tests.unit.fakes import (
    BSN,
    World,
    delivery,
)
from services.notifier.tests.unit.message_delivered.harness import delivered_event, only_outcome


@pytest.mark.parametrize(
    "user_id", [None, "", "belastingdienst", "notifier", "zaken", "Berichtenbox"]
)
async def test_a_trigger_not_published_by_the_berichtenbox_is_poison(
    world: World, user_id: str | None
) -> None:
    with pytest.raises(UnprocessableEventError):
        await world.handler(delivery(delivered_event(), user_id=user_id))
    assert world.store.notifications == {}
    assert world.mailer.attempts == []
    assert world.publisher.published == []


def _document(**changes: Any) -> bytes:
    document = json.loads(encode(delivered_event()))
    document.update(changes)
    return json.dumps(document).encode()


def _data(**changes: Any) -> bytes:
    document = json.loads(encode(delivered_event()))
    document["data"].update(changes)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"{}", id="empty-object"),
        pytest.param(_document(type="nl.mijnoverheid.berichtenbox.message-sent"), id="wrong-type"),
        pytest.param(_document(data={"message_id": "m"}), id="incomplete-data"),
        pytest.param(_document(source="berichtenbox"), id="bad-source"),
        pytest.param(_data(recipient_bsn="999993654"), id="invalid-bsn"),
        pytest.param(_data(sender_oin="00000001001234567000"), id="oin-not-the-keys"),
    ],
)
async def test_a_trigger_that_breaks_the_contract_is_poison(world: World, body: bytes) -> None:
    with pytest.raises(UnprocessableEventError):
        await world.handler(delivery(body))
    assert world.store.notifications == {}
    assert world.mailer.attempts == []
    assert world.publisher.published == []


async def test_fields_the_notifier_does_not_read_are_ignored(world: World) -> None:
    await world.handler(delivery(_data(content_digest="sha256:00", receipt={"x": 1})))
    assert [event.data["status"] for event, _ in world.outcomes()] == ["sent"]


async def test_the_email_names_the_organisation_legal_effect_and_deadline_but_not_the_bsn(
    world: World,
) -> None:
    await world.handler(delivery(delivered_event(legal_effect=True, deadline=date(2026, 3, 1))))
    (_, email, _) = world.mailer.attempts[0]
    for text in (email.text, email.html):
        assert "Belastingdienst" in text
        assert "rechtsgevolgen" in text
        assert "1 maart 2026" in text
        assert BSN not in text
        assert "KENMERK-1" not in text
    assert BSN not in email.subject


async def test_an_unregistered_sender_is_named_generically(world: World) -> None:
    stranger = "99999999999999999999"
    await world.handler(delivery(delivered_event(sender_oin=stranger), oin=stranger))
    (_, email, _) = world.mailer.attempts[0]
    assert triggers.UNKNOWN_ORGANISATION in email.text
    only_outcome(world)
    assert world.publisher.published
    for _, key in world.publisher.published:
        assert key == f"notifier.notification-status.{stranger}"


def test_smtp_replies_are_kept_as_given_when_they_name_no_address() -> None:
    reply = smtp_reply(250, "2.0.0 Ok: queued as 4F2A1")
    assert reply == SmtpReply(code=250, message="2.0.0 Ok: queued as 4F2A1", queue_id="4F2A1")
