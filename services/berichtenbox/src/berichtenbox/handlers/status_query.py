"""message-status-requested: an organisation asks what happened to its own messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from berichtenbox.adapters import outbound
from berichtenbox.domain.status import AskStatus, MessageState, state_of
from berichtenbox.ports import MessageStore, Trail
from mijnoverheid.contracts import events
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.processing_log import activities
from mijnoverheid.processing_log.recorder import ProcessingLog, record_query


@dataclass(frozen=True)
class MessageStatusQueryHandler:
    store: MessageStore
    trail: Trail
    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]
    processing_log: ProcessingLog

    async def __call__(self, question: AskStatus) -> None:
        found: list[MessageState] = []
        not_found: list[str] = []
        read: list[str] = []  # whose data the answer tells (the processing log)
        for message_id in dict.fromkeys(question.message_ids):
            message = await self.store.by_id(message_id)
            # Another organisation's message is reported exactly like an unknown one.
            if message is None or message.sender_oin != question.asker_oin:
                not_found.append(message_id)
                continue
            read.append(message.recipient_bsn)
            entries = await self.trail.entries(message_id)
            found.append(state_of(message, entries, question.include_trail))
        action, source = activities.MESSAGE_STATUS_QUERIED, question.request_source
        await record_query(self.processing_log, action, question.asker_oin, source, read)
        reply = outbound.message_status(question, found, not_found, self.source, self.clock())
        await self.publisher.publish(reply, events.MESSAGE_STATUS.key(question.asker_oin))
