"""Public events of the Berichtenbox.

Validators raise `PydanticCustomError` with the rejection reason code as error type, so the
Berichtenbox can tell a sender exactly why an event was refused.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from mijnoverheid.contracts.attachments import (
    ALLOWED_ATTACHMENT_MEDIA_TYPES as ALLOWED_ATTACHMENT_MEDIA_TYPES,
)
from mijnoverheid.contracts.attachments import (
    MAX_ATTACHMENT_BYTES as MAX_ATTACHMENT_BYTES,
)
from mijnoverheid.contracts.attachments import (
    MAX_TOTAL_ATTACHMENT_BYTES as MAX_TOTAL_ATTACHMENT_BYTES,
)
from mijnoverheid.contracts.attachments import Attachment as Attachment
from mijnoverheid.contracts.envelope import Moment
from mijnoverheid.contracts.rejection import Rejected, RejectionReason, rejection_error
from mijnoverheid.contracts.texts import contains_link
from mijnoverheid.identity import is_valid_bsn

SERVICE: Final = "berichtenbox"

MAX_SUBJECT_CHARS = 200
MAX_BODY_CHARS = 100_000
MAX_REFERENCE_CHARS = 100
MAX_ATTACHMENTS = 10
# A whole message-sent event: 10 MiB of attachments as base64 (~13.4 MiB), the body and the
# envelope. Also the broker's max_message_size (config/rabbitmq/limits.conf).
MAX_MESSAGE_SENT_BYTES = 16 * 1024 * 1024


def _bsn(value: str) -> str:
    if not is_valid_bsn(value):
        raise rejection_error(RejectionReason.INVALID_BSN, "recipient_bsn is not a valid BSN")
    return value


def _bsn_in_list(value: str) -> str:
    if not is_valid_bsn(value):
        raise rejection_error(RejectionReason.INVALID_BSN, "not a valid BSN")
    return value


def _words_only(value: str) -> str:
    if contains_link(value):
        raise rejection_error(
            RejectionReason.URL_NOT_ALLOWED,
            "kind must not contain a link or domain name: it is quoted in the notification mail",
        )
    return value


def _at_most(limit: int, field: str) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > limit:
            raise rejection_error(
                RejectionReason.TOO_LARGE, f"{field} is longer than {limit} characters"
            )
        return value

    return AfterValidator(check)


class MessageSent(BaseModel):
    """`berichtenbox.message-sent.<OIN>`: an organisation sends a message to a citizen."""

    model_config = ConfigDict(extra="forbid")

    recipient_bsn: Annotated[str, AfterValidator(_bsn)]
    subject: Annotated[str, Field(min_length=1), _at_most(MAX_SUBJECT_CHARS, "subject")]
    body: Annotated[str, Field(min_length=1), _at_most(MAX_BODY_CHARS, "body")]
    reference: Annotated[
        str,
        Field(min_length=1, description="the sender's own reference (kenmerk)"),
        _at_most(MAX_REFERENCE_CHARS, "reference"),
    ]
    legal_effect: bool = Field(description="the message has legal effect (rechtsgevolg)")
    kind: Annotated[str, _at_most(80, "kind"), AfterValidator(_words_only)] | None = Field(
        default=None,
        # It is quoted in the notification e-mail: one line of words, no links.
        pattern=r"^\w[\w ,.'()-]*$",
        description="what kind of message this is, e.g. 'aanslag' or 'besluit': letters, "
        "digits, spaces and , . ' ( ) -; no domain name (url-not-allowed)",
    )
    deadline: date | None = Field(default=None, description="a deadline the citizen must meet")
    expires_at: Moment | None = Field(
        default=None,
        description="when the content is removed; 30 days to 10 years after delivery "
        "(default: the platform's retention, 18 months)",
    )
    attachments: list[Attachment] = Field(default_factory=list)

    @field_validator("attachments")
    @classmethod
    def _attachment_limits(cls, value: list[Attachment]) -> list[Attachment]:
        if len(value) > MAX_ATTACHMENTS:
            raise rejection_error(
                RejectionReason.TOO_MANY_ATTACHMENTS, f"more than {MAX_ATTACHMENTS} attachments"
            )
        total = sum(len(attachment.decoded()) for attachment in value)
        if total > MAX_TOTAL_ATTACHMENT_BYTES:
            raise rejection_error(
                RejectionReason.TOO_LARGE,
                f"attachments exceed {MAX_TOTAL_ATTACHMENT_BYTES} bytes in total",
            )
        return value


class SignedReceipt(BaseModel):
    """The Berichtenbox's signature over the receipt fields; verifiable offline."""

    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str
    payload: str = Field(description="the exact canonical JSON that was signed")
    signature: str = Field(description="base64 of the Ed25519 signature over payload (UTF-8)")


