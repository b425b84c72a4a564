"""A notification: one e-mail about one trigger, with its status history. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

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


# How long one worker may hold a notification in "sending" before another may take over
# (longer than one SMTP attempt may last).
SENDING_LEASE = timedelta(seconds=45)


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

    @property
    def version(self) -> int:
        """Changes so far; a save succeeds only from the version it was loaded at."""
        return len(self.history)

    def is_final(self) -> bool:
        return self.status in FINAL_STATES

    def may_send(self, now: datetime) -> bool:
        """Created, or "sending" by a worker whose lease has run out (it crashed or hung)."""
        if self.status is NotificationState.CREATED:
            return True
        return (
            self.status is NotificationState.SENDING and now - self.last_change.at > SENDING_LEASE
        )

    def moved_to(
        self, status: NotificationState, at: datetime, smtp_reply: SmtpReply | None = None
    ) -> Notification:
        if self.is_final():
            raise ValueError(f"notification is final ({self.status}); cannot move to {status}")
        return replace(self, history=(*self.history, StatusChange(status, at, smtp_reply)))


def notification_id_for(trigger_source: str, trigger_event_id: str) -> str:
    # One trigger, one notification: the id follows from the trigger.
    return derived_event_id(trigger_source, trigger_event_id, "notification")
