"""The handlers with in-memory fakes: a 5xx is final, a 4xx schedules a retry that is resumed,
stale retries do nothing and a notification being sent elsewhere is busy until its lease ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid_testing.stack import demo_registry
from notifier.domain.attempt import Deferred, Refused, smtp_reply
from notifier.domain.notification import notification_id_for
from notifier.ports import NotificationBusyError
from services.notifier.tests.unit.fakes import (
    BERICHTENBOX_SOURCE,
    LEASE,
    World,
    delivery,
    gates,
)
from services.notifier.tests.unit.handlers.harness import delivered


async def test_a_5xx_is_final_even_when_the_trigger_comes_again(world: World) -> None:
    world.mailer.script = [Refused(smtp_reply(550, "5.7.1 rejected"))]
    await world.handler(delivery(delivered()))
    world.clock.now += LEASE * 2
    await world.handler(delivery(delivered()))
    assert len(world.mailer.attempts) == 1
    assert world.retries.scheduled == []
    # The redelivery re-emits the whole history, not a second attempt.
    assert world.statuses() == ["created", "sending", "permanent-failure"] * 2


async def test_a_4xx_schedules_a_retry_which_then_sends(world: World) -> None:
    world.mailer.script = [Deferred("relay-deferred", smtp_reply(451, "4.3.0 later"))]
    await world.handler(delivery(delivered()))
    notification_id = world.store.only().notification_id
    assert world.retries.scheduled == [(notification_id, 1, 0)]
    assert world.statuses() == ["created", "sending", "temporary-failure"]

    retry = gates(world.dispatcher, demo_registry())["notifier.retry"]
    command = f'{{"notification_id": "{notification_id}", "after_attempt": 1}}'.encode()
    await retry(InboundDelivery(command, "notifier.retry", "notifier", None))
    await retry(InboundDelivery(command, "notifier.retry", "notifier", None))  # a duplicate
    assert len(world.mailer.attempts) == 2
    assert world.statuses()[:5] == ["created", "sending", "temporary-failure", "sending", "sent"]
    assert world.store.only().status.value == "sent"


async def test_a_redelivered_trigger_during_the_backoff_reschedules_not_sends(
    world: World,
) -> None:
    world.mailer.script = [Deferred("connection-lost")]
    await world.handler(delivery(delivered()))
    await world.handler(delivery(delivered()))
    assert len(world.mailer.attempts) == 1
    assert len(world.retries.scheduled) == 2
    assert len(set(world.retries.scheduled)) == 1, "the same retry, deduplicated downstream"


async def test_a_stale_or_foreign_retry_does_nothing(world: World) -> None:
    world.mailer.script = [Deferred("connection-lost")]
    await world.handler(delivery(delivered()))
    notification_id = world.store.only().notification_id
    await world.dispatcher.retry(notification_id, after_attempt=5)
    await world.dispatcher.retry("unknown", after_attempt=1)
    assert len(world.mailer.attempts) == 1
    retry = gates(world.dispatcher, demo_registry())["notifier.retry"]
    with pytest.raises(UnprocessableEventError):
        await retry(InboundDelivery(b"{}", "notifier.retry", "berichtenbox", None))


async def test_deferrals_end_in_a_permanent_failure_after_the_last_attempt(world: World) -> None:
    world.mailer.script = [Deferred("relay-deferred")] * 3
    await world.handler(delivery(delivered()))
    for attempt in (1, 2):
        await world.dispatcher.retry(world.store.only().notification_id, attempt)
    assert len(world.mailer.attempts) == 3
    assert world.statuses() == [
        "created",
        "sending",
        "temporary-failure",
        "sending",
        "temporary-failure",
        "sending",
        "permanent-failure",
    ]
    assert world.publisher.published[-1][0].data["reason"] == "attempts-exhausted"
    assert [level for _, _, level in world.retries.scheduled] == [0, 1]


async def test_a_notification_another_worker_is_sending_is_busy_until_its_lease_ends(
    world: World,
) -> None:
    event = delivered()
    notification_id = notification_id_for(BERICHTENBOX_SOURCE, event.id)
    await world.handler(delivery(event))
    # Pretend the first worker crashed right after its claim.
    claimed = world.store.only()
    world.store.notifications[notification_id] = replace(claimed, history=claimed.history[:2])
    world.mailer.attempts.clear()
    world.clock.now += timedelta(seconds=30)
    with pytest.raises(NotificationBusyError) as busy:
        await world.handler(delivery(event))
    # The wait is over when the lease is: the consumer waits in place at most that long.
    assert busy.value.retry_after_seconds == (LEASE - timedelta(seconds=30)).total_seconds()
    world.clock.now += LEASE + timedelta(seconds=1)
    await world.handler(delivery(event))
    assert len(world.mailer.attempts) == 1
    assert world.store.only().attempts == 2
