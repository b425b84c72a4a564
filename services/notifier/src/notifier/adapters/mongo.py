"""The Notifier's own collections: notifications and citizens' contact details."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.contracts.notifier import NotificationState, SmtpReply
from mijnoverheid.storage import Document
from notifier.domain.notification import Notification, StatusChange

NOTIFICATIONS = "notifications"
# Append-only: one document per status change, keyed by (notification, version). The unique
# key makes each change a compare-and-set that MongoDB and FerretDB v1 both enforce (FerretDB
# v1 does not apply a conditional update_one atomically; an insert with a unique key it does).
STATUS_CHANGES = "notification_status_changes"
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
    await database[STATUS_CHANGES].create_index(
        [("notification_id", ASCENDING), ("version", ASCENDING)], name="history"
    )


class NotificationRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._notifications = database[NOTIFICATIONS]
        self._changes = database[STATUS_CHANGES]

    async def get(self, notification_id: str) -> Notification | None:
        document = await self._notifications.find_one({"_id": notification_id})
        if document is None:
            return None
        changes = self._changes.find({"notification_id": notification_id}).sort("version")
        later = [_to_change(change) async for change in changes]
        notification = _to_notification(document)
        return replace(notification, history=(*notification.history, *later))

    async def add(self, notification: Notification) -> Notification:
        """Store with its first status change; return the stored one when it already was."""
        try:
            await self._notifications.insert_one(_to_document(notification))
        except DuplicateKeyError:
            existing = await self.get(notification.notification_id)
            assert existing is not None
            return existing
        return notification

    async def save(self, notification: Notification, expected_version: int) -> bool:
        """Append the changes after `expected_version`; False if another writer was first."""
        for version in range(expected_version + 1, notification.version + 1):
            change = _change_document(notification.history[version - 1])
            change.update(
                _id=f"{notification.notification_id}#{version}",
                notification_id=notification.notification_id,
                version=version,
            )
            try:
                await self._changes.insert_one(change)
            except DuplicateKeyError:
                return False
        return True


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
    document["history"] = [_change_document(change) for change in notification.history]
    return document


def _change_document(change: StatusChange) -> Document:
    return {
        "status": change.status.value,
        "at": change.at,
        "smtp_reply": change.smtp_reply.model_dump() if change.smtp_reply else None,
    }


def _to_change(document: Document) -> StatusChange:
    reply = document.get("smtp_reply")
    return StatusChange(
        status=NotificationState(document["status"]),
        at=document["at"],
        smtp_reply=SmtpReply(**reply) if reply else None,
    )


def _to_notification(document: Document) -> Notification:
    fields = dict(document)
    fields["notification_id"] = fields.pop("_id")
    fields["deadline"] = date.fromisoformat(fields["deadline"]) if fields["deadline"] else None
    fields["history"] = tuple(_to_change(change) for change in fields["history"])
    return Notification(**fields)
