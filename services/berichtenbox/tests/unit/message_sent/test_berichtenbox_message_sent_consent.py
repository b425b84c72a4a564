"""MessageSentHandler with in-memory fakes: a message goes only to an activated account with
consent (Wmebv), and one stored before a withdrawal stays delivered."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from berichtenbox.domain.eligibility import ConsentChange
from mijnoverheid.contracts import events
from mijnoverheid.identity import Organisation
from services.berichtenbox.tests.unit.fakes import (
    InMemoryCitizens,
    RecordingPublisher,
)
from services.berichtenbox.tests.unit.message_sent.harness import (
    BSN,
    START,
    InMemoryMessageStore,
    Parts,
    message_sent,
    only,
    organisation,
)

# --- only to an activated account, only with consent (Wmebv) -------------------------------


@pytest.mark.parametrize(
    ("activated", "consents", "reason"),
    [
        pytest.param(False, [], "account-not-activated", id="no-account"),
        pytest.param(True, [], "no-digital-consent", id="no-consent"),
        pytest.param(True, [(True, 1, "a"), (False, 2, "b")], "no-digital-consent", id="withdrawn"),
        pytest.param(True, [(False, 2, "b"), (True, 1, "a")], "no-digital-consent", id="late"),
        pytest.param(True, [(True, 1, "a")], None, id="consented"),
        pytest.param(True, [(False, 1, "a"), (True, 1, "b")], None, id="same-moment-by-id"),
    ],
)
async def test_a_message_is_delivered_only_to_an_activated_account_with_consent(
    parts: Parts,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
    activated: bool,
    consents: list[tuple[bool, int, str]],
    reason: str | None,
) -> None:
    parts.citizens = InMemoryCitizens()
    if activated:
        await parts.citizens.record_activation(BSN, START)
    for digital, minute, change_id in consents:
        at = START + timedelta(minutes=minute)
        change = ConsentChange(belastingdienst.oin, digital, at, change_id)
        await parts.citizens.record_consent(BSN, change)
    other = organisation(parts.registry, "gemeente-voorbeeldstad")
    await parts.citizens.record_consent(BSN, ConsentChange(other.oin, True, START, "other"))

    await parts.handler(store, publisher)(message_sent(belastingdienst))

    event, key = only(publisher)
    if reason is None:
        assert event.type == events.MESSAGE_DELIVERED.type
        assert len(store.messages) == 1
        return
    assert key == events.MESSAGE_REJECTED.key(belastingdienst.oin)
    assert event.data["reason"] == reason
    assert BSN not in json.dumps(event.data)
    assert store.messages == {}


async def test_a_message_stored_before_the_consent_was_withdrawn_stays_delivered(
    parts: Parts,
    store: InMemoryMessageStore,
    publisher: RecordingPublisher,
    belastingdienst: Organisation,
) -> None:
    delivery = message_sent(belastingdienst)
    await parts.handler(store, publisher)(delivery)
    parts.citizens = InMemoryCitizens()  # withdrawn (and even the account unknown) since
    await parts.handler(store, publisher)(delivery)  # a redelivery
    first, again = publisher.published
    assert first[0].id == again[0].id
    assert again[0].type == events.MESSAGE_DELIVERED.type
