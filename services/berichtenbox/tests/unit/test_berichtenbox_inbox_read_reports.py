"""The citizen's inbox on in-memory fakes: the first read is recorded and reported once, and a
failed report is owed, retried and swept, also after a crash."""

from __future__ import annotations

from datetime import timedelta

import pytest

from berichtenbox.domain import mailbox as rules
from berichtenbox.handlers.read_reports import UNREAD_GRACE
from berichtenbox.ports import Record
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import derived_event_id
from services.berichtenbox.tests.unit.inbox_world import (
    BSN,
    NOW,
    SENDER_OIN,
    a_message,
    world,
)


def read_report_id() -> str:
    message = a_message()
    return derived_event_id(message.event_source, message.event_id, "message-read")


async def test_the_first_read_is_recorded_and_reported_once() -> None:
    w = world(a_message())
    first = await w.inbox.open(BSN, "m-1")
    w.clock.now += timedelta(hours=1)
    again = await w.inbox.open(BSN, "m-1")

    assert first.read_at == again.read_at == NOW
    assert w.trail.causes("m-1") == [rules.READ_CAUSE, rules.READ_REPORTED_CAUSE]
    [(event, key)] = w.publisher.published
    assert key == events.MESSAGE_READ.key(SENDER_OIN)
    assert event.id == read_report_id()
    assert event.data["read_at"].startswith("2026-03-02T10:00:00")
    assert "recipient_bsn" not in event.data


async def test_a_failed_report_is_owed_and_the_sweep_sends_it_without_another_read() -> None:
    w = world(a_message(), failures=1)
    await w.inbox.open(BSN, "m-1")
    assert list(w.outbox.owed_reports) == ["m-1"]

    assert await w.read_reports.sweep_once() == 1
    [(event, _)] = w.publisher.published
    assert event.id == read_report_id()
    assert w.outbox.owed_reports == {}
    assert w.trail.causes("m-1") == [rules.READ_CAUSE, rules.READ_REPORTED_CAUSE]
    assert await w.read_reports.sweep_once() == 0


class CrashAfterReadError(Exception):
    pass


async def test_a_crash_right_after_the_read_is_recorded_still_reports_it() -> None:
    # Found in review: the read entry came first, so a crash before the outbox row lost the
    # message-read for good (unless the citizen opened the message again).
    w = world(a_message())
    recorded = w.trail.append

    async def append_then_crash(message_id: str, record: Record) -> None:
        await recorded(message_id, record)
        raise CrashAfterReadError

    w.trail.append = append_then_crash  # type: ignore[method-assign]
    with pytest.raises(CrashAfterReadError):
        await w.inbox.open(BSN, "m-1")
    w.trail.append = recorded  # type: ignore[method-assign]

    w.clock.now += timedelta(minutes=1)
    assert await w.read_reports.sweep_once() == 1
    [(event, _)] = w.publisher.published
    assert event.id == read_report_id()
    assert event.data["read_at"].startswith("2026-03-02T10:00:00"), "the trail's read time"
    assert w.outbox.owed_reports == {}


async def test_a_report_owed_for_a_read_that_never_happened_is_dropped_after_the_grace() -> None:
    w = world(a_message())
    await w.read_reports.owe("m-1")  # the request died before the read was recorded
    assert await w.read_reports.sweep_once() == 0
    assert list(w.outbox.owed_reports) == ["m-1"], "perhaps a read still in flight"
    w.clock.now += UNREAD_GRACE + timedelta(seconds=1)
    assert await w.read_reports.sweep_once() == 0
    assert w.outbox.owed_reports == {}
    assert w.publisher.published == []


async def test_a_failed_report_is_retried_on_the_next_read_with_the_same_event() -> None:
    w = world(a_message(), failures=1)
    message = await w.inbox.open(BSN, "m-1")
    assert message.body, "the citizen gets the message although the sender was not told"
    assert w.trail.causes("m-1") == [rules.READ_CAUSE]

    w.clock.now += timedelta(minutes=5)
    await w.inbox.open(BSN, "m-1")
    [(event, _)] = w.publisher.published
    assert event.id == read_report_id()
    assert event.time == NOW, "the read time is the first read's, not the retry's"
    assert w.trail.causes("m-1") == [rules.READ_CAUSE, rules.READ_REPORTED_CAUSE]
