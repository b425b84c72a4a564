"""Notifier outcomes as contract events, with deterministic ids (a redelivery re-emits the
same event; receivers deduplicate)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mijnoverheid.contracts import events
from mijnoverheid.contracts import notifier as contract
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id
from mijnoverheid.contracts.rejection import Rejected
from mijnoverheid.inbound import Refused
from mijnoverheid.messaging.publisher import EventPublisher
from notifier.domain.notification import REPORTED, Notification, SmtpReply, State, StatusChange


def status_events(notification: Notification, source: str, since: int) -> Iterator[CloudEvent]:
    """notification-status for each reported change after version `since`."""
    for sequence, change in enumerate(notification.history, start=1):
        if sequence <= since or change.status not in REPORTED:
            continue
        data = contract.NotificationStatus(
            **_about(notification), **_change(change), sequence=sequence
        )
        yield events.NOTIFICATION_STATUS.new_event(
            data,
            source=source,
            id_=derived_event_id(notification.notification_id, "status", str(sequence)),
            time=change.at,
        )


def _change(change: StatusChange) -> dict[str, Any]:
    """A status change as every event and record shows it."""
    return {
        "status": _state(change.status),
        "occurred_at": change.at,
        "attempt": change.attempt,
        "reason": change.reason,
        "smtp_reply": _reply(change.smtp_reply),
        "dsn_status": change.dsn_status,
    }


def _state(state: State) -> contract.NotificationState:
    return contract.NotificationState(state.value)


def _reply(reply: SmtpReply | None) -> contract.SmtpReply | None:
    if reply is None:
        return None
    return contract.SmtpReply(code=reply.code, message=reply.message, queue_id=reply.queue_id)


def _about(notification: Notification) -> dict[str, Any]:
    """The fields every event and record names a notification by."""
    request = notification.request
    return {
        "notification_id": notification.notification_id,
        "trigger_event_id": request.trigger_event_id,
        "trigger_event_type": request.trigger_event_type,
        "message_id": request.message_id,
        "case_id": request.case_id,
        "registration_id": request.registration_id,
        "reference": request.reference,
    }


def overdue_event(notification: Notification, source: str, now: datetime) -> CloudEvent:
    data = contract.NotificationOverdue(
        **_about(notification),
        status=_state(notification.status),
        created_at=notification.created_at,
        deadline=notification.overdue_at,
    )
    return events.NOTIFICATION_OVERDUE.new_event(
        data,
        source=source,
        id_=derived_event_id(notification.notification_id, "overdue"),
        time=now,
    )


def record(
    notification: Notification, overdue_reported_at: datetime | None
) -> contract.NotificationRecord:
    return contract.NotificationRecord(
        **_about(notification),
        status=_state(notification.status),
        overdue_reported_at=overdue_reported_at,
        history=[
            _entry(sequence, change) for sequence, change in enumerate(notification.history, 1)
        ],
    )


def _entry(sequence: int, change: StatusChange) -> contract.StatusEntry:
    return contract.StatusEntry(**_change(change), sequence=sequence)


def status_report(
    requested_event_id: str,
    requester: str,
    records: list[contract.NotificationRecord],
    rejected: Rejected | None,
    source: str,
    now: datetime,
) -> CloudEvent:
    """The answer to request `requested_event_id` from `requester`: the request's source, or
    for a refused request (whose source may be invalid or another's) the sender's OIN. Event
    ids are unique per source, so two requesters' equal ids get different answers."""
    data = contract.NotificationStatusReport(
        requested_event_id=requested_event_id, notifications=records, rejected=rejected
    )
    return events.NOTIFICATION_STATUS_REPORT.new_event(
        data,
        source=source,
        id_=derived_event_id(requester, requested_event_id, "notification-status-report"),
        time=now,
    )


@dataclass(frozen=True)
class RefusedInReport:
    """A refused notification-status-requested is answered with a report that says why (the
    asker waits for a report on its own key, not for a separate rejection)."""

    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]

    async def __call__(self, refused: Refused) -> None:
        rejected = Rejected(
            reason=refused.reason,
            detail=refused.detail,
            rejected_event_id=refused.event_id,
            rejected_event_type=refused.event_type,
        )
        report = status_report(
            refused.event_id, refused.sender.oin, [], rejected, self.source, self.clock()
        )
        key = events.NOTIFICATION_STATUS_REPORT.key(refused.sender.oin)
        await self.publisher.publish(report, key)
