"""A notification: one e-mail about one trigger, with its status history. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from mijnoverheid.contracts.envelope import derived_event_id
from mijnoverheid.contracts.notifier import NotificationState, SmtpReply

FINAL_STATES = frozenset(
    {
        NotificationState.SENT,
        NotificationState.DELIVERED,
        NotificationState.PERMANENT_FAILURE,
        NotificationState.BOUNCED,
        NotificationState.NO_CONTACT,
    }
)


@dataclass(frozen=True)
class StatusChange:
    status: NotificationState
    at: datetime
    smtp_reply: SmtpReply | None = None


@dataclass(frozen=True)
class Notification:
    notification_id: str
    trigger_source: str
    trigger_event_id: str
    trigger_event_type: str
    organisation_oin: str
    organisation_name: str
    recipient_bsn: str
    message_id: str | None
    reference: str | None
    legal_effect: bool
    kind: str | None
    deadline: date | None
    history: tuple[StatusChange, ...]

    @property
    def status(self) -> NotificationState:
        return self.history[-1].status

    @property
    def last_change(self) -> StatusChange:
        return self.history[-1]

    def moved_to(
        self, status: NotificationState, at: datetime, smtp_reply: SmtpReply | None = None
    ) -> Notification:
        if self.status in FINAL_STATES:
            raise ValueError(f"notification is final ({self.status}); cannot move to {status}")
        return replace(self, history=(*self.history, StatusChange(status, at, smtp_reply)))


def notification_id_for(trigger_source: str, trigger_event_id: str) -> str:
    # One trigger, one notification: the id follows from the trigger.
    return derived_event_id(trigger_source, trigger_event_id, "notification")
