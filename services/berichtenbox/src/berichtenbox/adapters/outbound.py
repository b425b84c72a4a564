"""Domain outcomes as contract events, with deterministic ids.

One event per message and kind: a retried publish re-emits the same id, which receivers
deduplicate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from berichtenbox.domain.eligibility import AskDigitalDelivery
from berichtenbox.domain.expiry import warning_due_at
from berichtenbox.domain.message import Message
from berichtenbox.domain.receipt import ReceiptSigner, sign_receipt
from berichtenbox.domain.reminder import deadline_ahead
from berichtenbox.domain.status import AskStatus, MessageState
from berichtenbox.domain.trail import TrailEntry
from mijnoverheid.contracts import berichtenbox as contract
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.routing import EventRoute
from mijnoverheid.kernel import RejectionReason, citizens_day


def _about(
    message: Message, route: EventRoute, data: BaseModel, source: str, time: datetime
) -> CloudEvent:
    """The event of this kind about the message: one per message, a redelivery re-emits it."""
    return route.caused_by((message.event_source, message.event_id), data, source=source, time=time)


def message_delivered(message: Message, source: str, signer: ReceiptSigner) -> CloudEvent:
    receipt = sign_receipt(message, signer)
    data = contract.MessageDelivered(
        message_id=message.message_id,
        sent_event_id=message.event_id,
        sender_oin=message.sender_oin,
        reference=message.reference,
        recipient_bsn=message.recipient_bsn,
        legal_effect=message.legal_effect,
        kind=message.kind,
        deadline=message.deadline,
        delivered_at=message.delivered_at,
        expires_at=message.expires_at,
        content_digest=message.content_digest,
        receipt=contract.SignedReceipt(
            key_id=receipt.key_id, payload=receipt.payload, signature=receipt.signature
        ),
    )
    return _about(message, events.MESSAGE_DELIVERED, data, source, message.delivered_at)


def message_read(message: Message, read_at: datetime, source: str) -> CloudEvent:
    data = contract.MessageRead(
        message_id=message.message_id,
        sent_event_id=message.event_id,
        reference=message.reference,
        read_at=read_at,
    )
    return _about(message, events.MESSAGE_READ, data, source, read_at)


def _notice(message: Message) -> dict[str, Any]:
    """The fields of a contract.MessageNotice."""
    notice = contract.MessageNotice(
        message_id=message.message_id,
        sender_oin=message.sender_oin,
        reference=message.reference,
        recipient_bsn=message.recipient_bsn,
        legal_effect=message.legal_effect,
        kind=message.kind,
    )
    return dict(notice)


def message_expiring(message: Message, source: str, now: datetime) -> CloudEvent:
    data = contract.MessageExpiring(**_notice(message), expires_at=message.expires_at)
    return _about(message, events.MESSAGE_EXPIRING, data, source, now)


def message_left_unread(
    message: Message, source: str, now: datetime, warn_before: timedelta
) -> CloudEvent:
    data = contract.MessageLeftUnread(
        **_notice(message),
        # A deadline already past is not repeated: the mail would ask to act by a day gone.
        deadline=message.deadline if deadline_ahead(message, now) else None,
        delivered_at=message.delivered_at,
        warning_on=citizens_day(warning_due_at(message, warn_before)),
    )
    return _about(message, events.MESSAGE_LEFT_UNREAD, data, source, now)


def message_status(
    question: AskStatus, found: list[MessageState], not_found: list[str], source: str, now: datetime
) -> CloudEvent:
    data = contract.MessageStatus(
        request_id=question.request_event_id,
        messages=[_status_item(state) for state in found],
        not_found=not_found,
    )
    request = (question.request_source, question.request_event_id)
    return events.MESSAGE_STATUS.caused_by(request, data, source=source, time=now)


def _status_item(state: MessageState) -> contract.MessageStatusItem:
    message = state.message
    return contract.MessageStatusItem(
        message_id=message.message_id,
        reference=message.reference,
        delivered_at=message.delivered_at,
        notification_status=state.notification_status,
        notified_at=state.notified_at,
        read_at=message.read_at,
        expires_at=message.expires_at,
        expired_at=message.expired_at,
        deleted_at=message.deleted_at,
        trail_head=state.trail_head,
        trail=[_trail_entry(entry) for entry in state.trail] if state.trail is not None else None,
    )


def _trail_entry(entry: TrailEntry) -> contract.TrailEntryView:
    return contract.TrailEntryView(
        seq=entry.seq,
        kind=entry.kind.value,
        at=entry.at,
        details=entry.details,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


def digital_delivery(
    question: AskDigitalDelivery,
    answers: dict[str, RejectionReason | None],
    source: str,
    now: datetime,
) -> CloudEvent:
    data = contract.DigitalDelivery(
        request_id=question.request_event_id,
        citizens=[
            contract.DigitalDeliveryAnswer(
                bsn=bsn, digital=reason is None, reason=reason.value if reason else None
            )
            for bsn, reason in answers.items()
        ],
    )
    request = (question.request_source, question.request_event_id)
    return events.DIGITAL_DELIVERY.caused_by(request, data, source=source, time=now)
