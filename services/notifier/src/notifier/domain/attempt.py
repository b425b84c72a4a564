"""One send attempt's outcome, the retry policy, and what a delivery report changes. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from notifier.domain import notification as n
from notifier.domain.notification import Notification, SmtpReply, State

_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")
_QUEUE_ID = re.compile(r"queued as (\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class Accepted:
    reply: SmtpReply


@dataclass(frozen=True)
class Refused:
    """5xx: the relay will never take it."""

    reply: SmtpReply


@dataclass(frozen=True)
class Deferred:
    """4xx or a lost connection: worth another try later."""

    reason: str
    reply: SmtpReply | None = None


Outcome = Accepted | Refused | Deferred


def smtp_reply(code: int, text: str) -> SmtpReply:
    """The reply as it may be shown to an organisation: a relay often echoes the address."""
    queue_id = _QUEUE_ID.search(text)
    return SmtpReply(
        code=code,
        message=_ADDRESS.sub("<address>", text)[:500],
        queue_id=queue_id.group(1) if queue_id else None,
    )


@dataclass(frozen=True)
class RetryPolicy:
    delays_seconds: tuple[float, ...]  # before retry 1, 2, …; the last repeats
    max_attempts: int

    def delay_level(self, failed_attempt: int) -> int:
        return min(failed_attempt, len(self.delays_seconds)) - 1

    def delay_seconds(self, failed_attempt: int) -> float:
        return self.delays_seconds[self.delay_level(failed_attempt)]


def start_deadline(claimed_at: datetime, lease: timedelta, transmission: timedelta) -> datetime:
    """The last moment an attempt claimed at `claimed_at` may start talking to the relay: it
    must be able to finish (`transmission`, at most half the lease) before the lease runs out
    and another worker may take the notification over."""
    return claimed_at + lease - min(transmission, lease / 2)


def after_attempt(
    notification: Notification, outcome: Outcome, now: datetime, policy: RetryPolicy
) -> Notification:
    attempt = notification.attempts
    if isinstance(outcome, Accepted):
        return notification.moved_to(State.SENT, now, smtp_reply=outcome.reply, attempt=attempt)
    if isinstance(outcome, Refused):
        return notification.moved_to(
            State.PERMANENT_FAILURE,
            now,
            smtp_reply=outcome.reply,
            reason=n.RELAY_REFUSED,
            attempt=attempt,
        )
    if attempt >= policy.max_attempts:
        return notification.moved_to(
            State.PERMANENT_FAILURE,
            now,
            smtp_reply=outcome.reply,
            reason=n.ATTEMPTS_EXHAUSTED,
            attempt=attempt,
        )
    return notification.moved_to(
        State.TEMPORARY_FAILURE,
        now,
        smtp_reply=outcome.reply,
        reason=outcome.reason,
        attempt=attempt,
    )


@dataclass(frozen=True)
class DeliveryReport:
    """One recipient's part of an RFC 3464 delivery status notification."""

    notification_id: str | None
    action: str  # delivered | relayed | expanded | failed | delayed
    status: str  # e.g. 2.0.0 or 5.1.1

    @property
    def hard_bounce(self) -> bool:
        return self.action == "failed" and self.status.startswith("5.")


class ReportTooEarlyError(Exception):
    """The report overtook our own record of the send: the reporter should try again later."""


def after_report(
    notification: Notification, report: DeliveryReport, now: datetime
) -> Notification | None:
    """The notification with the report applied, or None when it changes nothing."""
    if report.action == "delivered":
        target = State.DELIVERED
    elif report.action == "failed":
        target = State.BOUNCED
    else:  # delayed: the relay keeps trying; relayed/expanded: no further report will come
        return None
    if notification.status is State.SENDING:
        raise ReportTooEarlyError(notification.notification_id)
    if not notification.may_move_to(target):
        return None
    return notification.moved_to(
        target, now, dsn_status=report.status, attempt=notification.attempts
    )
