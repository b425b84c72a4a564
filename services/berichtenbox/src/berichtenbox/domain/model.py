"""A message in a citizen's Berichtenbox: pure rules, no I/O."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from mijnoverheid.contracts.berichtenbox import MessageSent
from mijnoverheid.contracts.envelope import derived_event_id

INBOX = "inbox"


@dataclass(frozen=True)
class AttachmentFile:
    file_id: str
    file_name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Message:
    message_id: str
    event_source: str
    event_id: str
    sender_oin: str
    sender_name: str
    recipient_bsn: str
    subject: str
    body: str
    reference: str
    legal_effect: bool
    kind: str | None
    deadline: date | None
    sent_at: datetime
    delivered_at: datetime
    attachments: tuple[AttachmentFile, ...] = ()
    folder: str = INBOX


@dataclass(frozen=True)
class NewMessage:
    """A message about to be stored, with the attachment bytes that go to file storage."""

    message: Message
    attachment_contents: tuple[bytes, ...] = field(default=())


def message_id_for(event_source: str, event_id: str) -> str:
    # Deterministic, so that a redelivered message-sent maps onto the stored message.
    return derived_event_id(event_source, event_id, "message")


def receive(
    *,
    event_source: str,
    event_id: str,
    sent_at: datetime,
    sender_oin: str,
    sender_name: str,
    data: MessageSent,
    now: datetime,
) -> NewMessage:
    message_id = message_id_for(event_source, event_id)
    contents = tuple(attachment.decoded() for attachment in data.attachments)
    files = tuple(
        AttachmentFile(
            file_id=f"{message_id}.{index}",
            file_name=attachment.file_name,
            media_type=attachment.media_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        for index, (attachment, content) in enumerate(zip(data.attachments, contents, strict=True))
    )
    message = Message(
        message_id=message_id,
        event_source=event_source,
        event_id=event_id,
        sender_oin=sender_oin,
        sender_name=sender_name,
        recipient_bsn=data.recipient_bsn,
        subject=data.subject,
        body=data.body,
        reference=data.reference,
        legal_effect=data.legal_effect,
        kind=data.kind,
        deadline=data.deadline,
        sent_at=sent_at,
        delivered_at=now,
        attachments=files,
    )
    return NewMessage(message, contents)
