"""Provable delivery: a digest over what was delivered, and a signed receipt. Pure."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from berichtenbox.domain.canonical import canonical_json, rfc3339

if TYPE_CHECKING:
    from berichtenbox.domain.message import Message

ALGORITHM = "Ed25519"


class ReceiptSigner(Protocol):
    @property
    def key_id(self) -> str: ...

    def sign(self, payload: bytes) -> bytes: ...


@dataclass(frozen=True)
class Receipt:
    algorithm: str
    key_id: str
    payload: str
    signature: str


def content_digest(message: Message) -> str:
    """SHA-256 over the canonical JSON of the message content and its attachments' digests."""
    content = {
        "attachments": [
            {
                "file_name": file.file_name,
                "media_type": file.media_type,
                "sha256": file.sha256,
                "size": file.size,
            }
            for file in message.attachments
        ],
        "body": message.body,
        "deadline": message.deadline.isoformat() if message.deadline else None,
        "kind": message.kind,
        "legal_effect": message.legal_effect,
        "recipient_bsn": message.recipient_bsn,
        "reference": message.reference,
        "sender_oin": message.sender_oin,
        "subject": message.subject,
    }
    return "sha256:" + hashlib.sha256(canonical_json(content)).hexdigest()


def sign_receipt(message: Message, signer: ReceiptSigner) -> Receipt:
    """The signed payload is carried verbatim, so a verifier need not re-canonicalise."""
    payload = canonical_json(
        {
            "content_digest": message.content_digest,
            "delivered_at": rfc3339(message.delivered_at),
            "key_id": signer.key_id,
            "message_id": message.message_id,
            "recipient_bsn": message.recipient_bsn,
            "sender_oin": message.sender_oin,
            "sent_event_id": message.event_id,
        }
    )
    signature = base64.b64encode(signer.sign(payload)).decode("ascii")
    return Receipt(ALGORITHM, signer.key_id, payload.decode("utf-8"), signature)
