"""The Berichtenbox's projection of the portal's grants (machtigen), in three collections.

Every write is an insert on a unique `_id`, every read an exact `_id` lookup (the one thing
FerretDB v1's SQLite backend serves from an index, docs/performance.md):

- `grants`: one document per grant, `_id` = the grant id, as the portal gave it (first stays);
- `grant_withdrawals`: one document per withdrawn grant, `_id` = the grant id. Kept apart
  from the grant, so that a withdrawal that arrives first still holds when the grant comes;
- `helper_grants`: the helper's grants in numbered slots (`<helper BSN>#<n>` → grant id),
  filled without gaps in the order they arrive, so that a helper's list is point reads.

A grant is written before its slot: a slot always names a grant that is there.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from functools import partial

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from berichtenbox.domain.grants import Grant
from mijnoverheid.storage import Document, append_once, read_slots

GRANTS = "grants"
WITHDRAWALS = "grant_withdrawals"
HELPER_SLOTS = "helper_grants"


def _slot_id(helper_bsn: str, slot: int) -> str:
    return f"{helper_bsn}#{slot}"


class GrantRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._grants = database[GRANTS]
        self._withdrawals = database[WITHDRAWALS]
        self._slots = database[HELPER_SLOTS]

    async def grant(self, grant_id: str) -> Grant | None:
        document = await self._grants.find_one({"_id": grant_id})
        if document is None:
            return None
        withdrawal = await self._withdrawals.find_one({"_id": grant_id})
        return _to_grant(document, withdrawal["withdrawn_at"] if withdrawal else None)

    async def of_helper(self, helper_bsn: str) -> list[Grant]:
        found = []
        for slot in await read_slots(self._slots, partial(_slot_id, helper_bsn)):
            grant = await self.grant(slot["grant_id"])
            if grant is not None and grant.helper_bsn == helper_bsn:
                found.append(grant)
        return found

    async def record_grant(self, grant: Grant) -> None:
        with contextlib.suppress(DuplicateKeyError):  # given before: the first stays
            await self._grants.insert_one(_to_document(grant))
        slot_id = partial(_slot_id, grant.helper_bsn)
        await append_once(self._slots, slot_id, {"grant_id": grant.grant_id}, key="grant_id")

    async def record_withdrawal(self, grant_id: str, withdrawn_at: datetime) -> None:
        with contextlib.suppress(DuplicateKeyError):  # withdrawn before: that time stays
            await self._withdrawals.insert_one({"_id": grant_id, "withdrawn_at": withdrawn_at})


def _to_document(grant: Grant) -> Document:
    return {
        "_id": grant.grant_id,
        "owner_bsn": grant.owner_bsn,
        "helper_bsn": grant.helper_bsn,
        "owner_name": grant.owner_name,
        "organisation_oins": list(grant.organisation_oins),
        "granted_at": grant.granted_at,
        "valid_until": grant.valid_until,
    }


def _to_grant(document: Document, withdrawn_at: datetime | None) -> Grant:
    return Grant(
        grant_id=document["_id"],
        owner_bsn=document["owner_bsn"],
        helper_bsn=document["helper_bsn"],
        owner_name=document["owner_name"],
        organisation_oins=tuple(document["organisation_oins"]),
        granted_at=document["granted_at"],
        valid_until=document["valid_until"],
        withdrawn_at=withdrawn_at,
    )
