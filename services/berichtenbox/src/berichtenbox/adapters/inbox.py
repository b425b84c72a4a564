"""The citizen's view of the messages collection, and what the retention scan needs of it.

Only plain updates that set values: two replicas, or a retried request, doing one twice end
with the same document. Whether something happens once is decided by the trail's unique
(message, cause) key, never by a conditional update (FerretDB v1 does not apply those
atomically).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from gridfs.asynchronous import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.adapters.mongo import ATTACHMENTS_BUCKET, MESSAGES, _to_message
from berichtenbox.domain.inbox import (
    FolderCount,
    ListingCriteria,
    MessageSummary,
    folder_overview,
    summary_of,
)
from berichtenbox.domain.model import Message
from mijnoverheid.storage import Document

NEWEST_FIRST = [("delivered_at", DESCENDING), ("_id", ASCENDING)]
_CLEARED_CONTENT: dict[str, Any] = {"subject": "", "body": "", "attachments": []}


class AttachmentMissingError(LookupError):
    pass


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    # The retention scan: not yet expired (null) and expiring before a moment; one range.
    await database[MESSAGES].create_index(
        [("expired_at", ASCENDING), ("expires_at", ASCENDING)], name="retention_due"
    )


def visible_to(bsn: str, now: datetime) -> Document:
    """What a citizen's listings show: their own messages that still have content."""
    return {
        "recipient_bsn": bsn,
        "deleted_at": None,
        "expired_at": None,
        "expires_at": {"$gt": now},
    }


def listing_filter(bsn: str, criteria: ListingCriteria, now: datetime) -> Document:
    query = visible_to(bsn, now)
    if criteria.unread is not None:
        query["read_at"] = None if criteria.unread else {"$ne": None}
    if criteria.sender_oin is not None:
        query["sender_oin"] = criteria.sender_oin
    if criteria.folder is not None:
        query["folder"] = criteria.folder
    if criteria.search is not None:
        # A substring, not a pattern: the citizen's input is escaped.
        query["subject"] = {"$regex": re.escape(criteria.search), "$options": "i"}
    return query


class InboxRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._messages = database[MESSAGES]
        self._attachments = AsyncGridFSBucket(database, bucket_name=ATTACHMENTS_BUCKET)

    # --- the citizen's side ----------------------------------------------------------------

    async def owned(self, bsn: str, message_id: str) -> Message | None:
        document = await self._messages.find_one({"_id": message_id, "recipient_bsn": bsn})
        return _to_message(document) if document else None

    async def listing(
        self, bsn: str, criteria: ListingCriteria, now: datetime, *, skip: int, limit: int
    ) -> tuple[list[MessageSummary], int]:
        query = listing_filter(bsn, criteria, now)
        cursor = self._messages.find(query, {"body": 0}).sort(NEWEST_FIRST).skip(skip).limit(limit)
        # A summary has no body, so none is loaded.
        items = [summary_of(_to_message({**document, "body": ""})) async for document in cursor]
        return items, await self._messages.count_documents(query)

    async def folders(self, bsn: str, now: datetime) -> list[FolderCount]:
        visible = visible_to(bsn, now)
        totals = await self._count_by_folder(visible)
        unread = await self._count_by_folder({**visible, "read_at": None})
        return folder_overview(totals, unread)

    async def _count_by_folder(self, query: Document) -> dict[str, int]:
        pipeline = [{"$match": query}, {"$group": {"_id": "$folder", "count": {"$sum": 1}}}]
        cursor = await self._messages.aggregate(pipeline)
        return {group["_id"]: group["count"] async for group in cursor}

    async def set_read_at(self, message_id: str, at: datetime) -> None:
        await self._messages.update_one({"_id": message_id}, {"$set": {"read_at": at}})

    async def set_folder(self, message_id: str, folder: str) -> None:
        await self._messages.update_one({"_id": message_id}, {"$set": {"folder": folder}})

    async def open_attachment(self, file_id: str) -> AsyncIterator[bytes]:
        """The file's bytes chunk by chunk; AttachmentMissingError when it is gone."""
        try:
            stream = await self._attachments.open_download_stream(file_id)
        except NoFile as error:
            raise AttachmentMissingError(file_id) from error

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await stream.readchunk():
                    yield chunk
            finally:
                await stream.close()

        return chunks()

    # --- removing content (the citizen's delete, and expiry) -------------------------------

    async def delete_content(self, message: Message, at: datetime) -> None:
        await self._remove_content(message, "deleted_at", at)

    async def expire_content(self, message: Message, at: datetime) -> None:
        await self._remove_content(message, "expired_at", at)

    async def _remove_content(self, message: Message, mark: str, at: datetime) -> None:
        """Files first, then one write that clears the content and sets the mark: until that
        write the document still lists the files, so a retry finds what is left to remove.
        Metadata (sender, reference, dates, content digest) stays, and so does the trail."""
        for file in message.attachments:
            with contextlib.suppress(NoFile):
                await self._attachments.delete(file.file_id)
        await self._messages.update_one(
            {"_id": message.message_id}, {"$set": {**_CLEARED_CONTENT, mark: at}}
        )

    # --- the retention scan ----------------------------------------------------------------

    async def due_for_expiry(self, now: datetime, limit: int) -> list[Message]:
        cursor = (
            self._messages.find({"expired_at": None, "expires_at": {"$lte": now}})
            .sort("expires_at", ASCENDING)
            .limit(limit)
        )
        return [_to_message(document) async for document in cursor]

    async def unread_expiring(self, after: datetime, until: datetime) -> list[Message]:
        cursor = self._messages.find(
            {
                "expired_at": None,
                "expires_at": {"$gt": after, "$lte": until},
                "deleted_at": None,
                "read_at": None,
            }
        ).sort("expires_at", ASCENDING)
        return [_to_message(document) async for document in cursor]
