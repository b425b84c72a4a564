"""Attachments in GridFS, each file under an id of the attempt that stored it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from gridfs.asynchronous import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.domain.message import AttachmentFile
from mijnoverheid.storage import Document

ATTACHMENTS_BUCKET = "attachments"


class AttachmentMissingError(LookupError):
    pass


class AttachmentFiles:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._bucket = AsyncGridFSBucket(database, bucket_name=ATTACHMENTS_BUCKET)

    async def upload(self, file: AttachmentFile, content: bytes) -> None:
        await self._bucket.upload_from_stream_with_id(
            file.file_id,
            file.file_name,
            content,
            metadata={"media_type": file.media_type, "sha256": file.sha256},
        )

    async def remove(self, files: tuple[AttachmentFile, ...]) -> None:
        """Idempotent: a file removed before is fine."""
        for file in files:
            with contextlib.suppress(NoFile):
                await self._bucket.delete(file.file_id)

    async def open(self, file_id: str) -> AsyncIterator[bytes]:
        """The file's bytes chunk by chunk; AttachmentMissingError when it is gone."""
        try:
            stream = await self._bucket.open_download_stream(file_id)
        except NoFile as error:
            raise AttachmentMissingError(file_id) from error

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await stream.readchunk():
                    yield chunk
            finally:
                await stream.close()

        return chunks()
