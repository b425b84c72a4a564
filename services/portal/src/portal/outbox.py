"""Announcing accounts and consent changes to the services, through an outbox.

Every change is first written to the outbox (one document, a deterministic id), then applied
to its own collection, then published (`Outbox.deliver`) and marked published. A crash or a
broker outage anywhere leaves the record pending: the relay applies what is pending (in case
the crash came before the state write) and publishes it again, under the same event id, so
receivers see it once. Nothing is lost; a change is announced at least once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pymongo.asynchronous.collection import AsyncCollection

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.portal import AccountActivated, DigitalConsentChanged
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.storage import Document

log = logging.getLogger("portal.outbox")
ACCOUNT_ACTIVATED = "account-activated"
CONSENT_CHANGED = "consent-changed"


class Applier(Protocol):
    async def apply(self, record: Document) -> None: ...


def announcement(record: Document, source: str) -> CloudEvent:
    """The CloudEvent of an outbox record: its id is the record's, its time the change's."""
    data = record["data"]
    if record["type"] == ACCOUNT_ACTIVATED:
        activated = AccountActivated(bsn=data["bsn"], activated_at=data["activated_at"])
        return events.ACCOUNT_ACTIVATED.new_event(
            activated, source=source, id_=record["_id"], time=data["activated_at"]
        )
    changed = DigitalConsentChanged(
        bsn=data["bsn"],
        organisation_oin=data["organisation_oin"],
        digital=data["digital"],
        changed_at=data["at"],
        change_id=record["_id"],
    )
    return events.DIGITAL_CONSENT_CHANGED.new_event(
        changed, source=source, id_=record["_id"], time=data["at"]
    )


@dataclass(frozen=True)
class Outbox:
    records: AsyncCollection[Document]
    publisher: EventPublisher
    source: str
    platform_oin: str
    clock: Callable[[], datetime]

    async def deliver(self, record: Document) -> bool:
        """Publish the record and mark it published; False (and still pending) on failure."""
        event = announcement(record, self.source)
        route = (
            events.ACCOUNT_ACTIVATED
            if record["type"] == ACCOUNT_ACTIVATED
            else (events.DIGITAL_CONSENT_CHANGED)
        )
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
