"""Notifications in MongoDB/FerretDB: one document per notification, its later status changes
append-only beside it.

Each change after the first insert is a document keyed (notification, version): the unique
key makes it a compare-and-set that MongoDB and FerretDB v1 both enforce (FerretDB v1 does not
apply a conditional update_one atomically; an insert with a unique key it does).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.storage import Document, coalesced_insert
from mijnoverheid.timed_work import HourIndex, TimedWork, WorkUnit
from notifier.adapters import documents
from notifier.domain.notification import Notification

NOTIFICATIONS = "notifications"
STATUS_CHANGES = "notification_status_changes"
OVERDUE_REPORTS = "notification_overdue_reports"
OVERDUE_WORK = "overdue"  # the task, and the name of its timed-work collections
OVERDUE_PAGE = 200


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
    # The overdue check's units: equality lookups (mijnoverheid.timed_work).
    await notifications.create_index([(documents.OVERDUE_UNIT, ASCENDING)], name="overdue_unit")
    await database[STATUS_CHANGES].create_index(
        [("notification_id", ASCENDING), ("version", ASCENDING)], name="history"
    )


class NotificationRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._notifications = database[NOTIFICATIONS]
        self._changes = database[STATUS_CHANGES]
        self._overdue = database[OVERDUE_REPORTS]
        self._insert_notification = coalesced_insert(self._notifications)
        self._hours = HourIndex(database, OVERDUE_WORK)
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
        document = documents.to_document(notification)
        # The overdue check finds the notification's unit through this: recorded first.
        await self._hours.record([(OVERDUE_WORK, document[documents.OVERDUE_UNIT])])
        try:
            await self._insert_notification(document)
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

    async def due_for_overdue_check(
        self, unit: WorkUnit, now: datetime
    ) -> AsyncIterator[list[str]]:
        # Those checked have no `overdue_at` any more; the range is applied to the unit only.
        query = {documents.OVERDUE_UNIT: unit.key, "overdue_at": {"$lte": now}}
        cursor = self._notifications.find(query, {"_id": 1}, batch_size=OVERDUE_PAGE)
        page: list[str] = []
        async for document in cursor:
            page.append(str(document["_id"]))
            if len(page) == OVERDUE_PAGE:
                yield page
                page = []
        if page:
            yield page

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


def overdue_work(database: AsyncDatabase[Document]) -> TimedWork:
    """Honours ports.OverdueWork."""
    return TimedWork(database, OVERDUE_WORK)
