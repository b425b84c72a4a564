"""The Notifier's own collections: notifications and citizens' contact details."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.contracts.notifier import NotificationState, SmtpReply
from mijnoverheid.storage import Document
from notifier.domain.notification import Notification, StatusChange

NOTIFICATIONS = "notifications"
CONTACT_DETAILS = "contact_details"


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    await database[NOTIFICATIONS].create_index(
        [("trigger_source", ASCENDING), ("trigger_event_id", ASCENDING)],
        unique=True,
        name="trigger_once",
    )
    await database[NOTIFICATIONS].create_index(
        [("organisation_oin", ASCENDING), ("message_id", ASCENDING)], name="by_organisation"
    )


class NotificationRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._collection = database[NOTIFICATIONS]

    async def get(self, notification_id: str) -> Notification | None:
        document = await self._collection.find_one({"_id": notification_id})
        return _to_notification(document) if document else None

    async def add(self, notification: Notification) -> Notification:
        try:
            await self._collection.insert_one(_to_document(notification))
        except DuplicateKeyError:
            existing = await self.get(notification.notification_id)
            assert existing is not None
            return existing
        return notification

    async def save(self, notification: Notification, expected_version: int) -> bool:
        document = _to_document(notification)
        result = await self._collection.update_one(
            {"_id": notification.notification_id, "version": expected_version},
            {
                "$set": {
                    "history": document["history"],
                    "status": document["status"],
                    "version": document["version"],
                }
            },
        )
        return result.matched_count == 1


class ContactRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._collection = database[CONTACT_DETAILS]

    async def verified_email(self, bsn: str) -> str | None:
        document = await self._collection.find_one({"_id": bsn})
        if document and document.get("email_verified"):
            return str(document["email"])
        return None

    async def set_verified_email(self, bsn: str, email: str, now: datetime) -> None:
        await self._collection.update_one(
            {"_id": bsn},
            {"$set": {"email": email, "email_verified": True, "updated_at": now}},
            upsert=True,
        )

    async def email_of(self, bsn: str) -> tuple[str, bool] | None:
        document = await self._collection.find_one({"_id": bsn})
        if not document:
            return None
        return str(document["email"]), bool(document.get("email_verified"))


def _to_document(notification: Notification) -> Document:
    document: dict[str, Any] = asdict(notification)
    document["_id"] = document.pop("notification_id")
    document["deadline"] = notification.deadline.isoformat() if notification.deadline else None
    document["status"] = notification.status.value
    document["version"] = notification.version
    for change in document["history"]:
        change["status"] = change["status"].value
        if change["smtp_reply"] is not None:
            change["smtp_reply"] = dict(change["smtp_reply"])
    return document


def _to_notification(document: Document) -> Notification:
    fields = dict(document)
    fields["notification_id"] = fields.pop("_id")
    fields.pop("status")
    fields.pop("version")
    fields["deadline"] = date.fromisoformat(fields["deadline"]) if fields["deadline"] else None
    fields["history"] = tuple(
        StatusChange(
            status=NotificationState(change["status"]),
            at=change["at"],
            smtp_reply=SmtpReply(**change["smtp_reply"]) if change["smtp_reply"] else None,
        )
        for change in fields["history"]
    )
    return Notification(**fields)
