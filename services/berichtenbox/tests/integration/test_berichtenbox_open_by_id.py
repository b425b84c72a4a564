"""Opening a message asks the store for its `_id` alone, the one filter every store serves from
an index (FerretDB on SQLite scans for `{_id, recipient_bsn}`); the owner is compared in the
service, so another citizen still gets nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.adapters import messages
from berichtenbox.adapters.messages import MessageRepository
from berichtenbox.domain.message import NewMessage
from mijnoverheid.storage import Document
from mijnoverheid_testing.stack import Stack
from services.berichtenbox.tests.integration.test_berichtenbox_retention_work import a_message

pytestmark = pytest.mark.integration


class Filters(monitoring.CommandListener):
    def __init__(self) -> None:
        self.filters: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find":
            self.filters.append(dict(event.command["filter"]))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[tuple[AsyncDatabase[Document], Filters]]:
    filters = Filters()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        stack.mongodb_url, tz_aware=True, event_listeners=[filters]
    )
    found = client[f"open-by-id-{uuid.uuid4().hex[:12]}"]
    await messages.create_indexes(found)
    try:
        yield found, filters
    finally:
        await client.drop_database(found.name)
        await client.close()


async def test_a_message_is_looked_up_by_id_alone_and_only_its_owner_gets_it(
    database: tuple[AsyncDatabase[Document], Filters],
) -> None:
    db, filters = database
    repository = MessageRepository(db)
    message = a_message(1, recipient_bsn="999993653")
    await repository.add(NewMessage(message))
    filters.filters.clear()

    found = await repository.owned("999993653", message.message_id)
    assert found is not None
    assert found.message_id == message.message_id
    assert await repository.owned("111222333", message.message_id) is None
    assert filters.filters == [{"_id": message.message_id}] * 2
