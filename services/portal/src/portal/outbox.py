"""The outbox relay: applies every pending record (in case a crash came between the outbox
write and the state write), publishes it through the Publisher port, then marks it published.
A failed publish leaves the record pending for the next round; nothing is lost.

TODO(lead, issue 9/10): the real Publisher. Account activation and consent changes are to be
announced to the Berichtenbox as CloudEvents on the new shared route shape (each route carries
its CloudEvent type), e.g. `nl.mijnoverheid.portal.account-activated` and
`nl.mijnoverheid.portal.consent-changed`, with ids = the outbox record ids (deterministic for
activation). Until then `NotWiredPublisher` publishes nothing and keeps every record pending,
so the whole backlog goes out once the route exists.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Protocol

from pymongo.asynchronous.collection import AsyncCollection

from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.storage import Document
from portal.accounts import Accounts

log = logging.getLogger("portal.outbox")


class Publisher(Protocol):
    async def publish(self, record_id: str, kind: str, data: dict[str, object]) -> bool:
        """True once the broker confirmed it; False to keep the record pending."""


class NotWiredPublisher:
    async def publish(self, record_id: str, kind: str, data: dict[str, object]) -> bool:
        return False


class OutboxRelay:
    def __init__(
        self, outbox: AsyncCollection[Document], accounts: Accounts, publisher: Publisher
    ) -> None:
        self._outbox = outbox
        self._accounts = accounts
        self._publisher = publisher

    @property
    def wired(self) -> bool:
        return not isinstance(self._publisher, NotWiredPublisher)

    async def run_once(self, now: datetime | None = None) -> int:
        published = 0
        async for record in self._outbox.find({"published_at": None}).limit(500):
            await self._accounts.apply(record)
            if await self._publisher.publish(record["_id"], record["type"], record["data"]):
                await self._outbox.update_one(
                    {"_id": record["_id"]}, {"$set": {"published_at": now or utc_now()}}
                )
                published += 1
        return published

    async def run_forever(self, interval: float = 5.0) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox round failed; the records stay pending")
            await asyncio.sleep(interval)
