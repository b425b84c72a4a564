"""The reminder for unread post: when it is due, never on the warning's day, for whom, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from berichtenbox.adapters import outbound
from berichtenbox.adapters.retention_work import unit_fields
from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.message import TRASH, Message
from berichtenbox.domain.reminder import (
    ReminderPolicy,
    ReminderScope,
    needs_unread_reminder,
    reminder_due_at,
    reminder_later,
    reminder_possible,
)
from berichtenbox.domain.trail import TrailKind, verify_chain
from berichtenbox.handlers.retention import RetentionReport
from berichtenbox.settings import BerichtenboxSettings
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import derived_event_id, source_for
from mijnoverheid.kernel import citizens_day
from services.berichtenbox.tests.unit.fakes import InMemoryTrail, RecordingPublisher
from services.berichtenbox.tests.unit.test_berichtenbox_retention import (
    SENDER_OIN,
    WARN,
    InMemoryRetentionStore,
    a_message,
    job,
)

# Delivered at 10:00 in Amsterdam (summer time), kept for 60 days: the warning is due on
# day 46, so a reminder after 7 days (day 7) is well before it.
DELIVERED = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
WEEK = ReminderPolicy(timedelta(days=7), ReminderScope.ALL)
DUE = DELIVERED + timedelta(days=7)
KEEP = timedelta(days=60)


def delivered(message_id: str = "m-1", keep: timedelta = KEEP, **overrides: Any) -> Message:
    fields = {"delivered_at": DELIVERED, "sent_at": DELIVERED, "expires_at": DELIVERED + keep}
    return a_message(message_id, **{**fields, **overrides})


def test_due_the_configured_days_after_delivery_and_not_before() -> None:
    assert reminder_due_at(delivered(), WEEK) == DUE
    assert not needs_unread_reminder(delivered(), DUE - timedelta(seconds=1), WEEK, WARN)
    assert needs_unread_reminder(delivered(), DUE, WEEK, WARN)
    assert needs_unread_reminder(delivered(), DUE + timedelta(days=20), WEEK, WARN)


def test_only_unread_messages_with_content_outside_the_trash_in_scope() -> None:
    assert not needs_unread_reminder(delivered(read_at=DELIVERED), DUE, WEEK, WARN)
    assert not needs_unread_reminder(delivered(deleted_at=DELIVERED), DUE, WEEK, WARN)
    assert not needs_unread_reminder(delivered(expired_at=DUE), DUE, WEEK, WARN)
    assert not needs_unread_reminder(delivered(folder=TRASH), DUE, WEEK, WARN)
    legal_only = ReminderPolicy(timedelta(days=7), ReminderScope.LEGAL_EFFECT)
    assert needs_unread_reminder(delivered(legal_effect=True), DUE, legal_only, WARN)
    assert not needs_unread_reminder(delivered(legal_effect=False), DUE, legal_only, WARN)
    assert needs_unread_reminder(delivered(legal_effect=False), DUE, WEEK, WARN)
    off = ReminderPolicy(timedelta(days=7), ReminderScope.OFF)
    assert not needs_unread_reminder(delivered(legal_effect=True), DUE, off, WARN)


def test_never_on_the_day_the_expiry_warning_is_due() -> None:
    # Kept 21 days with a 14-day warning: the warning is due on day 7, 10:00 Amsterdam, the
    # very moment the reminder would be: no reminder (the warning says it is unread).
    clash = delivered(keep=timedelta(days=21))
    assert not needs_unread_reminder(clash, DUE, WEEK, WARN)
    assert not reminder_possible(clash, WEEK, WARN)
    # Kept 22 days: the warning's day is day 8, so the reminder goes on day 7...
    day_before = delivered(keep=timedelta(days=22))
    assert needs_unread_reminder(day_before, DUE, WEEK, WARN)
    # ... but a scan that comes late, after midnight in Amsterdam (22:00 UTC in summer),
    # is on the warning's day already: none then.
    amsterdam_midnight = datetime(2026, 6, 8, 22, 0, tzinfo=UTC)
    assert not needs_unread_reminder(day_before, amsterdam_midnight, WEEK, WARN)
    assert needs_unread_reminder(day_before, amsterdam_midnight - timedelta(seconds=1), WEEK, WARN)
    # A warning due on delivery (a short expiry) comes first: no reminder after it.
    short = delivered(keep=timedelta(days=10))
    assert not reminder_possible(short, WEEK, WARN)
    assert not needs_unread_reminder(short, DUE, WEEK, WARN)


def test_the_reminder_repeats_a_deadline_only_while_it_can_be_met() -> None:
    source = source_for("00000001234567890000", "berichtenbox")
    ahead = delivered(deadline=citizens_day(DUE))
    assert outbound.message_left_unread(ahead, source, DUE, WARN).data["deadline"] == "2026-06-08"
    past = delivered(deadline=citizens_day(DUE) - timedelta(days=1))
    assert outbound.message_left_unread(past, source, DUE, WARN).data.get("deadline") is None


def test_the_reminder_names_the_warnings_day_so_the_notifier_never_mails_it_then() -> None:
    source = source_for("00000001234567890000", "berichtenbox")
    event = outbound.message_left_unread(delivered(), source, DUE, WARN)
    # Kept 60 days, warned 14 days before: day 46 after 1 June 2026.
    assert event.data["warning_on"] == "2026-07-17"


def test_a_message_that_can_never_be_reminded_has_no_reminder_unit() -> None:
    assert "reminder_unit" in unit_fields(delivered(), WARN, WEEK)
    assert unit_fields(delivered(), WARN, WEEK)["reminder_unit"].startswith("2026-06-08T08/")
    assert "reminder_unit" not in unit_fields(delivered(keep=timedelta(days=21)), WARN, WEEK)


def test_fewer_than_one_day_is_refused_and_absent_is_a_week() -> None:
    with pytest.raises(ValueError, match="at least a day"):
        ReminderPolicy(timedelta(0))
    with pytest.raises(ValidationError, match="unread_reminder_days"):
        settings(unread_reminder_days=0)
    with pytest.raises(ValidationError, match="unread_reminders"):
        settings(unread_reminders="sometimes")
    assert settings().reminders() == ReminderPolicy(timedelta(days=7), ReminderScope.ALL)


def settings(**values: Any) -> BerichtenboxSettings:
    return BerichtenboxSettings(_env_file=None, amqp_url="amqp://x", **values)


async def test_an_unread_message_is_reminded_once_and_a_failed_publish_is_retried() -> None:
    unread, read = delivered("m-1"), delivered("m-2", read_at=DELIVERED + timedelta(days=1))
    trashed = delivered("m-3", folder=TRASH)
    store, trail = InMemoryRetentionStore(unread, read, trashed), InMemoryTrail()
    publisher = RecordingPublisher(failures=1)
    scan = job(store, trail, publisher, WEEK)

    assert await scan.run_retention_once(DUE - timedelta(hours=1)) == RetentionReport()
    assert await scan.run_retention_once(DUE) == RetentionReport(failed=1)
    assert await trail.entries("m-1") == [], "not recorded before the broker confirmed"
    assert await scan.run_retention_once(DUE) == RetentionReport(reminded=1)
    assert await scan.run_retention_once(DUE + timedelta(days=1)) == RetentionReport()

    [(event, key)] = publisher.published
    assert key == events.MESSAGE_LEFT_UNREAD.key(SENDER_OIN)
    assert event.id == derived_event_id(unread.event_source, unread.event_id, "message-left-unread")
    assert event.data["message_id"] == "m-1"
    assert "subject" not in event.data
    assert "body" not in event.data
    entries = await trail.entries("m-1")
    assert [(e.kind, e.cause) for e in entries] == [
        (TrailKind.UNREAD_REMINDED, rules.UNREAD_REMINDED_CAUSE)
    ]
    assert entries[0].details == {"event_id": event.id}
    assert verify_chain(entries).valid
    assert await trail.entries("m-2") == await trail.entries("m-3") == []


async def test_the_reminder_and_the_warning_go_out_on_different_days() -> None:
    # Kept 22 days: reminder on day 7, warning on day 8; each scan sends one of them.
    message = delivered(keep=timedelta(days=22))
    store, trail, publisher = InMemoryRetentionStore(message), InMemoryTrail(), RecordingPublisher()
    scan = job(store, trail, publisher, WEEK)
    assert await scan.run_retention_once(DUE) == RetentionReport(reminded=1)
    warning_day = DELIVERED + timedelta(days=8)
    assert await scan.run_retention_once(warning_day) == RetentionReport(warned=1)
    sent = [(event.type.rsplit(".", 1)[-1], event.time) for event, _ in publisher.published]
    assert sent == [("message-left-unread", DUE), ("message-expiring", warning_day)]


def test_a_reminder_not_due_yet_is_waited_for_unless_it_could_never_come() -> None:
    # Stored under an earlier hour (the days raised since): the scan waits for it.
    assert reminder_later(delivered(), DUE - timedelta(days=1), WEEK, WARN)
    assert not reminder_later(delivered(), DUE, WEEK, WARN), "due: not later"
    assert not reminder_later(delivered(read_at=DELIVERED), DELIVERED, WEEK, WARN)
    # Kept 20 days, warned from day 6: a reminder on day 7 would follow the warning.
    assert not reminder_later(delivered(keep=timedelta(days=20)), DELIVERED, WEEK, WARN)