class MessageDelivered(BaseModel):
    """`berichtenbox.message-delivered.<OIN>`: the message is in the citizen's box."""

    message_id: str
    sent_event_id: str = Field(description="id of the message-sent event this answers")
    sender_oin: str
    reference: str
    recipient_bsn: str
    legal_effect: bool
    kind: str | None = None
    deadline: date | None = None
    delivered_at: datetime
    expires_at: datetime
    content_digest: str = Field(description="sha256:<hex> over the canonical message content")
    receipt: SignedReceipt


class MessageNotice(BaseModel):
    """What a Notifier's trigger about one message says of it, whatever the trigger: which
    message, whose (routed with the sender's OIN), for whom, and what kind of post it is."""

    message_id: str
    sender_oin: str
    reference: str
    recipient_bsn: str
    legal_effect: bool
    kind: str | None = None


class MessageExpiring(MessageNotice):
    """`berichtenbox.message-expiring.<OIN>`: an unread message will soon be removed.

    The Notifier's trigger for an expiry warning; routed with the sender's OIN.
    """

    expires_at: datetime


class MessageLeftUnread(MessageNotice):
    """`berichtenbox.message-left-unread.<OIN>`: a message is still unread some days after
    its delivery (UNREAD_REMINDER_DAYS).

    The Notifier's trigger for the one reminder e-mail per message; routed with the sender's
    OIN. Never on the day of the message's expiry warning (docs/berichtenbox.md).
    """

    deadline: date | None = None
    delivered_at: datetime
    # The citizen's day (Europe/Amsterdam) its expiry warning is due on: the reminder is not
    # mailed on or after it, however late the trigger is handled.
    warning_on: date | None = None


class MessageRead(BaseModel):
    """`berichtenbox.message-read.<OIN>`: the citizen opened the message (sent once)."""

    message_id: str
    sent_event_id: str
    reference: str
    read_at: datetime


class MessageStatusRequested(BaseModel):
    """`berichtenbox.message-status-requested.<OIN>`: an organisation asks about its messages."""

    model_config = ConfigDict(extra="forbid")

    message_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=100
    )
    include_trail: bool = False


class TrailEntryView(BaseModel):
    seq: int
    kind: str
    at: datetime
    details: dict[str, str | int | bool | None]
    prev_hash: str
    hash: str


class MessageStatusItem(BaseModel):
    message_id: str
    reference: str
    delivered_at: datetime
    notification_status: str | None = Field(
        default=None, description="the latest notifier status for this message, if any"
    )
    notified_at: datetime | None = None
    read_at: datetime | None = None
    expires_at: datetime
    expired_at: datetime | None = None
    deleted_at: datetime | None = None
    trail_head: str = Field(description="hash of the newest trail entry")
    trail: list[TrailEntryView] | None = None


class MessageStatus(BaseModel):
    """`berichtenbox.message-status.<OIN>`: the answer, about the asker's own messages only."""

    request_id: str
    messages: list[MessageStatusItem]
    not_found: list[str] = Field(
        default_factory=list, description="unknown ids, and ids of other organisations' messages"
    )


class DigitalDeliveryRequested(BaseModel):
    """`berichtenbox.digital-delivery-requested.<OIN>`: may the organisation send these
    citizens its post digitally?"""

    model_config = ConfigDict(extra="forbid")

    bsns: list[Annotated[str, AfterValidator(_bsn_in_list)]] = Field(min_length=1, max_length=100)


class DigitalDeliveryAnswer(BaseModel):
    bsn: str
    digital: bool = Field(description="true: a message-sent to this citizen will be delivered")
    reason: Literal["account-not-activated", "no-digital-consent"] | None = Field(
        default=None, description="why not (send paper); absent when digital is true"
    )


class DigitalDelivery(BaseModel):
    """`berichtenbox.digital-delivery.<OIN>`: the answer, for the asker's question only: yes or
    no, and why not; nothing else about the person."""

    request_id: str
    citizens: list[DigitalDeliveryAnswer]


class MessageRejected(Rejected):
    """`berichtenbox.message-rejected.<OIN>`: a message-sent event was refused, and why."""
