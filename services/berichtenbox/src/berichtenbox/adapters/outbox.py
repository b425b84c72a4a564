"""The read-report outbox: one small document per report still owed, keyed by message."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from mijnoverheid.storage import Document

READ_REPORT_OUTBOX = "read_report_outbox"


class MongoReadReportOutbox:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._owed = database[READ_REPORT_OUTBOX]

    async def owe(self, message_id: str, read_at: datetime) -> None:
        await self._owed.update_one(
            {"_id": message_id}, {"$setOnInsert": {"read_at": read_at}}, upsert=True
        )

    async def settle(self, message_id: str) -> None:
        await self._owed.delete_one({"_id": message_id})

    async def owed(self) -> list[tuple[str, datetime]]:
        # Small by design (only reports the broker has not confirmed yet): a scan is fine.
        return [(document["_id"], document["read_at"]) async for document in self._owed.find({})]
