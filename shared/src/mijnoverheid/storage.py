"""MongoDB access: one AsyncMongoClient per process, created at start-up, closed at shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from mijnoverheid.coalescing import Coalescer

Document = dict[str, Any]


def connect(url: str, app_name: str, ca_file: Path | None = None) -> AsyncMongoClient[Document]:
    """The client; with `ca_file`, over TLS verifying the server's chain and host name against
    those CAs (without it, TLS only as the URL says, against the system's trust store)."""
    tls: dict[str, Any] = {} if ca_file is None else {"tls": True, "tlsCAFile": str(ca_file)}
    # Majority write concern + journal: "stored" means it survives a crash.
    return AsyncMongoClient(
        url,
        appname=app_name,
        tz_aware=True,
        w="majority",
        journal=True,
        serverSelectionTimeoutMS=5_000,
        **tls,
    )


async def ping(database: AsyncDatabase[Document]) -> bool:
    try:
        await database.command("ping")
    except Exception:
        return False
    return True


DUPLICATE_KEY = 11000


class WriteNotDurableError(RuntimeError):
    """The server took the write but could not confirm the write concern: not stored."""


async def insert_each(
    collection: AsyncCollection[Document], documents: Sequence[Document]
) -> list[BaseException | None]:
    """Insert in one unordered write; per document None (stored), a DuplicateKeyError (its
    unique key is taken) or the error that kept it out.

    A write-concern error fails every document: a write that is not durable is not stored.
    """
    if not documents:
        return []
    try:
        await collection.insert_many(list(documents), ordered=False)
    except BulkWriteError as error:
        if error.details.get("writeConcernErrors"):
            return [WriteNotDurableError("write concern not satisfied")] * len(documents)
        outcomes: list[BaseException | None] = [None] * len(documents)
        for failure in error.details.get("writeErrors", []):
            code = failure.get("code")
            outcomes[failure["index"]] = (
                DuplicateKeyError("duplicate key", code)
                if code == DUPLICATE_KEY
                else OperationFailure(f"insert failed: code {code}", code)
            )
        return outcomes
    return [None] * len(documents)


def only_duplicates(error: BulkWriteError) -> bool:
    """Every failure of the bulk write is a taken unique key, and what was written is durable."""
    if error.details.get("writeConcernErrors"):
        return False
    return all(failure.get("code") == DUPLICATE_KEY for failure in error.details["writeErrors"])


def coalesced_insert(collection: AsyncCollection[Document]) -> Coalescer[Document, None]:
    """An insert_one whose calls that arrive together share one insert_many; each caller still
    waits for its own document (a taken unique key raises DuplicateKeyError, as insert_one)."""

    async def insert_batch(documents: Sequence[Document]) -> list[BaseException | None]:
        return await insert_each(collection, documents)

    return Coalescer(insert_batch)


def coalesced_lookup(collection: AsyncCollection[Document]) -> Coalescer[str, Document | None]:
    """A find_one by `_id` whose calls that arrive together look each key up once, all at the
    same time. One lookup per key rather than one `$in`: FerretDB (either backend) serves only
    an exact `{_id: value}` from an index and scans the collection for `$in`."""

    async def find_batch(keys: Sequence[str]) -> list[Document | None]:
        wanted = list(dict.fromkeys(keys))
        documents = await asyncio.gather(*(collection.find_one({"_id": key}) for key in wanted))
        found = dict(zip(wanted, documents, strict=True))
        return [found[key] for key in keys]

    return Coalescer(find_batch)


async def read_slots(
    collection: AsyncCollection[Document], slot_id: Callable[[int], str], start: int = 0
) -> list[Document]:
    """The documents in numbered slots `slot_id(start)`, `slot_id(start + 1)`, ... up to the
    first free one, each read by its `_id` (the one filter every store serves from an index).
    Slots fill without gaps, so what follows a free slot is not there yet."""
    found: list[Document] = []
    while document := await collection.find_one({"_id": slot_id(start + len(found))}):
        found.append(document)
    return found


async def append_once(
    collection: AsyncCollection[Document],
    slot_id: Callable[[int], str],
    document: Document,
    key: str,
    attempts: int = 20,
) -> None:
    """Put `document` into the first free numbered slot, unless a slot already holds one with
    the same `key` (a redelivery). Every write is an insert on a unique `_id`: a slot taken by a
    concurrent writer in between is read and the next one tried. Raises RuntimeError when the
    slot is still taken after `attempts` tries (the delivery is retried)."""
    slots = await read_slots(collection, slot_id)
    for _ in range(attempts):
        if any(slot[key] == document[key] for slot in slots):
            return
        try:
            await collection.insert_one({**document, "_id": slot_id(len(slots))})
        except DuplicateKeyError:
            slots += await read_slots(collection, slot_id, start=len(slots))
            continue
        return
    raise RuntimeError(f"{collection.name}: the next slot kept being taken; will be retried")
