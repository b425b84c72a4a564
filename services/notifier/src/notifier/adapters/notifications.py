"""Notifications in MongoDB/FerretDB: one document per notification, its later status changes
append-only beside it.

Each change after the first insert is a document keyed (notification, version): the unique
key makes it a compare-and-set that MongoDB and FerretDB v1 both enforce (FerretDB v1 does not
apply a conditional update_one atomically; an insert with a unique key it does).
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.storage import Document, coalesced_insert
from notifier.adapters import documents
from notifier.domain.notification import Notification

NOTIFICATIONS = "notifications"
STATUS_CHANGES = "notification_status_changes"
OVERDUE_REPORTS = "notification_overdue_reports"


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    notifications = database[NOTIFICATIONS]
    await notifications.create_index(
        [("trigger_source", ASCENDING), ("trigger_event_id", ASCENDING)],
        unique=True,
        name="trigger_once",
    )
    for field in ("message_id", "case_id", "registration_id", "reference"):
        await notifications.create_index(
            [("organisation_oin", ASCENDING), (field, ASCENDING)], name=f"by_{field}"
        )
    # Only notifications not yet checked for being overdue have the field (see OverdueScanner).
    await notifications.create_index([("overdue_at", ASCENDING)], name="overdue_watch")
    await database[STATUS_CHANGES].create_index(
        [("notification_id", ASCENDING), ("version", ASCENDING)], name="history"
    )


class NotificationRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._notifications = database[NOTIFICATIONS]
        self._changes = database[STATUS_CHANGES]
        self._overdue = database[OVERDUE_REPORTS]
        self._insert_notification = coalesced_insert(self._notifications)
        self._insert_change = coalesced_insert(self._changes)

    async def get(self, notification_id: str) -> Notification | None:
        document = await self._notifications.find_one({"_id": notification_id})
        return None if document is None else await self._complete(document)

    async def find(
        self, organisation_oin: str, criteria: dict[str, Any], limit: int
    ) -> list[Notification]:
        query = {"organisation_oin": organisation_oin, **criteria}
        documents = self._notifications.find(query).sort("created_at").limit(limit)
        return [await self._complete(document) async for document in documents]

    async def add(self, notification: Notification) -> tuple[Notification, bool]:
        try:
            await self._insert_notification(documents.to_document(notification))
        except DuplicateKeyError:
            existing = await self.get(notification.notification_id)
            assert existing is not None
            return existing, False
        return notification, True

    async def save(self, notification: Notification, expected_version: int) -> bool:
        """Append the changes after `expected_version`; False if another writer was first."""
        for version in range(expected_version + 1, notification.version + 1):
            change = documents.change_document(notification.history[version - 1])
            change.update(
                _id=f"{notification.notification_id}#{version}",
                notification_id=notification.notification_id,
                version=version,
            )
            try:
                await self._insert_change(change)
            except DuplicateKeyError:
                return False
        return True

    async def due_for_overdue_check(self, now: datetime, limit: int) -> list[str]:
        documents = self._notifications.find({"overdue_at": {"$lte": now}}, {"_id": 1}).limit(limit)
        return [str(document["_id"]) async for document in documents]

    async def overdue_checked(self, notification_id: str) -> None:
        # Idempotent, so a plain update is safe even when two scanners race.
        await self._notifications.update_one(
            {"_id": notification_id}, {"$unset": {"overdue_at": ""}}
        )

    async def record_overdue(self, notification_id: str, now: datetime) -> None:
        # A duplicate: reported before a crash kept the check from being recorded; same event.
        with contextlib.suppress(DuplicateKeyError):
            await self._overdue.insert_one({"_id": notification_id, "reported_at": now})

    async def overdue_reported_at(self, notification_id: str) -> datetime | None:
        document = await self._overdue.find_one({"_id": notification_id})
        return None if document is None else document["reported_at"]

    async def _complete(self, document: Document) -> Notification:
        changes = self._changes.find({"notification_id": document["_id"]}).sort("version")
        later = [documents.to_change(change) async for change in changes]
        notification = documents.to_notification(document)
        return replace(notification, history=(*notification.history, *later))
