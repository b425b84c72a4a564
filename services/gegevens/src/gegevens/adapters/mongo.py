"""Gegevens' one collection: registration versions, append-only, in numbered slots.

FerretDB v1 enforces unique keys on insert (`_id` too) but applies no conditional update_one
atomically, and indexes only `_id` lookups. So every write that matters is an insert on a unique
`_id`: a registration's versions sit in numbered slots (`<registration_id>#<n>`). Recording one
reads the registration's slots in order (finding it there if its event came before) and inserts
it into the first free slot, decided against the slots before it; losing that race means
reading the slot and moving on (deciding again against one more). Slots fill without gaps, one
per event, in the order of recording, and never change (but for the `notified` flag), so the
prefix a version was decided against is fixed: a redelivery finds the same slot and decision.
Which version is current is derived on reading (domain.model), so competing consumers never race
on a projection. Facts are stored as a list of {label, value}: labels are values, never keys,
so dots and dollars are harmless. See docs/gegevens.md § 9.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gegevens.domain import model
from gegevens.domain.model import Fact, RegistrationChange, Version, VersionRef, WhereToChange
from gegevens.ports import Decide, Listed, Recorded
from mijnoverheid.storage import Document

VERSIONS = "registration_versions"
_REF_FIELDS = (
    "version_id",
    "registration_id",
    "event_source",
    "event_id",
    "valid_from",
    "change",
    # for the overview's order and groups
    "organisation_oin",
    "register_code",
    "registration_key",
)
_REF_PROJECTION = dict.fromkeys(_REF_FIELDS, 1)


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    versions = database[VERSIONS]
    # A guard: the slots already give each event one version.
    await versions.create_index(
        [("event_source", ASCENDING), ("event_id", ASCENDING)], unique=True, name="event_once"
    )
    await versions.create_index([("registration_id", ASCENDING)], name="history")
    await versions.create_index([("recipient_bsn", ASCENDING)], name="by_citizen")


def slot_id(registration_id: str, slot: int) -> str:
    return f"{registration_id}#{slot}"


class RegistrationRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._versions = database[VERSIONS]

    async def record(self, version: Version, announce: Decide) -> Recorded:
        # One query for the slots there are (those from 0 on without a gap: a slot, once
        # written, stays), then `_id` lookups from the first one it did not give.
        slots = await self._slots(version.registration_id)
        before: list[VersionRef] = []
        for slot in itertools.count():
            document = slots[slot] if slot < len(slots) else await self._slot(version, slot)
            if document is None:  # the first free slot: decided against the ones before it
                candidate = replace(version, slot=slot, notify=announce(tuple(before)))
                try:
                    await self._versions.insert_one(_to_document(candidate))
                    return Recorded(candidate)
                except DuplicateKeyError:  # a concurrent writer came first: read it, move on
                    document = await self._taken(candidate)
                if _is_of(document, version):  # a concurrent delivery of the same event
                    return Recorded(_to_version(document), concurrent=True)
            elif _is_of(document, version):
                return Recorded(_to_version(document))  # recorded before: a redelivery
            before.append(_to_ref(document))
        raise AssertionError("unreachable")

    async def _slot(self, version: Version, slot: int) -> Document | None:
        return await self._versions.find_one({"_id": slot_id(version.registration_id, slot)})

    async def _taken(self, candidate: Version) -> Document:
        """The slot the candidate could not be inserted in: taken by a concurrent writer."""
        assert candidate.slot is not None
        document = await self._slot(candidate, candidate.slot)
        if document is None:  # refused by `event_once`: the event is stored outside the slots
            raise RuntimeError(
                f"event {candidate.event_id} of {candidate.event_source} is stored, but not in"
                f" a slot of registration {candidate.registration_id}"
            )
        return document

    async def mark_notified(self, version: Version) -> None:
        # Not a compare-and-set: setting a flag twice is harmless, so FerretDB's non-atomic
        # update is good enough here.
        if version.slot is None:
            raise ValueError("only a recorded version can be marked notified")
        slot = slot_id(version.registration_id, version.slot)
        await self._versions.update_one({"_id": slot}, {"$set": {"notified": True}})

    async def history(self, registration_id: str) -> list[Version]:
        """The registration's versions in the order recorded (its slots, as far as read)."""
        return [_to_version(document) for document in await self._slots(registration_id)]

    async def by_event(self, event_source: str, event_id: str) -> Version | None:
        """For diagnosis and tests: a scan on FerretDB v1, not on any hot path."""
        document = await self._versions.find_one(
            {"event_source": event_source, "event_id": event_id}
        )
        return _to_version(document) if document else None

    async def visible_for(self, bsn: str) -> list[Version]:
        return await self.versions_of(await self.listed_for(bsn))

    async def listed_for(self, bsn: str) -> list[Listed]:
        stored = await self._refs({"recipient_bsn": bsn})
        return [_listed(*stored[ref.version_id]) for ref in model.visible(_refs_of(stored))]

    async def versions_of(self, listed: Sequence[Listed]) -> list[Version]:
        # By `_id`, one lookup each: `$in` is a scan on FerretDB (either backend).
        found = await asyncio.gather(
            *(self._versions.find_one({"_id": each.version_key}) for each in listed)
        )
        return [_to_version(document) for document in found if document is not None]

    async def visible(self, registration_id: str, bsn: str) -> Version | None:
        stored = await self._refs({"registration_id": registration_id, "recipient_bsn": bsn})
        winner = model.current(_refs_of(stored))
        if winner is None:
            return None
        document = await self._versions.find_one({"_id": stored[winner.version_id][0]["_id"]})
        return _to_version(document) if document else None

    async def _slots(self, registration_id: str) -> list[Document]:
        """The registration's slots 0..n-1 that one query finds (a query may miss a slot
        written while it runs: the slots after a missing one are left for `_id` lookups)."""
        found = {
            document["slot"]: document
            async for document in self._versions.find({"registration_id": registration_id})
        }
        slots: list[Document] = []
        while (document := found.get(len(slots))) is not None:
            slots.append(document)
        return slots

    async def _refs(self, query: Document) -> dict[str, tuple[Document, VersionRef]]:
        """version id -> (its document without facts, ref). Only what ordering and the
        overview need: no facts are read."""
        cursor = self._versions.find(query, projection=_REF_PROJECTION)
        return {document["version_id"]: (document, _to_ref(document)) async for document in cursor}


