"""message-status-requested: an organisation asks what happened to its own messages."""

from __future__ import annotations

import asyncio
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
        asked = list(dict.fromkeys(question.message_ids))
        # Each message read on its own (by `_id`), all at the same time.
        answers = await asyncio.gather(*(self._state(question, each) for each in asked))
        found = [state for state, _ in filter(None, answers)]
        not_found = [each for each, answer in zip(asked, answers, strict=True) if answer is None]
        # Whose data the answer tells (the processing log).
        read = [bsn for _, bsn in filter(None, answers)]
        action, source = activities.MESSAGE_STATUS_QUERIED, question.request_source
        await record_query(self.processing_log, action, question.asker_oin, source, read)
        reply = outbound.message_status(question, found, not_found, self.source, self.clock())
        await self.publisher.publish(reply, events.MESSAGE_STATUS.key(question.asker_oin))

    async def _state(self, question: AskStatus, message_id: str) -> tuple[MessageState, str] | None:
        message = await self.store.by_id(message_id)
        # Another organisation's message is reported exactly like an unknown one.
        if message is None or message.sender_oin != question.asker_oin:
            return None
        entries = await self.trail.entries(message_id)
        return state_of(message, entries, question.include_trail), message.recipient_bsn
