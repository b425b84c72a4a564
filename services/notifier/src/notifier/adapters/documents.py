"""Notifications as MongoDB/FerretDB documents and back (no '.' or '$' in keys, dates as
ISO strings where MongoDB would want a datetime)."""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any, get_type_hints

from mijnoverheid.storage import Document
from mijnoverheid.timed_work import unit_key
from notifier.domain.notification import Notification, SmtpReply, State, StatusChange
from notifier.domain.request import NotificationRequest, Template

# BSON holds no bare dates: every date of a request is stored as its ISO string (derived from
# the type, so a date added to the request cannot be missed).
_DATES = tuple(
    name for name, hint in get_type_hints(NotificationRequest).items() if hint == date | None
)
OVERDUE_UNIT = "overdue_unit"  # storage only: the overdue check's unit (timed_work)


def to_document(notification: Notification) -> Document:
    document: dict[str, Any] = _shallow(notification.request)
    for field in _DATES:
        document[field] = document[field].isoformat() if document[field] else None
    document["template"] = notification.request.template.value
    document.update(
        _id=notification.notification_id,
        created_at=notification.created_at,
        overdue_at=notification.overdue_at,
        deadline_at=notification.overdue_at,
        **{OVERDUE_UNIT: unit_key(notification.overdue_at, notification.notification_id)},
        history=[change_document(change) for change in notification.history],
    )
    return document


def change_document(change: StatusChange) -> Document:
    document = _shallow(change)
    document["status"] = change.status.value
    document["smtp_reply"] = asdict(change.smtp_reply) if change.smtp_reply else None
    return document


def to_change(document: Document) -> StatusChange:
    reply = document.get("smtp_reply")
    return StatusChange(
        status=State(document["status"]),
        at=document["at"],
        smtp_reply=SmtpReply(**reply) if reply else None,
        reason=document.get("reason"),
        attempt=document.get("attempt"),
        dsn_status=document.get("dsn_status"),
        address=document.get("address"),
    )


def to_notification(document: Document) -> Notification:
    fields: dict[str, Any] = {
        name: document.get(name) for name in NotificationRequest.__dataclass_fields__
    }
    fields["template"] = Template(document["template"])
    for field in _DATES:
        fields[field] = date.fromisoformat(fields[field]) if fields[field] else None
    return Notification(
        notification_id=document["_id"],
        request=NotificationRequest(**fields),
        created_at=document["created_at"],
        overdue_at=document["deadline_at"],
        history=tuple(to_change(change) for change in document["history"]),
    )


def _shallow(instance: Any) -> dict[str, Any]:
    # dataclasses.asdict deep-copies every value: costly on the hot path, and not needed.
    return {field.name: getattr(instance, field.name) for field in dataclass_fields(instance)}
