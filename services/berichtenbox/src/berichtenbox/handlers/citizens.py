"""The portal's accounts and consent as the Berichtenbox keeps them, and the organisations'
question whether they may send a citizen their post digitally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from berichtenbox.adapters import outbound
from berichtenbox.domain.eligibility import (
    ActivateAccount,
    AskDigitalDelivery,
    ChangeConsent,
    why_not_digital,
)
from berichtenbox.ports import CitizenDirectory
from mijnoverheid.contracts import events
from mijnoverheid.kernel import RejectionReason
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.processing_log import activities
from mijnoverheid.processing_log.recorder import ProcessingLog, record_query


@dataclass(frozen=True)
class CitizenProjection:
    citizens: CitizenDirectory

    async def activated(self, command: ActivateAccount) -> None:
        await self.citizens.record_activation(command.bsn, command.activated_at)

    async def consent_changed(self, command: ChangeConsent) -> None:
        await self.citizens.record_consent(command.bsn, command.change)


@dataclass(frozen=True)
class DigitalDeliveryQueryHandler:
    citizens: CitizenDirectory
    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]
    processing_log: ProcessingLog

    async def __call__(self, question: AskDigitalDelivery) -> None:
        answers: dict[str, RejectionReason | None] = {}
        for bsn in dict.fromkeys(question.bsns):
            activated_at = await self.citizens.activated_at(bsn)
            changes = await self.citizens.consent_changes(bsn, question.asker_oin)
            answers[bsn] = why_not_digital(activated_at, changes, question.asker_oin)
        action, source = activities.DIGITAL_DELIVERY_QUERIED, question.request_source
        await record_query(self.processing_log, action, question.asker_oin, source, answers)
        reply = outbound.digital_delivery(question, answers, self.source, self.clock())
        await self.publisher.publish(reply, events.DIGITAL_DELIVERY.key(question.asker_oin))
