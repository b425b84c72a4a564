"""Grants (machtigen) in the portal's own store on the real FerretDB/MongoDB: every grant and
withdrawal kept with its time, withdrawing twice is the first withdrawal, only the owner
withdraws, and a crash between the outbox and the store is repaired and announced once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.contracts import events
from mijnoverheid.contracts.portal import GrantGiven
from mijnoverheid.storage import Document
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.stack import Stack
from portal.accounts import Accounts
from portal.grant_form import GrantRequest
from portal.grants import Grants
from portal.outbox import (
    ACCOUNT_ACTIVATED,
    CONSENT_CHANGED,
    GRANT_GIVEN,
    GRANT_WITHDRAWN,
    ByType,
    OutboxRelay,
)
from services.portal.tests.integration.test_portal_accounts import (
    PLATFORM_OIN,
    RecordingPublisher,
    outbox,
)

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
OIN = "00000001003214345000"


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[AsyncDatabase[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(stack.mongodb_url, tz_aware=True)
    name = f"portal_grants_{uuid.uuid4().hex[:10]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


def request(helper_bsn: str, until: datetime | None = None) -> GrantRequest:
    return GrantRequest(helper_bsn, "Piet", "J. Jansen", (OIN,), until)


async def test_grants_and_withdrawals_are_kept_with_their_times_and_announced(
    database: AsyncDatabase[Document],
) -> None:
    publisher = RecordingPublisher()
    grants = Grants(database, outbox(database, publisher).deliver)
    await grants.ensure_indexes()
    owner, helper = random_bsn(), random_bsn()
    first = await grants.give(owner, request(helper), T0)
    second = await grants.give(owner, request(helper, T0 + timedelta(days=30)), T0 + timedelta(1))
    assert await grants.withdraw(owner, first, T0 + timedelta(hours=1))
    assert await grants.withdraw(owner, first, T0 + timedelta(hours=2)), "again: nothing new"
    assert not await grants.withdraw(helper, second, T0), "only the owner withdraws"
    assert not await grants.withdraw(owner, "does-not-exist", T0)

    newest_first = await grants.given_by(owner)
    assert [(g.grant_id, g.granted_at, g.withdrawn_at) for g in newest_first] == [
        (second, T0 + timedelta(1), None),
        (first, T0, T0 + timedelta(hours=1)),
    ]
    assert not newest_first[1].active(T0 + timedelta(hours=1))
    assert newest_first[0].active(T0 + timedelta(days=30, seconds=-1))
    assert not newest_first[0].active(T0 + timedelta(days=30))
    assert await grants.given_by(helper) == [], "a helper's page does not list them as given"
    assert (await grants.grant(second)) == newest_first[0]

    kinds = [(event.type, key) for event, key in publisher.published]
    assert kinds == [
        (events.GRANT_GIVEN.type, events.GRANT_GIVEN.key(PLATFORM_OIN)),
        (events.GRANT_GIVEN.type, events.GRANT_GIVEN.key(PLATFORM_OIN)),
        (events.GRANT_WITHDRAWN.type, events.GRANT_WITHDRAWN.key(PLATFORM_OIN)),
    ], "the second withdrawal is the first one again: announced once"
    given = GrantGiven.model_validate(publisher.published[0][0].data)
    assert (given.grant_id, given.owner_bsn, given.helper_bsn) == (first, owner, helper)
    assert await database.outbox.count_documents({"published_at": None}) == 0


async def test_a_crash_between_the_outbox_and_the_store_is_repaired_by_the_relay(
    database: AsyncDatabase[Document],
) -> None:
    grants, accounts = Grants(database), Accounts(database)
    owner, helper = random_bsn(), random_bsn()
    grant_id = str(uuid.uuid4())
    # What a crash right after the outbox write leaves behind: the record, not the grant.
    record = {
        "_id": grant_id,
        "type": GRANT_GIVEN,
        "published_at": None,
        "data": {
            "grant_id": grant_id,
            "owner_bsn": owner,
            "helper_bsn": helper,
            "helper_name": "Piet",
            "owner_name": "J. Jansen",
            "organisation_oins": [OIN],
            "valid_until": None,
            "at": T0,
        },
    }
    await database.outbox.insert_one(record)
    assert await grants.grant(grant_id) is None

    publisher = RecordingPublisher(away=True)
    by_account = {ACCOUNT_ACTIVATED: accounts, CONSENT_CHANGED: accounts}
    appliers = ByType({**by_account, GRANT_GIVEN: grants, GRANT_WITHDRAWN: grants})
    relay = OutboxRelay(outbox(database, publisher), appliers)
    assert await relay.run_once() == 0
    found = await grants.grant(grant_id)
    assert found is not None
    assert found.active(T0), "applied, although not announced yet"
    publisher.away = False
    assert await relay.run_once() == 1
    assert await relay.run_once() == 0, "announced once"
    [(event, _)] = publisher.published
    assert (event.id, event.type) == (grant_id, events.GRANT_GIVEN.type)
