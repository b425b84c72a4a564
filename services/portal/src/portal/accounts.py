"""Accounts and digital consent, owned by the portal.

Every person of 14 or older has an account; it is activated at their first DigiD login, the
activation time is recorded, and there is no way to cancel it. Digital consent per
organisation (Wmebv, art. 2:8 Awb) is a list of changes, each with its time: the list is the
proof, the newest change per organisation is the current choice.

Never lost: each change is first written to the outbox (one document, a deterministic id),
then applied to its own collection. A crash in between leaves the outbox record, and the
relay (portal.outbox) applies it before it publishes, so state and announcement agree.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.storage import Document
from portal.outbox import ACCOUNT_ACTIVATED, CONSENT_CHANGED, write_through

MINIMUM_AGE = 14
_NAMESPACE = uuid.UUID("6f1d7c7e-3a8e-4c55-9d0e-7a3f5c2b9e11")


def age_on(birthdate: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (birthdate.month, birthdate.day)
    return day.year - birthdate.year - int(before_birthday)


def may_have_account(birthdate: date, today: date) -> bool:
    return age_on(birthdate, today) >= MINIMUM_AGE


@dataclass(frozen=True)
class ConsentChange:
    organisation_oin: str
    digital: bool
    at: datetime


class Accounts:
    def __init__(
        self,
        database: AsyncDatabase[Document],
        deliver: Callable[[Document], Awaitable[bool]] | None = None,
    ) -> None:
        self._accounts: AsyncCollection[Document] = database.accounts
        self._consents: AsyncCollection[Document] = database.consent_changes
        self._outbox: AsyncCollection[Document] = database.outbox
        # Announces an applied record at once (the relay retries what this could not).
        self._deliver = deliver

    async def ensure_indexes(self) -> None:
        await self._accounts.create_index("bsn", unique=True)
        await self._consents.create_index([("bsn", 1), ("at", 1)])
        await self._outbox.create_index("published_at")

    async def activated_at(self, bsn: str) -> datetime | None:
        found = await self._accounts.find_one({"bsn": bsn})
        return found["activated_at"] if found else None

    async def activate(self, bsn: str, now: datetime) -> datetime:
        """Idempotent: the first activation's time stays, however often or concurrently this
        runs (the outbox id is derived from the BSN, so two first logins make one record)."""
        existing = await self.activated_at(bsn)
        if existing is not None:
            return existing
        record_id = str(uuid.uuid5(_NAMESPACE, f"{ACCOUNT_ACTIVATED}:{bsn}"))
        data = {"bsn": bsn, "activated_at": now}
        record = await self._write(record_id, ACCOUNT_ACTIVATED, data)
        return record["data"]["activated_at"]  # type: ignore[no-any-return]

    async def change_consent(self, bsn: str, oin: str, digital: bool, now: datetime) -> None:
        record_id = str(uuid.uuid4())
        data = {"bsn": bsn, "organisation_oin": oin, "digital": digital, "at": now}
        await self._write(record_id, CONSENT_CHANGED, data)

    async def _write(self, record_id: str, kind: str, data: dict[str, Any]) -> Document:
        return await write_through(self._outbox, self, self._deliver, record_id, kind, data)

    async def consents(self, bsn: str) -> dict[str, ConsentChange]:
        """The current choice per organisation: its newest change."""
        current: dict[str, ConsentChange] = {}
        async for change in self._consents.find({"bsn": bsn}).sort([("at", 1), ("_id", 1)]):
            current[change["organisation_oin"]] = ConsentChange(
                change["organisation_oin"], change["digital"], change["at"]
            )
        return current

    async def consent_history(self, bsn: str) -> list[ConsentChange]:
        cursor = self._consents.find({"bsn": bsn}).sort([("at", -1), ("_id", -1)])
        return [
            ConsentChange(change["organisation_oin"], change["digital"], change["at"])
            async for change in cursor
        ]

    async def apply(self, record: Document) -> None:
        """Apply an outbox record to its collection; applying it twice changes nothing."""
        data = record["data"]
        if record["type"] == ACCOUNT_ACTIVATED:
            # Two racing upserts: the loser hits the unique index; the winner wrote the same.
            with contextlib.suppress(DuplicateKeyError):
                await self._accounts.update_one(
                    {"bsn": data["bsn"]},
                    {"$setOnInsert": {"_id": record["_id"], "activated_at": data["activated_at"]}},
                    upsert=True,
                )
        elif record["type"] == CONSENT_CHANGED:
            with contextlib.suppress(DuplicateKeyError):  # applied before
                await self._consents.insert_one({"_id": record["_id"], **data})
        else:
            raise ValueError(f"unknown outbox record type {record['type']!r}")
