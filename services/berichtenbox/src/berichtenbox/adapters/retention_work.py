"""The retention scan's keys: every message carries unit keys (mijnoverheid.timed_work),
`expiry_unit` (the hour its content expires), `warning_unit` (the hour from which its expiry
warning is due) and, when a reminder can come at all, `reminder_unit` (the hour from which its
unread reminder is due), so each task's units are equality lookups the store serves, and the
scan's days, hours, claims and done marks live in the `retention_*` collections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pymongo.asynchronous.database import AsyncDatabase

from berichtenbox.domain.expiry import warning_due_at
from berichtenbox.domain.message import Message
from berichtenbox.domain.reminder import ReminderPolicy, reminder_due_at, reminder_possible
from berichtenbox.ports import RetentionTask
from mijnoverheid.storage import Document
from mijnoverheid.timed_work import HourIndex, TimedWork, unit_key

NAME = "retention"
UNIT_FIELD = {
    RetentionTask.EXPIRE: "expiry_unit",
    RetentionTask.WARN: "warning_unit",
    RetentionTask.REMIND: "reminder_unit",
}


def unit_fields(
    message: Message, warn_before: timedelta, reminders: ReminderPolicy
) -> dict[str, str]:
    """The unit keys stored with a message. No reminder unit for a message whose reminder
    would fall on or after its warning's day: no scan need ever read it."""
    warn_from = warning_due_at(message, warn_before)
    fields = {
        UNIT_FIELD[RetentionTask.EXPIRE]: unit_key(message.expires_at, message.message_id),
        UNIT_FIELD[RetentionTask.WARN]: unit_key(warn_from, message.message_id),
    }
    if reminder_possible(message, reminders, warn_before):
        remind_from = reminder_due_at(message, reminders)
        fields[UNIT_FIELD[RetentionTask.REMIND]] = unit_key(remind_from, message.message_id)
    return fields


class RetentionHours:
    """Records the days and hours of the messages' units, before the messages are stored."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._index = HourIndex(database, NAME)

    async def record(self, documents: Sequence[Document]) -> None:
        await self._index.record(
            (task.value, document[field])
            for document in documents
            for task, field in UNIT_FIELD.items()
            if field in document
        )


def retention_work(database: AsyncDatabase[Document]) -> TimedWork:
    """Honours ports.RetentionWork."""
    return TimedWork(database, NAME)
