"""The Berichtenbox's own collections: messages, and attachments in GridFS."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import asdict, replace
from datetime import date
from typing import Any

from gridfs.asynchronous import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from berichtenbox.domain.model import AttachmentFile, Message, NewMessage
from mijnoverheid.storage import Document

MESSAGES = "messages"
DUPLICATE_KEY = 11000
ATTACHMENTS_BUCKET = "attachments"


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    messages = database[MESSAGES]
    await messages.create_index(
        [("event_source", ASCENDING), ("event_id", ASCENDING)], unique=True, name="event_once"
    )
    await messages.create_index(
        [("recipient_bsn", ASCENDING), ("delivered_at", DESCENDING)], name="inbox_newest_first"
    )


class MessageRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._messages = database[MESSAGES]
        self._attachments = AsyncGridFSBucket(database, bucket_name=ATTACHMENTS_BUCKET)

    async def by_id(self, message_id: str) -> Message | None:
        document = await self._messages.find_one({"_id": message_id})
        return _to_message(document) if document else None

    async def add(self, new: NewMessage) -> Message:
        """Store once. Attachments first, under ids of this attempt only; the message document
        last, naming them: only a complete message becomes visible, and no attempt can remove
        or overwrite what another attempt's message refers to. A lost race (a redelivery
        stored it first) leaves this attempt's files unreferenced, and they are removed."""
        attempt = uuid.uuid4().hex[:12]
        files = tuple(
            replace(file, file_id=f"{file.file_id}.{attempt}") for file in new.message.attachments
        )
        message = replace(new.message, attachments=files)
        for file, content in zip(files, new.attachment_contents, strict=True):
            await self._attachments.upload_from_stream_with_id(
                file.file_id,
                file.file_name,
                content,
                metadata={"media_type": file.media_type, "sha256": file.sha256},
            )
        try:
            await self._messages.insert_one(_to_document(message))
        except DuplicateKeyError:
            for file in files:
                with contextlib.suppress(NoFile):
                    await self._attachments.delete(file.file_id)
            existing = await self.by_id(message.message_id)
            assert existing is not None
            return existing
        return message

    async def add_many(self, news: list[NewMessage]) -> list[Message]:
        """Store messages without attachments in one write; return what is stored for each,
        the earlier copy where a message was stored before (a redelivery)."""
        if not news:
            return []
        messages = [new.message for new in news]
        try:
            await self._messages.insert_many(
                [_to_document(message) for message in messages], ordered=False
            )
        except BulkWriteError as error:
            failures = error.details.get("writeErrors", [])
            if any(failure.get("code") != DUPLICATE_KEY for failure in failures):
                raise
            for failure in failures:
                existing = await self.by_id(messages[failure["index"]].message_id)
                assert existing is not None
                messages[failure["index"]] = existing
        return messages


def _to_document(message: Message) -> Document:
    document: dict[str, Any] = asdict(message)
    document["_id"] = document.pop("message_id")
    # BSON has no date type; keep the calendar date as ISO text.
    document["deadline"] = message.deadline.isoformat() if message.deadline else None
    return document


def _to_message(document: Document) -> Message:
    fields = dict(document)
    fields["message_id"] = fields.pop("_id")
    fields["deadline"] = date.fromisoformat(fields["deadline"]) if fields["deadline"] else None
    fields["attachments"] = tuple(AttachmentFile(**file) for file in fields["attachments"])
    return Message(**fields)
