"""Grants (machtigen), owned by the portal: a citizen lets another citizen read the messages
of chosen organisations, until a moment or until withdrawn.

Every grant and every withdrawal is a change with its time, kept as proof (like consent) in
`grant_changes`: the grant under its id, its withdrawal under `<id>#withdrawn`, so that a
grant's state is two lookups by `_id` and a second withdrawal is the first one again. As with
accounts and consent, each change is first written to the outbox (one document), then
applied, then announced; the relay repairs a crash in between.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.storage import Document
from portal.grant_form import GrantRequest
from portal.outbox import GRANT_GIVEN, GRANT_WITHDRAWN, write_through

_NAMESPACE = uuid.UUID("2b6f3f8e-5c1d-4e7a-9a0b-3d2c1e0f9a87")
_WITHDRAWN = "#withdrawn"


@dataclass(frozen=True)
class GivenGrant:
    grant_id: str
    owner_bsn: str
    helper_bsn: str
    helper_name: str
    owner_name: str
    organisation_oins: tuple[str, ...]
    granted_at: datetime
    valid_until: datetime | None
    withdrawn_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        ended = self.valid_until is not None and now >= self.valid_until
        return self.withdrawn_at is None and not ended


class Grants:
    def __init__(
        self,
        database: AsyncDatabase[Document],
        deliver: Callable[[Document], Awaitable[bool]] | None = None,
    ) -> None:
        self._changes: AsyncCollection[Document] = database.grant_changes
        self._outbox: AsyncCollection[Document] = database.outbox
        self._deliver = deliver  # announces at once; the relay retries what this could not

    async def ensure_indexes(self) -> None:
        await self._changes.create_index("owner_bsn")

    async def give(self, owner_bsn: str, request: GrantRequest, now: datetime) -> str:
        grant_id = str(uuid.uuid4())
        data = {
            "grant_id": grant_id,
            "owner_bsn": owner_bsn,
            "helper_bsn": request.helper_bsn,
            "helper_name": request.helper_name,
            "owner_name": request.owner_name,
            "organisation_oins": list(request.organisation_oins),
            "valid_until": request.valid_until,
            "at": now,
        }
        await self._write(grant_id, GRANT_GIVEN, data)  # the event's id is the grant's
        return grant_id

    async def withdraw(self, owner_bsn: str, grant_id: str, now: datetime) -> bool:
        """False when it is not the owner's grant. Withdrawing again changes nothing: the
        record's id is derived from the grant, and the first withdrawal's time stays."""
        grant = await self.grant(grant_id)
        if grant is None or grant.owner_bsn != owner_bsn:
            return False
        record_id = str(uuid.uuid5(_NAMESPACE, f"{GRANT_WITHDRAWN}:{grant_id}"))
        data = {"grant_id": grant_id, "owner_bsn": owner_bsn, "at": now}
        await self._write(record_id, GRANT_WITHDRAWN, data)
        return True

    async def grant(self, grant_id: str) -> GivenGrant | None:
        given = await self._changes.find_one({"_id": grant_id})
        if given is None or given.get("kind") != "given":
            return None
        withdrawn = await self._changes.find_one({"_id": grant_id + _WITHDRAWN})
        return _to_grant(given, withdrawn)

    async def given_by(self, owner_bsn: str) -> list[GivenGrant]:
        """The owner's grants, newest first, each with its withdrawal (the proof)."""
        changes = [change async for change in self._changes.find({"owner_bsn": owner_bsn})]
        withdrawals = {c["grant_id"]: c for c in changes if c["kind"] == "withdrawn"}
        grants = [_to_grant(c, withdrawals.get(c["_id"])) for c in changes if c["kind"] == "given"]
        return sorted(grants, key=lambda grant: (grant.granted_at, grant.grant_id), reverse=True)

    async def apply(self, record: Document) -> None:
        """Apply an outbox record to `grant_changes`; applying it twice changes nothing."""
        data = record["data"]
        if record["type"] == GRANT_GIVEN:
            change = {"_id": data["grant_id"], "kind": "given", **data}
        elif record["type"] == GRANT_WITHDRAWN:
            change = {"_id": data["grant_id"] + _WITHDRAWN, "kind": "withdrawn", **data}
        else:
            raise ValueError(f"not a grant record: {record['type']!r}")
        with contextlib.suppress(DuplicateKeyError):  # applied before
            await self._changes.insert_one(change)

    async def _write(self, record_id: str, kind: str, data: dict[str, Any]) -> Document:
        return await write_through(self._outbox, self, self._deliver, record_id, kind, data)


def _to_grant(given: Document, withdrawn: Document | None) -> GivenGrant:
    return GivenGrant(
        grant_id=given["grant_id"],
        owner_bsn=given["owner_bsn"],
        helper_bsn=given["helper_bsn"],
        helper_name=given["helper_name"],
        owner_name=given["owner_name"],
        organisation_oins=tuple(given["organisation_oins"]),
        granted_at=given["at"],
        valid_until=given["valid_until"],
        withdrawn_at=withdrawn["at"] if withdrawn else None,
    )
