"""Public events of the Notifier."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, Field, model_validator

from mijnoverheid.contracts.rejection import Rejected

SERVICE: Final = "notifier"
MAX_REQUESTED_NOTIFICATIONS = 100


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
    message: str = Field(description="the relay's reply text, e-mail addresses redacted")
    queue_id: str | None = Field(default=None, description="the relay's queue id, if it gave one")


class NotificationStatus(BaseModel):
    """`notifier.notification-status.<OIN>`: what happened to the e-mail about a trigger."""

    notification_id: str
    trigger_event_id: str = Field(description="id of the event that caused the notification")
    trigger_event_type: str
    message_id: str | None = Field(default=None, description="the Berichtenbox message, if any")
    case_id: str | None = Field(default=None, description="the case (Lopende Zaken), if any")
    registration_id: str | None = Field(default=None, description="the registration, if any")
    reference: str | None = Field(default=None, description="the organisation's own reference")
    status: NotificationState
    occurred_at: datetime
    sequence: int | None = Field(
        default=None, description="position in the notification's history: the highest is current"
    )
    attempt: int | None = Field(default=None, description="the send attempt this is about")
    reason: str | None = Field(default=None, description="why, for failures and no-contact")
    smtp_reply: SmtpReply | None = None
    dsn_status: str | None = Field(
        default=None, description="RFC 3464 status code of a delivery report, e.g. 5.1.1"
    )


class NotificationOverdue(BaseModel):
    """`notifier.notification-overdue.<OIN>`: not sent successfully in time; fall back to paper."""

    notification_id: str
    trigger_event_id: str
    trigger_event_type: str
    message_id: str | None = None
    case_id: str | None = None
    registration_id: str | None = None
    reference: str | None = None
    status: NotificationState = Field(description="the status when the deadline passed")
    created_at: datetime
    deadline: datetime = Field(description="by when it should have been sent")


class NotificationStatusRequested(BaseModel):
    """`notifier.notification-status-requested.<OIN>`: an organisation asks for histories.

    Give notification ids, or one of message_id / case_id / registration_id / reference.
    Only the asking organisation's own notifications are ever reported.
    """

    notification_ids: list[str] = Field(
        default_factory=list, max_length=MAX_REQUESTED_NOTIFICATIONS
    )
    message_id: str | None = None
    case_id: str | None = None
    registration_id: str | None = None
    reference: str | None = None

    @model_validator(mode="after")
    def _asks_something(self) -> NotificationStatusRequested:
        criteria = (self.message_id, self.case_id, self.registration_id, self.reference)
        if not self.notification_ids and all(value is None for value in criteria):
            raise ValueError("give notification_ids or a message_id, case_id, ... to look for")
        return self


class StatusEntry(BaseModel):
    status: NotificationState
    occurred_at: datetime
    sequence: int
    attempt: int | None = None
    reason: str | None = None
    smtp_reply: SmtpReply | None = None
    dsn_status: str | None = None


class NotificationRecord(BaseModel):
    notification_id: str
    trigger_event_id: str
    trigger_event_type: str
    message_id: str | None = None
    case_id: str | None = None
    registration_id: str | None = None
    reference: str | None = None
    status: NotificationState
    overdue_reported_at: datetime | None = None
    history: list[StatusEntry]


class NotificationStatusReport(BaseModel):
    """`notifier.notification-status-report.<OIN>`: the answer to a status request."""

    requested_event_id: str
    notifications: list[NotificationRecord] = Field(default_factory=list)
    rejected: Rejected | None = Field(default=None, description="why the request was refused")
