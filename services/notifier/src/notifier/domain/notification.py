"""A notification: one e-mail about one trigger, with its status history. Pure, no I/O.

created → sending → sent → delivered | bounced
                  → temporary-failure → sending (retry) … → permanent-failure
                  → permanent-failure
created → no-contact
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from mijnoverheid.kernel import derived_event_id
from notifier.domain.request import NotificationRequest


class State(StrEnum):
    """A notification's status; the values are those of the public contract."""

    CREATED = "created"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary-failure"
    PERMANENT_FAILURE = "permanent-failure"
    BOUNCED = "bounced"
    NO_CONTACT = "no-contact"


@dataclass(frozen=True)
class SmtpReply:
    """The relay's answer as it may be shown to an organisation (addresses redacted)."""

    code: int
    message: str
    queue_id: str | None = None


# No further change, whatever arrives later.
TERMINAL = frozenset({State.DELIVERED, State.PERMANENT_FAILURE, State.BOUNCED, State.NO_CONTACT})
SUCCESSFUL = frozenset({State.SENT, State.DELIVERED})
_ALLOWED: dict[State, frozenset[State]] = {
    State.CREATED: frozenset({State.SENDING, State.NO_CONTACT}),
    # sending → sending: another worker takes over after the lease ran out.
    State.SENDING: frozenset(
        {State.SENDING, State.SENT, State.TEMPORARY_FAILURE, State.PERMANENT_FAILURE}
        | {State.NO_CONTACT}
    ),
    # A delivery report may overtake a lost connection: the relay had the mail after all.
    # No contact: the address was removed (or bounced) before the retry.
    State.TEMPORARY_FAILURE: frozenset(
        {State.SENDING, State.PERMANENT_FAILURE, State.DELIVERED, State.BOUNCED}
        | {State.NO_CONTACT}
    ),
    State.SENT: frozenset({State.DELIVERED, State.BOUNCED}),
}
# Every change is reported to the organisation (the Wmebv asks that all of it be provable).
REPORTED = frozenset(State)

# Reasons (codes, stable for organisations).
NO_VERIFIED_ADDRESS = "no-verified-address"
ADDRESS_UNDELIVERABLE = "address-undeliverable"
OPTED_OUT = "opted-out"
WARNING_DAY = "expiry-warning-day"  # a reminder that would go out on or after the warning's day
RELAY_REFUSED = "relay-refused"
RELAY_DEFERRED = "relay-deferred"
CONNECTION_LOST = "connection-lost"
# The attempt could not start (a free connection, the rate limit) while its sending lease left
# time to finish it: it was not made, so a worker taking over after the lease cannot double it.
SENDING_DELAYED = "sending-delayed"
ATTEMPTS_EXHAUSTED = "attempts-exhausted"


@dataclass(frozen=True)
class StatusChange:
    status: State
    at: datetime
    smtp_reply: SmtpReply | None = None
    reason: str | None = None
    attempt: int | None = None
    dsn_status: str | None = None
    # Internal only (never reported): where a "sending" attempt went, to judge a bounce.
    address: str | None = None


@dataclass(frozen=True)
class Notification:
    notification_id: str
    request: NotificationRequest
    created_at: datetime
    overdue_at: datetime
    history: tuple[StatusChange, ...]

    @property
    def status(self) -> State:
        return self.history[-1].status

    @property
    def last_change(self) -> StatusChange:
        return self.history[-1]

    @property
    def version(self) -> int:
        """Changes so far; a save succeeds only from the version it was loaded at."""
        return len(self.history)

    @property
    def attempts(self) -> int:
        return sum(1 for change in self.history if change.status is State.SENDING)

    @property
    def last_address(self) -> str | None:
        sending = [c for c in self.history if c.status is State.SENDING and c.address]
        return sending[-1].address if sending else None

    @property
    def last_sent_at(self) -> datetime | None:
        sending = [c for c in self.history if c.status is State.SENDING]
        return sending[-1].at if sending else None

    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def needs_fallback(self) -> bool:
        """Past its deadline, should the organisation fall back to paper? Yes unless it was
        sent, or the citizen switched this kind of news off."""
        opted_out = self.status is State.NO_CONTACT and self.last_change.reason == OPTED_OUT
        return self.status not in SUCCESSFUL and not opted_out

    def sending_lease_expired(self, now: datetime, lease: timedelta) -> bool:
        return self.status is State.SENDING and now - self.last_change.at > lease

    def may_move_to(self, status: State) -> bool:
        return status in _ALLOWED.get(self.status, frozenset())

    def moved_to(
        self,
        status: State,
        at: datetime,
        *,
        smtp_reply: SmtpReply | None = None,
        reason: str | None = None,
        attempt: int | None = None,
        dsn_status: str | None = None,
        address: str | None = None,
    ) -> Notification:
        if not self.may_move_to(status):
            raise ValueError(f"a {self.status} notification cannot become {status}")
        change = StatusChange(status, at, smtp_reply, reason, attempt, dsn_status, address)
        return replace(self, history=(*self.history, change))

    def claimed(self, at: datetime, address: str) -> Notification:
        return self.moved_to(State.SENDING, at, attempt=self.attempts + 1, address=address)


def notification_id_for(trigger_source: str, trigger_event_id: str) -> str:
    # One trigger, one notification: the id follows from the trigger.
    return derived_event_id(trigger_source, trigger_event_id, "notification")


def new_notification(
    request: NotificationRequest, now: datetime, overdue_after: timedelta
) -> Notification:
    return Notification(
        notification_id=notification_id_for(request.trigger_source, request.trigger_event_id),
        request=request,
        created_at=now,
        overdue_at=now + overdue_after,
        history=(StatusChange(State.CREATED, now),),
    )
