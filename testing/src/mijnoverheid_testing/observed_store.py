"""A throw-away database on the real store whose traffic a test can see: which commands it was
sent (with their filters) and which documents it sent back, through pymongo's command
monitoring on a client of the test's own. For tests that hold a repository to a cost (pages
bounded, no bodies read, a lookup by `_id` alone, round trips that do not grow)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.storage import Document

Filter = dict[str, Any] | None
Batch = list[dict[str, Any]]


@dataclass(frozen=True)
class Seen:
    """The traffic of one database between two `Observer.take`s."""

    sent: list[tuple[str, Filter]]  # (command name, its filter if it has one)
    received: list[tuple[str, Batch]]  # (collection, one batch of documents a cursor returned)

    def counts(self) -> dict[str, int]:
        """The commands sent, counted by name."""
        return dict(Counter(name for name, _ in self.sent))

    def filters(self, command: str) -> list[dict[str, Any]]:
        """The filters of the `command` commands sent, in order."""
        return [found for name, found in self.sent if name == command and found is not None]

    def batches(self, collection: str) -> list[Batch]:
        """The batches of `collection` documents sent back, in order."""
        return [batch for name, batch in self.received if name == collection]

    def documents(self, collection: str | None = None) -> Batch:
        """The documents of `collection` sent back (of any collection if None)."""
        return [
            document
            for name, batch in self.received
            if collection is None or name == collection
            for document in batch
        ]


class Observer(monitoring.CommandListener):
    """Records the traffic of the one database named `database` (the client's handshakes and
    session ends go to `admin` and are left out)."""

    def __init__(self) -> None:
        self.database = ""
        self._sent: list[tuple[str, Filter]] = []
        self._received: list[tuple[str, Batch]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name == self.database:
            found = event.command.get("filter")
            self._sent.append((event.command_name, None if found is None else dict(found)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        cursor = event.reply.get("cursor") if event.database_name == self.database else None
        if cursor:
            # A namespace is `database.collection`; a database name has no dot.
            collection = cursor.get("ns", "").partition(".")[2]
            batch = list(cursor.get("firstBatch", cursor.get("nextBatch", [])))
            self._received.append((collection, batch))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def take(self) -> Seen:
        """What was seen since the last take (or since the start)."""
        seen = Seen(self._sent, self._received)
        self._sent, self._received = [], []
        return seen


@asynccontextmanager
async def observed_database(
    mongodb_url: str, prefix: str
) -> AsyncIterator[tuple[AsyncDatabase[Document], Observer]]:
    """A fresh database named `prefix-<random>` with an observer on it; dropped afterwards."""
    observer = Observer()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongodb_url, tz_aware=True, event_listeners=[observer]
    )
    database = client[f"{prefix}-{uuid.uuid4().hex[:12]}"]
    observer.database = database.name
    try:
        yield database, observer
    finally:
        await client.drop_database(database.name)
        await client.close()
