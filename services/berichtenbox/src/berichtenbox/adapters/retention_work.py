"""The retention scan's keys: every message carries two unit keys (mijnoverheid.timed_work),
`expiry_unit` (the hour its content expires) and `warning_unit` (the hour from which its
expiry warning is due), so each task's units are equality lookups the store serves, and the
scan's days, hours, claims and done marks live in the `retention_*` collections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.domain.expiry import warning_due_at
from berichtenbox.domain.message import Message
from berichtenbox.ports import RetentionTask
from mijnoverheid.storage import Document
from mijnoverheid.timed_work import HourIndex, TimedWork, unit_key

NAME = "retention"
UNIT_FIELD = {RetentionTask.EXPIRE: "expiry_unit", RetentionTask.WARN: "warning_unit"}


def unit_fields(message: Message, warn_before: timedelta) -> dict[str, str]:
    """The unit keys stored with a message."""
    warn_from = warning_due_at(message, warn_before)
    return {
        UNIT_FIELD[RetentionTask.EXPIRE]: unit_key(message.expires_at, message.message_id),
        UNIT_FIELD[RetentionTask.WARN]: unit_key(warn_from, message.message_id),
    }


class RetentionHours:
    """Records the days and hours of the messages' units, before the messages are stored."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._index = HourIndex(database, NAME)

    async def record(self, documents: Sequence[Document]) -> None:
        await self._index.record(
            (task.value, document[field])
            for document in documents
            for task, field in UNIT_FIELD.items()
        )


def retention_work(database: AsyncDatabase[Document]) -> TimedWork:
    """Honours ports.RetentionWork."""
    return TimedWork(database, NAME)
