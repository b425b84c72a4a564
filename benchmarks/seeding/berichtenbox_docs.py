"""A seeded citizen's Berichtenbox and notifications, as the services' own adapters store them.

Every document goes through the adapter code that writes it in production (the messages'
and trail's `_to_document`, the hash chain of `next_entry`, the Notifier's `to_document`), so
the seeded store keeps in step with the code. What lies before the scans' starting point
(the hour before NOW) is stored as the scans would have left it: content past its retention
removed, unread messages warned, notifications past their deadline checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from benchmarks.seeding.population import BODY, NAMES, NOW, Citizen, PlannedMessage, source_of
from berichtenbox.adapters import messages as message_documents
from berichtenbox.adapters import stored_fields, trail_documents
from berichtenbox.adapters.trail_documents import Head
from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.expiry import warning_due_at
from berichtenbox.domain.message import Message, RetentionPolicy, message_id_for
from berichtenbox.domain.receipt import content_digest
from berichtenbox.domain.trail import TrailEntry, TrailKind, next_entry
from mijnoverheid.contracts.envelope import derived_event_id
from mijnoverheid.kernel import Origin
from mijnoverheid.timed_work import hour_of
from notifier.adapters import documents as notification_documents
from notifier.domain.attempt import smtp_reply
from notifier.domain.notification import Notification, State, new_notification
from notifier.domain.request import NotificationRequest, Template

Document = dict[str, Any]
Write = tuple[str, str, Document]  # database, collection, document

PLATFORM_SOURCE = source_of("00000001234567890000").replace(":seed", ":berichtenbox")
SCANS_START = hour_of(NOW - timedelta(hours=1))  # where the seeded scans' progress stands
WARN_BEFORE = RetentionPolicy().warn_before
OVERDUE_AFTER = timedelta(hours=48)
SENT = smtp_reply(250, "2.0.0 Ok: queued as 4F2A1")


def berichtenbox_writes(who: Citizen) -> Iterator[Write]:
    yield "berichtenbox", "citizen_accounts", {"_id": who.bsn, "activated_at": who.activated_at}
    for oin in sorted({planned.sender_oin for planned in who.messages}):
        yield (
            "berichtenbox",
            "digital_consents",
            {
                "_id": f"{who.bsn}:{oin}#0",
                "organisation_oin": oin,
                "digital": True,
                "changed_at": who.activated_at,
                "change_id": derived_event_id(who.bsn, oin, "seed-consent"),
            },
        )
    if who.email:
        yield (
            "notifier",
            "contact_details",
            {
                "_id": who.bsn,
                "email": who.email,
                "verified_at": who.activated_at,
                "language": "nl",
            },
        )
    for planned in who.messages:
        yield from _message_writes(who, planned)


def message_of(who: Citizen, planned: PlannedMessage) -> Message:
    origin = Origin(
        planned.sender_oin,
        NAMES[planned.sender_oin],
        source_of(planned.sender_oin),
        f"seed-{who.number}-{planned.number}",
        planned.delivered_at - timedelta(seconds=1),
    )
    message = Message(
        message_id=message_id_for(origin),
        event_source=origin.event_source,
        event_id=origin.event_id,
        sender_oin=planned.sender_oin,
        sender_name=origin.sender_name,
        recipient_bsn=who.bsn,
        subject=f"Uw {planned.kind} {who.number}-{planned.number}",
        body=BODY,
        reference=f"KENMERK-{who.number}-{planned.number}",
        legal_effect=planned.legal_effect,
        kind=planned.kind,
        deadline=None,
        sent_at=origin.sent_at,
        delivered_at=planned.delivered_at,
        expires_at=planned.expires_at,
        folder="archive" if planned.archived else "inbox",
        read_at=planned.read_at,
    )
    return replace(message, content_digest=content_digest(message))


def _message_writes(who: Citizen, planned: PlannedMessage) -> Iterator[Write]:
    message = message_of(who, planned)
    events: list[tuple[datetime, TrailKind, str, dict[str, Any]]] = [
        (message.sent_at, TrailKind.SUBMITTED, "submitted", {"event_id": message.event_id}),
        (
            message.delivered_at,
            TrailKind.STORED,
            "stored",
            {"content_digest": message.content_digest},
        ),
    ]
    if who.email:
        notification = _notification(who, message)
        yield from _notification_writes(notification)
        for sequence, change in enumerate(notification.history, start=1):
            event_id = derived_event_id(notification.notification_id, "status", str(sequence))
            details = {"status": change.status.value, "sequence": sequence}
            events.append((change.at, TrailKind.NOTIFICATION, f"notification:{event_id}", details))
    if message.read_at:
        events.append((message.read_at, TrailKind.READ, rules.READ_CAUSE, {}))
        events.append((message.read_at, TrailKind.READ, rules.READ_REPORTED_CAUSE, {}))
    document_extra: Document = {}
    warn_from = warning_due_at(message, WARN_BEFORE)
    if not message.read_at and warn_from < SCANS_START and message.expires_at > warn_from:
        events.append((warn_from, TrailKind.EXPIRY_WARNED, rules.EXPIRY_WARNED_CAUSE, {}))
        document_extra[stored_fields.WARNED] = warn_from
    if message.expires_at < SCANS_START:
        expired_at = message.expires_at + timedelta(minutes=3)
        events.append((expired_at, TrailKind.EXPIRED, rules.EXPIRED_CAUSE, {"attachments": 0}))
        message = replace(message, subject="", body="", expired_at=expired_at)
    document = message_documents._to_document(message, WARN_BEFORE)
    yield "berichtenbox", "messages", {**document, **document_extra}
    for key in ("expiry_unit", "warning_unit"):
        hour = document[key].split("/", 1)[0]
        task = "expire" if key == "expiry_unit" else "warn"
        for presence in (f"{task}:{hour[:10]}", f"{task}:{hour}"):
            yield "berichtenbox", "retention_hours", {"_id": presence}
    entry: TrailEntry | None = None
    for at, kind, cause, details in sorted(events, key=lambda event: event[0]):
        entry = next_entry(entry, message.message_id, kind, at, cause, details)
        yield "berichtenbox", "trail", trail_documents.to_document(entry)
    assert entry is not None
    head = trail_documents.head_document(message.message_id, Head.of(entry))
    yield "berichtenbox", "trail_heads", head


def _notification(who: Citizen, message: Message) -> Notification:
    delivered_event = derived_event_id(message.event_source, message.event_id, "message-delivered")
    request = NotificationRequest(
        template=Template.MESSAGE_DELIVERED,
        trigger_source=PLATFORM_SOURCE,
        trigger_event_id=delivered_event,
        trigger_event_type="nl.mijnoverheid.berichtenbox.message-delivered",
        organisation_oin=message.sender_oin,
        organisation_name=message.sender_name,
        recipient_bsn=who.bsn,
        legal_effect=message.legal_effect,
        kind=message.kind,
        message_id=message.message_id,
        reference=message.reference,
    )
    created = message.delivered_at + timedelta(seconds=1)
    notification = new_notification(request, created, OVERDUE_AFTER)
    return settle(notification, created, who.email or "", failed=who.number % 23 == 0)


def settle(notification: Notification, at: datetime, address: str, *, failed: bool) -> Notification:
    """Sent a second later, or (one in 23 citizens) refused for good."""
    sending = notification.claimed(at, address)
    if failed:
        return sending.moved_to(
            State.PERMANENT_FAILURE, at + timedelta(seconds=1), reason="relay-refused"
        )
    return sending.moved_to(State.SENT, at + timedelta(seconds=1), smtp_reply=SENT)


def _notification_writes(notification: Notification) -> Iterator[Write]:
    """The notification as first stored (its `created`), and its later changes beside it."""
    first = replace(notification, history=notification.history[:1])
    document = notification_documents.to_document(first)
    if notification.overdue_at < SCANS_START:  # checked already
        del document["overdue_at"]
        if notification.needs_fallback():
            yield (
                "notifier",
                "notification_overdue_reports",
                {
                    "_id": notification.notification_id,
                    "reported_at": notification.overdue_at,
                },
            )
    yield "notifier", "notifications", document
    hour = document[notification_documents.OVERDUE_UNIT].split("/", 1)[0]
    for presence in (f"overdue:{hour[:10]}", f"overdue:{hour}"):
        yield "notifier", "overdue_hours", {"_id": presence}
    for version, change in enumerate(notification.history[1:], start=2):
        change_document = notification_documents.change_document(change)
        change_document.update(
            _id=f"{notification.notification_id}#{version}",
            notification_id=notification.notification_id,
            version=version,
        )
        yield "notifier", "notification_status_changes", change_document
