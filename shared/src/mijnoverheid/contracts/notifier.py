"""Public events of the Notifier."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, Field

SERVICE: Final = "notifier"


class NotificationState(StrEnum):
    CREATED = "created"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary-failure"
    PERMANENT_FAILURE = "permanent-failure"
    BOUNCED = "bounced"
    NO_CONTACT = "no-contact"


class SmtpReply(BaseModel):
    code: int
    message: str


class NotificationStatus(BaseModel):
    """`notifier.notification-status.<OIN>`: what happened to the e-mail about a trigger."""

    notification_id: str
    trigger_event_id: str = Field(description="id of the event that caused the notification")
    trigger_event_type: str
    message_id: str | None = Field(default=None, description="the Berichtenbox message, if any")
    reference: str | None = Field(default=None, description="the organisation's own reference")
    status: NotificationState
    occurred_at: datetime
    smtp_reply: SmtpReply | None = None
