"""Opening a message asks the store for its `_id` alone, the one filter every store serves from
an index (FerretDB on SQLite scans for `{_id, recipient_bsn}`); the owner is compared in the
service, so another citizen still gets nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.adapters import messages
from berichtenbox.adapters.messages import MessageRepository
from berichtenbox.domain.message import NewMessage
from mijnoverheid.storage import Document
from mijnoverheid_testing.observed_store import Observer, observed_database
from mijnoverheid_testing.stack import Stack
from services.berichtenbox.tests.integration.test_berichtenbox_retention_work import a_message

pytestmark = pytest.mark.integration


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[tuple[AsyncDatabase[Document], Observer]]:
    async with observed_database(stack.mongodb_url, "open-by-id") as (found, filters):
        await messages.create_indexes(found)
        yield found, filters


async def test_a_message_is_looked_up_by_id_alone_and_only_its_owner_gets_it(
    database: tuple[AsyncDatabase[Document], Observer],
) -> None:
    db, filters = database
    repository = MessageRepository(db)
    message = a_message(1, recipient_bsn="999993653")
    await repository.add(NewMessage(message))
    filters.take()

    found = await repository.owned("999993653", message.message_id)
    assert found is not None
    assert found.message_id == message.message_id
    assert await repository.owned("111222333", message.message_id) is None
    assert filters.take().filters("find") == [{"_id": message.message_id}] * 2
