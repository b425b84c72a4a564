"""Notifier outcomes as contract events, with deterministic ids (a redelivery re-emits the
same event; receivers deduplicate)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from mijnoverheid.contracts import notifier as contract
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, event_type, new_event
from mijnoverheid.contracts.rejection import Rejected
from notifier.domain.notification import REPORTED, Notification, StatusChange

NOTIFICATION_STATUS_TYPE = event_type(contract.SERVICE, "notification-status")
NOTIFICATION_OVERDUE_TYPE = event_type(contract.SERVICE, "notification-overdue")
STATUS_REPORT_TYPE = event_type(contract.SERVICE, "notification-status-report")


def status_events(notification: Notification, source: str, since: int) -> Iterator[CloudEvent]:
    """notification-status for each reported change after version `since`."""
    for sequence, change in enumerate(notification.history, start=1):
        if sequence <= since or change.status not in REPORTED:
            continue
        data = contract.NotificationStatus(
            **_about(notification),
            status=change.status,
            occurred_at=change.at,
            sequence=sequence,
            attempt=change.attempt,
            reason=change.reason,
            smtp_reply=change.smtp_reply,
            dsn_status=change.dsn_status,
        )
        yield new_event(
            source=source,
            type_=NOTIFICATION_STATUS_TYPE,
            data=data,
            id_=derived_event_id(notification.notification_id, "status", str(sequence)),
            time=change.at,
        )


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
        status=notification.status,
        created_at=notification.created_at,
        deadline=notification.overdue_at,
    )
    return new_event(
        source=source,
        type_=NOTIFICATION_OVERDUE_TYPE,
        data=data,
        id_=derived_event_id(notification.notification_id, "overdue"),
        time=now,
    )


def record(
    notification: Notification, overdue_reported_at: datetime | None
) -> contract.NotificationRecord:
    return contract.NotificationRecord(
        **_about(notification),
        status=notification.status,
        overdue_reported_at=overdue_reported_at,
        history=[
            _entry(sequence, change) for sequence, change in enumerate(notification.history, 1)
        ],
    )


def _entry(sequence: int, change: StatusChange) -> contract.StatusEntry:
    return contract.StatusEntry(
        status=change.status,
        occurred_at=change.at,
        sequence=sequence,
        attempt=change.attempt,
        reason=change.reason,
        smtp_reply=change.smtp_reply,
        dsn_status=change.dsn_status,
    )


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
    return new_event(
        source=source,
        type_=STATUS_REPORT_TYPE,
        data=data,
        id_=derived_event_id(requester, requested_event_id, "notification-status-report"),
        time=now,
    )
