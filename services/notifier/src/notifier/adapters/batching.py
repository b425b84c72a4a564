"""Group commit: inserts that arrive together go to the database in one insert_many.

FerretDB v1 (SQLite) commits every insert on its own: about a hundred a second, whatever the
concurrency. One insert_many of many documents costs about as much as one insert. Each caller
still waits until its own document is stored (or refused as a duplicate), so "stored" means
what it meant; only the round trips are shared. While one batch is being written the next
collects; there is no timer, so a lone insert is written at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from mijnoverheid.storage import Document

DUPLICATE_KEY = 11000
MAX_BATCH = 256


class InsertBatcher:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self._pending: list[tuple[Document, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def insert(self, document: Document) -> None:
        """Store `document`; raises DuplicateKeyError like insert_one."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((document, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await future

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                await self._collection.insert_many(
                    [document for document, _ in batch], ordered=False
                )
                errors: dict[int, Any] = {}
            except BulkWriteError as error:
                errors = {item["index"]: item for item in error.details.get("writeErrors", [])}
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for index, (_, future) in enumerate(batch):
                if future.done():
                    continue
                failure = errors.get(index)
                if failure is None:
                    future.set_result(None)
                elif failure.get("code") == DUPLICATE_KEY:
                    future.set_exception(DuplicateKeyError(failure.get("errmsg", "duplicate key")))
                else:
                    future.set_exception(RuntimeError(f"insert failed: code {failure.get('code')}"))


class LookupBatcher:
    """Reads by _id that arrive together go to the database as one `$in` query."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self._pending: dict[str, list[asyncio.Future[Document | None]]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def find(self, key: str) -> Document | None:
        future: asyncio.Future[Document | None] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(key, []).append(future)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read())
        return await future

    async def _read(self) -> None:
        while self._pending:
            keys = list(self._pending)[:MAX_BATCH]
            waiting = {key: self._pending.pop(key) for key in keys}
            try:
                found = {
                    document["_id"]: document
                    async for document in self._collection.find({"_id": {"$in": keys}})
                }
            except Exception as error:
                for futures in waiting.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(error)
                continue
            for key, futures in waiting.items():
                for future in futures:
                    if not future.done():
                        future.set_result(found.get(key))
