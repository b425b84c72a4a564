"""The Berichtenbox's projection of accounts and digital consent, in two collections.

Every write is an insert on a unique `_id` (FerretDB v1 applies no conditional update
atomically): an account is one document per citizen, the first activation recorded stays; a
citizen's consent changes for one organisation sit in numbered slots
(`<bsn>:<OIN>#<n>`), one per change, filled without gaps in the order they arrive. The
current choice is derived on reading (the newest change by its own time), so changes that
arrive out of order or twice give the same answer.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from datetime import datetime
from functools import partial

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from berichtenbox.domain.eligibility import ConsentChange
from mijnoverheid.storage import Document, append_once, read_slots

ACCOUNTS = "citizen_accounts"
CONSENTS = "digital_consents"


def _slot_id(bsn: str, organisation_oin: str, slot: int) -> str:
    return f"{bsn}:{organisation_oin}#{slot}"


KNOWN_ACTIVATIONS = 65536  # citizens whose activation a process remembers (most recent)


class CitizenRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._accounts = database[ACCOUNTS]
        self._consents = database[CONSENTS]
        # An activation, once recorded, never changes: remembered, it costs no more reads.
        self._activated: OrderedDict[str, datetime] = OrderedDict()

    async def activated_at(self, bsn: str) -> datetime | None:
        if (known := self._activated.get(bsn)) is not None:
            self._activated.move_to_end(bsn)
            return known
        document = await self._accounts.find_one({"_id": bsn})
        if document is None:
            return None
        self._activated[bsn] = document["activated_at"]
        if len(self._activated) > KNOWN_ACTIVATIONS:
            self._activated.popitem(last=False)
        return self._activated[bsn]

    async def record_activation(self, bsn: str, activated_at: datetime) -> None:
        with contextlib.suppress(DuplicateKeyError):  # activated before: that time stays
            await self._accounts.insert_one({"_id": bsn, "activated_at": activated_at})

    async def consent_changes(self, bsn: str, organisation_oin: str) -> list[ConsentChange]:
        slots = await read_slots(self._consents, partial(_slot_id, bsn, organisation_oin))
        return [_to_change(document) for document in slots]

    async def record_consent(self, bsn: str, change: ConsentChange) -> None:
        slot_id = partial(_slot_id, bsn, change.organisation_oin)
        await append_once(self._consents, slot_id, _to_document(change), key="change_id")


def _to_document(change: ConsentChange) -> Document:
    return {
        "organisation_oin": change.organisation_oin,
        "digital": change.digital,
        "changed_at": change.changed_at,
        "change_id": change.change_id,
    }


def _to_change(document: Document) -> ConsentChange:
    return ConsentChange(
        organisation_oin=document["organisation_oin"],
        digital=document["digital"],
        changed_at=document["changed_at"],
        change_id=document["change_id"],
    )
