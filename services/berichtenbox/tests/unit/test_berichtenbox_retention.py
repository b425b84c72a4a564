"""Retention: when content expires and who is warned, and the scan on in-memory fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.expiry import due_for_expiry, needs_expiry_warning, warning_due_at
from berichtenbox.domain.message import TRASH, Message, RetentionPolicy
from berichtenbox.domain.reminder import ReminderPolicy, ReminderScope
from berichtenbox.domain.trail import TrailKind, verify_chain
from berichtenbox.handlers.retention import RetentionJob, RetentionReport
from berichtenbox.ports import RetentionTask
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import derived_event_id, source_for
from mijnoverheid.timed_work import WorkUnit
from services.berichtenbox.tests.unit.fakes import InMemoryTrail, RecordingPublisher

SENDER_OIN = "00000001003214345000"
EXPIRES = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WARN = timedelta(days=14)
POLICY = RetentionPolicy(warn_before=WARN)
# The expiry tests leave reminders out (test_berichtenbox_reminders.py has them).
NO_REMINDERS = ReminderPolicy(scope=ReminderScope.OFF)


def a_message(message_id: str = "m-1", **overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "message_id": message_id,
        "event_source": source_for(SENDER_OIN, "zaaksysteem"),
        "event_id": f"evt-{message_id}",
        "sender_oin": SENDER_OIN,
        "sender_name": "Belastingdienst",
        "recipient_bsn": "999993653",
        "subject": "Uw aanslag",
        "body": "Geachte heer/mevrouw,",
        "reference": "KENMERK-1",
        "legal_effect": True,
        "kind": "aanslag",
        "deadline": None,
        "sent_at": EXPIRES - timedelta(days=100),
        "delivered_at": EXPIRES - timedelta(days=100),
        "expires_at": EXPIRES,
    }
    fields.update(overrides)
    return Message(**fields)


def test_due_for_expiry_from_the_expiry_moment_until_marked() -> None:
    assert not due_for_expiry(a_message(), EXPIRES - timedelta(milliseconds=1))
    assert due_for_expiry(a_message(), EXPIRES)
    assert due_for_expiry(a_message(deleted_at=EXPIRES - timedelta(days=3)), EXPIRES)
    assert not due_for_expiry(a_message(expired_at=EXPIRES), EXPIRES + timedelta(days=1))


def test_only_unread_messages_with_content_in_the_window_are_warned() -> None:
    window_opens = EXPIRES - WARN
    assert not needs_expiry_warning(a_message(), window_opens - timedelta(seconds=1), WARN)
    assert needs_expiry_warning(a_message(), window_opens, WARN)
    assert needs_expiry_warning(a_message(), EXPIRES - timedelta(seconds=1), WARN)
    assert not needs_expiry_warning(a_message(), EXPIRES, WARN), "expired, not warned"
    assert not needs_expiry_warning(a_message(read_at=window_opens), window_opens, WARN)
    assert not needs_expiry_warning(a_message(deleted_at=window_opens), window_opens, WARN)


# --- the scan, on fakes ----------------------------------------------------------------------


class InMemoryRetentionStore:
    """Every message in one unit per task, in pages of PAGE."""

    PAGE = 2

    def __init__(self, *messages: Message) -> None:
        self.messages = {m.message_id: m for m in messages}
        self.warned: set[str] = set()
        self.reminded: set[str] = set()

    async def retention_pages(self, unit: WorkUnit) -> AsyncIterator[list[Message]]:
        if unit.task is RetentionTask.EXPIRE:
            todo = [m for m in self.messages.values() if m.expired_at is None]
        else:
            done = self.warned if unit.task is RetentionTask.WARN else self.reminded
            todo = [
                m
                for m in self.messages.values()
                if m.read_at is None
                and m.has_content
                and m.folder != TRASH
                and m.message_id not in done
            ]
        for start in range(0, len(todo), self.PAGE):
            yield [replace(m, body="") for m in todo[start : start + self.PAGE]]

    async def expire_content(self, message: Message, at: datetime) -> None:
        self.messages[message.message_id] = replace(
            message, subject="", body="", attachments=(), expired_at=at
        )

    async def mark_warned(self, message_id: str, at: datetime) -> None:
        self.warned.add(message_id)

    async def mark_reminded(self, message_id: str, at: datetime) -> None:
        self.reminded.add(message_id)


class OneReplica:
    """Honours ports.RetentionWork for a single replica: one open unit per task."""

    def __init__(self) -> None:
        self.released: list[tuple[WorkUnit, bool]] = []

    async def open_units(self, task: str, now: datetime) -> list[WorkUnit]:
        return [WorkUnit(task, "all", closed=False)]

    async def hold(self, unit: WorkUnit) -> bool:
        return True

    async def release(self, unit: WorkUnit, *, done: bool) -> None:
        self.released.append((unit, done))

    async def advance(self, task: str, now: datetime, open_units: Iterable[WorkUnit]) -> None:
        pass


class ClosedUnits(OneReplica):
    """One closed unit per task (its hour is over), held for `holds` asks, then lost to
    another replica."""

    def __init__(self, holds: int = 1_000) -> None:
        super().__init__()
        self.holds = holds

    async def open_units(self, task: str, now: datetime) -> list[WorkUnit]:
        return [WorkUnit(task, "all", closed=True)]

    async def hold(self, unit: WorkUnit) -> bool:
        self.holds -= 1
        return self.holds >= 0

    def done(self, task: RetentionTask) -> list[bool]:
        return [done for unit, done in self.released if unit.task is task]


def job(
    store: InMemoryRetentionStore,
    trail: InMemoryTrail,
    publisher: RecordingPublisher,
    reminders: ReminderPolicy = NO_REMINDERS,
    work: OneReplica | None = None,
) -> RetentionJob:
    return RetentionJob(
        store=store,
        trail=trail,
        publisher=publisher,
        policy=POLICY,
        source=source_for("00000001234567890000", "berichtenbox"),
        work=work or OneReplica(),
        reminders=reminders,
    )


async def test_expiry_removes_the_content_once_and_keeps_the_trail_valid() -> None:
    store, trail = InMemoryRetentionStore(a_message()), InMemoryTrail()
    scan = job(store, trail, RecordingPublisher())
    assert await scan.run_retention_once(EXPIRES) == RetentionReport(expired=1)
    assert await scan.run_retention_once(EXPIRES + timedelta(days=1)) == RetentionReport()

    expired = store.messages["m-1"]
    assert (expired.subject, expired.body, expired.expired_at) == ("", "", EXPIRES)
    entries = await trail.entries("m-1")
    assert [(e.kind, e.cause) for e in entries] == [(TrailKind.EXPIRED, rules.EXPIRED_CAUSE)]
    assert verify_chain(entries).valid


async def test_an_unread_message_is_warned_once_and_a_failed_publish_is_retried() -> None:
    unread, read = a_message("m-1"), a_message("m-2", read_at=EXPIRES - timedelta(days=20))
    store, trail = InMemoryRetentionStore(unread, read), InMemoryTrail()
    publisher = RecordingPublisher(failures=1)
    scan = job(store, trail, publisher)
    in_window = EXPIRES - timedelta(days=5)

    assert await scan.run_retention_once(in_window) == RetentionReport(failed=1)
    assert await trail.entries("m-1") == [], "not marked as warned before the publish"
    assert await scan.run_retention_once(in_window) == RetentionReport(warned=1)
    assert await scan.run_retention_once(in_window + timedelta(days=1)) == RetentionReport()

    [(event, key)] = publisher.published
    assert key == events.MESSAGE_EXPIRING.key(SENDER_OIN)
    assert event.id == derived_event_id(unread.event_source, unread.event_id, "message-expiring")
    assert event.data["message_id"] == "m-1"
    assert [e.cause for e in await trail.entries("m-1")] == [rules.EXPIRY_WARNED_CAUSE]
    assert await trail.entries("m-2") == []


def test_the_warning_is_due_ahead_of_expiry_or_on_delivery_when_that_is_later() -> None:
    assert warning_due_at(a_message(), WARN) == EXPIRES - WARN
    late = a_message(delivered_at=EXPIRES - timedelta(days=3))
    assert warning_due_at(late, WARN) == EXPIRES - timedelta(days=3)


async def test_a_scan_goes_through_every_page_and_skips_what_is_not_due() -> None:
    due = [a_message(f"m-{n}") for n in range(5)]
    later = a_message("m-later", expires_at=EXPIRES + timedelta(days=30))
    store, trail = InMemoryRetentionStore(*due, later), InMemoryTrail()
    scan = job(store, trail, RecordingPublisher())
    assert await scan.run_retention_once(EXPIRES) == RetentionReport(expired=5)
    assert store.messages["m-later"].expired_at is None
    assert all(store.messages[m.message_id].expired_at == EXPIRES for m in due)


async def test_a_closed_unit_read_to_the_end_is_done() -> None:
    store, work = InMemoryRetentionStore(*(a_message(f"m-{n}") for n in range(5))), ClosedUnits()
    await job(store, InMemoryTrail(), RecordingPublisher(), work=work).run_retention_once(EXPIRES)
    assert work.done(RetentionTask.EXPIRE) == [True]


async def test_a_pass_that_lost_its_claim_between_pages_leaves_the_unit_open() -> None:
    store = InMemoryRetentionStore(*(a_message(f"m-{n}") for n in range(5)))
    work = ClosedUnits(holds=2)  # the claim and one renewal: lost after the second page
    await job(store, InMemoryTrail(), RecordingPublisher(), work=work).run_retention_once(EXPIRES)
    assert work.done(RetentionTask.EXPIRE) == [False], "its last pages were never read"
    assert sum(m.expired_at is not None for m in store.messages.values()) == 4


async def test_a_warning_not_due_yet_keeps_its_unit_open() -> None:
    # Stored under an earlier hour (the warning days lowered since): not passed over.
    later = a_message("m-later", expires_at=EXPIRES + timedelta(days=30))
    read = a_message("m-read", read_at=EXPIRES - timedelta(days=50))
    for messages, done in (((later, read), False), ((read,), True)):
        work = ClosedUnits()
        store = InMemoryRetentionStore(*messages)
        scan = job(store, InMemoryTrail(), RecordingPublisher(), work=work)
        await scan.run_retention_once(EXPIRES - timedelta(days=5))
        assert work.done(RetentionTask.WARN) == [done]
