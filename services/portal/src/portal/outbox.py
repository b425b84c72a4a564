"""Announcing accounts, consent changes and grants (machtigen) to the services, through an
outbox.

Every change is first written to the outbox (one document, a deterministic id), then applied
to its own collection, then published (`Outbox.deliver`) and marked published. A crash or a
broker outage anywhere leaves the record pending: the relay applies what is pending (in case
the crash came before the state write) and publishes it again, under the same event id, so
receivers see it once. Nothing is lost; a change is announced at least once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.portal import (
    AccountActivated,
    DigitalConsentChanged,
    GrantGiven,
    GrantWithdrawn,
)
from mijnoverheid.contracts.routing import EventRoute
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.storage import Document

log = logging.getLogger("portal.outbox")
ACCOUNT_ACTIVATED = "account-activated"
CONSENT_CHANGED = "consent-changed"
GRANT_GIVEN = "grant-given"
GRANT_WITHDRAWN = "grant-withdrawn"


class Applier(Protocol):
    async def apply(self, record: Document) -> None: ...


async def write_through(
    outbox: AsyncCollection[Document],
    applier: Applier,
    deliver: Callable[[Document], Awaitable[bool]] | None,
    record_id: str,
    kind: str,
    data: dict[str, Any],
) -> Document:
    """A change written to the outbox, applied to its own collection and announced at once
    (`deliver`; the relay retries what this could not). With an id derived from the change,
    writing it again is writing it once: the first record stays and is what counts."""
    record: Document = {"_id": record_id, "type": kind, "data": data, "published_at": None}
    try:
        await outbox.insert_one(record)
    except DuplicateKeyError:
        record = await outbox.find_one({"_id": record_id}) or record
    await applier.apply(record)
    if deliver is not None and record.get("published_at") is None:
        await deliver(record)
    return record


@dataclass(frozen=True)
class ByType:
    """Applies each record with the store it belongs to (accounts, grants)."""

    appliers: Mapping[str, Applier]

    async def apply(self, record: Document) -> None:
        applier = self.appliers.get(record["type"])
        if applier is None:
            raise ValueError(f"unknown outbox record type {record['type']!r}")
        await applier.apply(record)


def announcement(record: Document, source: str) -> tuple[EventRoute, CloudEvent]:
    """The CloudEvent of an outbox record and its route: its id is the record's, its time the
    change's."""
    data, kind, record_id = record["data"], record["type"], record["_id"]
    route: EventRoute
    content: BaseModel
    if kind == ACCOUNT_ACTIVATED:
        route, at = events.ACCOUNT_ACTIVATED, data["activated_at"]
        content = AccountActivated(bsn=data["bsn"], activated_at=at)
    elif kind == CONSENT_CHANGED:
        route, at = events.DIGITAL_CONSENT_CHANGED, data["at"]
        content = DigitalConsentChanged(
            bsn=data["bsn"],
            organisation_oin=data["organisation_oin"],
            digital=data["digital"],
            changed_at=at,
            change_id=record_id,
        )
    elif kind == GRANT_GIVEN:
        route, at = events.GRANT_GIVEN, data["at"]
        content = GrantGiven(
            grant_id=data["grant_id"],
            owner_bsn=data["owner_bsn"],
            helper_bsn=data["helper_bsn"],
            owner_name=data["owner_name"],
            organisation_oins=data["organisation_oins"],
            granted_at=at,
            valid_until=data["valid_until"],
        )
    elif kind == GRANT_WITHDRAWN:
        route, at = events.GRANT_WITHDRAWN, data["at"]
        content = GrantWithdrawn(grant_id=data["grant_id"], withdrawn_at=at)
    else:
        raise ValueError(f"unknown outbox record type {kind!r}")
    return route, route.new_event(content, source=source, id_=record_id, time=at)


@dataclass(frozen=True)
class Outbox:
    records: AsyncCollection[Document]
    publisher: EventPublisher
    source: str
    platform_oin: str
    clock: Callable[[], datetime]

    async def deliver(self, record: Document) -> bool:
        """Publish the record and mark it published; False (and still pending) on failure."""
        route, event = announcement(record, self.source)
        try:
            await self.publisher.publish(event, route.key(self.platform_oin))
        except Exception as error:
            log.warning(
                "announcement not published yet; the outbox keeps it",
                extra={"record_id": record["_id"], "error_type": type(error).__name__},
            )
            return False
        await self.records.update_one(
            {"_id": record["_id"]}, {"$set": {"published_at": self.clock()}}
        )
        return True


@dataclass(frozen=True)
class OutboxRelay:
    outbox: Outbox
    applier: Applier
    interval_seconds: float = 5.0

    async def run_once(self) -> int:
        published = 0
        pending: Any = self.outbox.records.find({"published_at": None}).limit(500)
        async for record in pending:
            await self.applier.apply(record)
            published += await self.outbox.deliver(record)
        return published

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox round failed; the records stay pending")
            await asyncio.sleep(self.interval_seconds)
