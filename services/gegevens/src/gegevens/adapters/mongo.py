"""Gegevens' one collection: registration versions, append-only.

Every accepted event is inserted once under a unique (event_source, event_id): the insert is
the only write that matters, and it is one that MongoDB 7 and FerretDB v1 both enforce (FerretDB
v1 does not apply a conditional update atomically). Which version is current is derived on
reading (domain.model), so competing consumers never race on a projection. Facts are stored as
a list of {label, value}: labels are values, never keys, so dots and dollars are harmless.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gegevens.domain import model
from gegevens.domain.model import Version, VersionRef
from mijnoverheid.contracts.gegevens import Fact, RegistrationChange, WhereToChange
from mijnoverheid.storage import Document

VERSIONS = "registration_versions"
_REF_FIELDS = ("registration_id", "event_source", "event_id", "valid_from", "change")
_REF_PROJECTION = dict.fromkeys(_REF_FIELDS, 1)
_FACTS = TypeAdapter(tuple[Fact, ...])


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    versions = database[VERSIONS]
    await versions.create_index(
        [("event_source", ASCENDING), ("event_id", ASCENDING)], unique=True, name="event_once"
    )
    await versions.create_index([("registration_id", ASCENDING)], name="history")
    await versions.create_index([("recipient_bsn", ASCENDING)], name="by_citizen")


class RegistrationRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._versions = database[VERSIONS]

    async def by_event(self, event_source: str, event_id: str) -> Version | None:
        document = await self._versions.find_one(
            {"event_source": event_source, "event_id": event_id}
        )
        return _to_version(document) if document else None

    async def history(self, registration_id: str) -> list[VersionRef]:
        return await self._refs({"registration_id": registration_id})

    async def add(self, version: Version) -> bool:
        try:
            await self._versions.insert_one(_to_document(version))
        except DuplicateKeyError:
            return False  # the same event, recorded already: "already done"
        return True

    async def mark_notified(self, version_id: str) -> None:
        # Not a compare-and-set: setting a flag twice is harmless, so FerretDB's non-atomic
        # update is good enough here.
        await self._versions.update_one({"_id": version_id}, {"$set": {"notified": True}})

    async def visible_for(self, bsn: str) -> list[Version]:
        refs = model.visible(await self._refs({"recipient_bsn": bsn}))
        ids = [ref.version_id for ref in refs]
        return [_to_version(d) async for d in self._versions.find({"_id": {"$in": ids}})]

    async def visible(self, registration_id: str, bsn: str) -> Version | None:
        refs = await self._refs({"registration_id": registration_id, "recipient_bsn": bsn})
        winner = model.current(refs)
        if winner is None:
            return None
        document = await self._versions.find_one({"_id": winner.version_id})
        return _to_version(document) if document else None

    async def _refs(self, query: Document) -> list[VersionRef]:
        # Only what ordering needs: the facts of superseded versions are not read.
        cursor = self._versions.find(query, projection=_REF_PROJECTION)
        return [_to_ref(document) async for document in cursor]


def _to_document(version: Version) -> Document:
    return {
        "_id": version.version_id,
        "registration_id": version.registration_id,
        "event_source": version.event_source,
        "event_id": version.event_id,
        "organisation_oin": version.organisation_oin,
        "register_code": version.register_code,
        "registration_key": version.registration_key,
        "recipient_bsn": version.recipient_bsn,
        "change": version.change.value,
        "valid_from": version.valid_from,
        "recorded_at": version.recorded_at,
        # Amounts stay decimal strings and dates ISO text (BSON has no calendar date).
        "facts": [fact.model_dump(mode="json") for fact in version.facts],
        "where_to_change": (
            version.where_to_change.model_dump(mode="json") if version.where_to_change else None
        ),
        "notify": version.notify,
        "notified": version.notified,
    }


def _to_ref(document: Document) -> VersionRef:
    return VersionRef(
        version_id=document["_id"],
        registration_id=document["registration_id"],
        event_source=document["event_source"],
        event_id=document["event_id"],
        valid_from=model.instant(document["valid_from"]),
        change=RegistrationChange(document["change"]),
    )


def _to_version(document: Document) -> Version:
    fields: dict[str, Any] = {key: value for key, value in document.items() if key != "_id"}
    link = fields["where_to_change"]
    fields.update(
        version_id=document["_id"],
        change=RegistrationChange(fields["change"]),
        valid_from=model.instant(fields["valid_from"]),
        recorded_at=model.instant(fields["recorded_at"]),
        facts=_FACTS.validate_python(fields["facts"]),
        where_to_change=WhereToChange.model_validate(link) if link else None,
    )
    return Version(**fields)
