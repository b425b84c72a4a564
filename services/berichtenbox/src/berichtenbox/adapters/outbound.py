"""Domain outcomes as contract events, with deterministic ids."""

from __future__ import annotations

from datetime import datetime

from berichtenbox.domain.model import Message
from berichtenbox.domain.receipt import ReceiptSigner, sign_receipt
from mijnoverheid.contracts import berichtenbox as contract
from mijnoverheid.contracts import routing
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, event_type, new_event
from mijnoverheid.inbound import Refused, rejection_event

MESSAGE_DELIVERED_TYPE = event_type(contract.SERVICE, "message-delivered")
MESSAGE_STATUS_TYPE = event_type(contract.SERVICE, "message-status")


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
    return new_event(
        source=source,
        type_=MESSAGE_DELIVERED_TYPE,
        data=data,
        id_=derived_event_id(message.event_source, message.event_id, "message-delivered"),
        time=message.delivered_at,
    )


def message_rejected(refused: Refused, source: str, now: datetime) -> CloudEvent:
    return rejection_event(
        refused,
        route=routing.MESSAGE_REJECTED,
        data_model=contract.MessageRejected,
        source=source,
        now=now,
    )


def message_status(
    request: CloudEvent,
    found: list[contract.MessageStatusItem],
    not_found: list[str],
    source: str,
    now: datetime,
) -> CloudEvent:
    data = contract.MessageStatus(request_id=request.id, messages=found, not_found=not_found)
    return new_event(
        source=source,
        type_=MESSAGE_STATUS_TYPE,
        data=data,
        id_=derived_event_id(request.source, request.id, "message-status"),
        time=now,
    )
