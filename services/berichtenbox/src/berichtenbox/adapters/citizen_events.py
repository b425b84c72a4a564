"""What the citizen's actions and the retention scan tell the sender, with deterministic ids.

One event per message and kind: a retried publish re-emits the same id, which receivers
deduplicate.
"""

from __future__ import annotations

from datetime import datetime

from berichtenbox.domain.model import Message
from mijnoverheid.contracts import berichtenbox as contract
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, event_type, new_event

MESSAGE_READ_TYPE = event_type(contract.SERVICE, "message-read")
MESSAGE_EXPIRING_TYPE = event_type(contract.SERVICE, "message-expiring")


def message_read_id(message: Message) -> str:
    return derived_event_id(message.event_source, message.event_id, "message-read")


def message_expiring_id(message: Message) -> str:
    return derived_event_id(message.event_source, message.event_id, "message-expiring")


def message_read(message: Message, read_at: datetime, source: str) -> CloudEvent:
    data = contract.MessageRead(
        message_id=message.message_id,
        sent_event_id=message.event_id,
        reference=message.reference,
        read_at=read_at,
    )
    return new_event(
        source=source,
        type_=MESSAGE_READ_TYPE,
        data=data,
        id_=message_read_id(message),
        time=read_at,
    )


def message_expiring(message: Message, source: str, now: datetime) -> CloudEvent:
    data = contract.MessageExpiring(
        message_id=message.message_id,
        sender_oin=message.sender_oin,
        reference=message.reference,
        recipient_bsn=message.recipient_bsn,
        legal_effect=message.legal_effect,
        kind=message.kind,
        expires_at=message.expires_at,
    )
    return new_event(
        source=source,
        type_=MESSAGE_EXPIRING_TYPE,
        data=data,
        id_=message_expiring_id(message),
        time=now,
    )
