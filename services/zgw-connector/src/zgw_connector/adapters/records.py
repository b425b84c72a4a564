"""What the connector remembers, in its own database: every document written once under a
derived `_id` (an insert on a unique key is the one write FerretDB v1 applies atomically, and
an exact `_id` is the one lookup it serves from an index). No personal data: event ids, zaak
URLs and case numbers (identificatie) only.

- `received`: a thin event accepted at the door (its key: OIN, source, id), so a replay is
  answered as received and changes nothing;
- `handled`: a thin event processed to its end (published, or nothing to publish);
- `zaken`: a zaak's identificatie, remembered when its statuses were reported, because a
  deleted zaak can no longer be read and its withdrawal must name it;
- `deleted_zaken`: a zaak deleted in the ZGW API: a zaak-gemuteerd that arrives late for it
  has nothing to fetch.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.kernel import derived_event_id
from mijnoverheid.storage import Document


def zaak_key(oin: str, zaak_url: str) -> str:
    return derived_event_id(oin, zaak_url, "zgw-zaak")


class Records:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._received: AsyncCollection[Document] = database["received"]
        self._handled: AsyncCollection[Document] = database["handled"]
        self._zaken: AsyncCollection[Document] = database["zaken"]
        self._deleted: AsyncCollection[Document] = database["deleted_zaken"]

    async def was_received(self, key: str) -> bool:
        return await self._received.find_one({"_id": key}) is not None

    async def mark_received(self, key: str, at: datetime) -> None:
        await _insert_once(self._received, {"_id": key, "at": at})

    async def was_handled(self, key: str) -> bool:
        return await self._handled.find_one({"_id": key}) is not None

    async def mark_handled(self, key: str, outcome: str, at: datetime) -> None:
        await _insert_once(self._handled, {"_id": key, "outcome": outcome, "at": at})

    async def remember_zaak(self, oin: str, zaak_url: str, identificatie: str) -> None:
        # identificatie never changes in ZGW: the first record is the record.
        document = {"_id": zaak_key(oin, zaak_url), "identificatie": identificatie}
        await _insert_once(self._zaken, document)

    async def identificatie(self, oin: str, zaak_url: str) -> str | None:
        found = await self._zaken.find_one({"_id": zaak_key(oin, zaak_url)})
        return None if found is None else str(found["identificatie"])

    async def mark_deleted(self, oin: str, zaak_url: str, at: datetime) -> None:
        await _insert_once(self._deleted, {"_id": zaak_key(oin, zaak_url), "at": at})

    async def is_deleted(self, oin: str, zaak_url: str) -> bool:
        return await self._deleted.find_one({"_id": zaak_key(oin, zaak_url)}) is not None


async def _insert_once(collection: AsyncCollection[Document], document: Document) -> None:
    with contextlib.suppress(DuplicateKeyError):  # written before: the same fact
        await collection.insert_one(document)


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    """Nothing beyond `_id`: every read is by its exact `_id`."""
