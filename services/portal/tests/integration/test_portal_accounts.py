"""Accounts, consent and the outbox on the real FerretDB/MongoDB: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, source_for
from mijnoverheid.storage import Document
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.stack import Stack
from portal.accounts import Accounts
from portal.outbox import ACCOUNT_ACTIVATED, CONSENT_CHANGED, Outbox, OutboxRelay
from portal.sessions import Citizen, SessionPolicy, SessionStore

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
OIN = "00000001003214345000"
PLATFORM_OIN = "00000001234567890000"
SOURCE = source_for(PLATFORM_OIN, "portal")


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[AsyncDatabase[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(stack.mongodb_url, tz_aware=True)
    name = f"portal_unit_{uuid.uuid4().hex[:10]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


class RecordingPublisher:
    """An EventPublisher; while `away`, the broker does not confirm."""

    def __init__(self, away: bool = False) -> None:
        self.away = away
        self.published: list[tuple[CloudEvent, str]] = []

    async def publish(self, event: CloudEvent, routing_key: str) -> None:
        if self.away:
            raise ConnectionError("broker away")
        self.published.append((event, routing_key))


def outbox(database: AsyncDatabase[Document], publisher: RecordingPublisher) -> Outbox:
    return Outbox(database.outbox, publisher, SOURCE, PLATFORM_OIN, lambda: T0)


async def test_activation_happens_once_even_when_two_first_logins_race(
    database: AsyncDatabase[Document],
) -> None:
    accounts = Accounts(database)
    await accounts.ensure_indexes()
    bsn = random_bsn()
    first, second = await asyncio.gather(
        accounts.activate(bsn, T0), accounts.activate(bsn, T0 + timedelta(seconds=1))
    )
    assert first == second
    assert await accounts.activate(bsn, T0 + timedelta(days=1)) == first
    assert await database.accounts.count_documents({"bsn": bsn}) == 1
    assert await database.outbox.count_documents({"type": ACCOUNT_ACTIVATED}) == 1


async def test_a_crash_between_outbox_and_state_is_repaired_by_the_relay(
    database: AsyncDatabase[Document],
) -> None:
    accounts = Accounts(database)
    await accounts.ensure_indexes()
    bsn = random_bsn()
    # What a crash right after the outbox write leaves behind: the record, not the change.
    record = {
        "_id": str(uuid.uuid4()),
        "type": CONSENT_CHANGED,
        "data": {"bsn": bsn, "organisation_oin": OIN, "digital": True, "at": T0},
        "published_at": None,
    }
    await database.outbox.insert_one(record)
    assert await accounts.consents(bsn) == {}

    # The broker away: applied all the same, and kept pending.
    publisher = RecordingPublisher(away=True)
    relay = OutboxRelay(outbox(database, publisher), accounts)
    assert await relay.run_once() == 0
    assert (await accounts.consents(bsn))[OIN].digital is True
    publisher.away = False
    assert await relay.run_once() == 1
    assert await relay.run_once() == 0, "published once"
    [(event, key)] = publisher.published
    assert (event.id, event.type) == (record["_id"], events.DIGITAL_CONSENT_CHANGED.type)
    assert key == events.DIGITAL_CONSENT_CHANGED.key(PLATFORM_OIN)
    assert event.data == {
        "bsn": bsn,
        "organisation_oin": OIN,
        "digital": True,
        "changed_at": "2026-11-30T12:00:00Z",
        "change_id": record["_id"],
    }
    assert len(await accounts.consent_history(bsn)) == 1


async def test_a_change_is_announced_at_once_when_the_broker_is_there(
    database: AsyncDatabase[Document],
) -> None:
    publisher = RecordingPublisher()
    accounts = Accounts(database, outbox(database, publisher).deliver)
    bsn = random_bsn()
    await accounts.activate(bsn, T0)
    await accounts.change_consent(bsn, OIN, True, T0)
    types = [event.type for event, _ in publisher.published]
    assert types == [events.ACCOUNT_ACTIVATED.type, events.DIGITAL_CONSENT_CHANGED.type]
    assert await database.outbox.count_documents({"published_at": None}) == 0


async def test_consent_keeps_every_change_and_the_newest_counts(
    database: AsyncDatabase[Document],
) -> None:
    accounts = Accounts(database)
    bsn = random_bsn()
    await accounts.change_consent(bsn, OIN, True, T0)
    await accounts.change_consent(bsn, OIN, False, T0 + timedelta(minutes=1))
    assert (await accounts.consents(bsn))[OIN].digital is False
    history = await accounts.consent_history(bsn)
    assert [(change.digital, change.at) for change in history] == [
        (False, T0 + timedelta(minutes=1)),
        (True, T0),
    ]


async def test_sessions_expire_on_read_and_are_swept(database: AsyncDatabase[Document]) -> None:
    store = SessionStore(
        database.sessions, SessionPolicy(timedelta(minutes=15), timedelta(hours=8))
    )
    citizen = Citizen(random_bsn(), "T. Est", "acr")
    raw, created = await store.create(T0, citizen=citizen)
    assert (await store.find(raw, T0 + timedelta(minutes=10))) == created
    await store.touch(created, T0 + timedelta(minutes=10))
    assert await store.find(raw, T0 + timedelta(minutes=24)) is not None
    assert await store.find(raw, T0 + timedelta(minutes=26)) is None
    assert await database.sessions.count_documents({}) == 0, "an expired session is removed"
    stale, _ = await store.create(T0)
    assert await store.sweep(T0 + timedelta(hours=1)) == 1
    assert await store.find(stale, T0) is None
    assert await database.sessions.find_one({"citizen.bsn": citizen.bsn}) is None
