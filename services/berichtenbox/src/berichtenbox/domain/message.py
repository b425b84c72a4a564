"""A message in a citizen's Berichtenbox: pure rules, no I/O."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from berichtenbox.domain.canonical import to_millis
from berichtenbox.domain.receipt import content_digest
from mijnoverheid.kernel import (
    CITIZENS_ZONE,
    Origin,
    Refusal,
    RejectionReason,
    derived_event_id,
)

INBOX = "inbox"
ARCHIVE = "archive"
# Deleting puts a message here; it can be restored from here, or deleted for good.
TRASH = "trash"


@dataclass(frozen=True)
class RetentionPolicy:
    """How long a message is kept: sender-set within bounds, otherwise the default."""

    default: timedelta = timedelta(days=548)
    minimum: timedelta = timedelta(days=30)
    maximum: timedelta = timedelta(days=3653)
    warn_before: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class AttachmentFile:
    file_id: str
    file_name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class SubmittedAttachment:
    file_name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Submission:
    """What an organisation asks to deliver (its contract already checked at the gate)."""

    recipient_bsn: str
    subject: str
    body: str
    reference: str
    legal_effect: bool
    kind: str | None = None
    deadline: date | None = None
    expires_at: datetime | None = None
    attachments: tuple[SubmittedAttachment, ...] = ()


@dataclass(frozen=True)
class ReceiveMessage:
    origin: Origin
    submission: Submission


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
    expires_at: datetime
    attachments: tuple[AttachmentFile, ...] = ()
    content_digest: str = ""
    folder: str = INBOX
    # In the trash: the folder it came from (where a restore puts it back) and since when.
    trashed_from: str | None = None
    trashed_at: datetime | None = None
    read_at: datetime | None = None
    deleted_at: datetime | None = None
    expired_at: datetime | None = None

    @property
    def has_content(self) -> bool:
        return self.deleted_at is None and self.expired_at is None


@dataclass(frozen=True)
class NewMessage:
    """A message about to be stored, with the attachment bytes that go to file storage."""

    message: Message
    attachment_contents: tuple[bytes, ...] = field(default=())


def message_id_for(origin: Origin) -> str:
    # Deterministic, so that a redelivered message-sent maps onto the stored message.
    return derived_event_id(origin.event_source, origin.event_id, "message")


def expiry_for(requested: datetime | None, now: datetime, policy: RetentionPolicy) -> datetime:
    if requested is None:
        return to_millis(now + policy.default)
    if not now + policy.minimum <= requested <= now + policy.maximum:
        raise Refusal(
            RejectionReason.EXPIRY_OUT_OF_BOUNDS,
            f"expires_at must lie between {policy.minimum.days} and {policy.maximum.days} days "
            "from delivery",
        )
    return to_millis(requested)


def check_deadline(deadline: date | None, expires_at: datetime, *, requested: bool) -> None:
    """The content must stay readable until the end of the citizen's deadline."""
    if deadline is None:
        return
    end_of_deadline = datetime.combine(deadline + timedelta(days=1), time(), CITIZENS_ZONE)
    if end_of_deadline > expires_at:
        where = "expires_at" if requested else "the platform's retention (set expires_at)"
        raise Refusal(
            RejectionReason.EXPIRY_OUT_OF_BOUNDS,
            f"deadline lies after {where}: the content would be removed before the deadline",
        )


def receive(command: ReceiveMessage, *, now: datetime, retention: RetentionPolicy) -> NewMessage:
    """Raises Refusal when the sender asks for an expiry outside the bounds, or one that ends
    before the citizen's deadline."""
    origin, submission = command.origin, command.submission
    delivered_at = to_millis(now)
    expires_at = expiry_for(submission.expires_at, delivered_at, retention)
    check_deadline(submission.deadline, expires_at, requested=submission.expires_at is not None)
    message_id = message_id_for(origin)
    files = tuple(
        AttachmentFile(
            file_id=f"{message_id}.{index}",
            file_name=attachment.file_name,
            media_type=attachment.media_type,
            size=len(attachment.content),
            sha256=hashlib.sha256(attachment.content).hexdigest(),
        )
        for index, attachment in enumerate(submission.attachments)
    )
    message = Message(
        message_id=message_id,
        event_source=origin.event_source,
        event_id=origin.event_id,
        sender_oin=origin.sender_oin,
        sender_name=origin.sender_name,
        recipient_bsn=submission.recipient_bsn,
        subject=submission.subject,
        body=submission.body,
        reference=submission.reference,
        legal_effect=submission.legal_effect,
        kind=submission.kind,
        deadline=submission.deadline,
        sent_at=to_millis(origin.sent_at),
        delivered_at=delivered_at,
        expires_at=expires_at,
        attachments=files,
    )
    contents = tuple(attachment.content for attachment in submission.attachments)
    return NewMessage(replace(message, content_digest=content_digest(message)), contents)