def _refs_of(stored: dict[str, tuple[Document, VersionRef]]) -> list[VersionRef]:
    return [ref for _, ref in stored.values()]


def _listed(document: Document, ref: VersionRef) -> Listed:
    return Listed(
        registration_id=ref.registration_id,
        organisation_oin=document["organisation_oin"],
        register_code=document["register_code"],
        registration_key=document["registration_key"],
        version_key=document["_id"],
    )


def _is_of(document: Document, version: Version) -> bool:
    """Whether the stored document is the version of the same event."""
    return (document["event_source"], document["event_id"]) == (
        version.event_source,
        version.event_id,
    )


def _to_document(version: Version) -> Document:
    if version.slot is None:
        raise ValueError("a version is stored in a slot")
    return {
        "_id": slot_id(version.registration_id, version.slot),
        "slot": version.slot,
        "version_id": version.version_id,
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
        "facts": [{"label": fact.label, "value": dict(fact.value)} for fact in version.facts],
        "where_to_change": (
            {"description": link.description, "url": link.url}
            if (link := version.where_to_change)
            else None
        ),
        "notify": version.notify,
        "notified": version.notified,
    }


def _to_ref(document: Document) -> VersionRef:
    return VersionRef(
        version_id=document["version_id"],
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
        change=RegistrationChange(fields["change"]),
        valid_from=model.instant(fields["valid_from"]),
        recorded_at=model.instant(fields["recorded_at"]),
        facts=tuple(Fact(fact["label"], fact["value"]) for fact in fields["facts"]),
        where_to_change=WhereToChange(link["description"], link["url"]) if link else None,
    )
    return Version(**fields)
