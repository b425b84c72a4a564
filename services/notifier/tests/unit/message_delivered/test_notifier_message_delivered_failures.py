"""message-delivered → e-mail with in-memory fakes: refusals are final, deferrals are retried up
to the maximum, errors leave the notification retryable and redeliveries send nothing new."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mijnoverheid.contracts.envelope import (
    encode,
)
from notifier.domain import notification as n
from notifier.domain.attempt import Deferred, Refused, smtp_reply
from notifier.domain.notification import State, notification_id_for
from notifier.ports import (
    NotificationBusyError,
)
from services.notifier.tests.unit.fakes import (
    ADDRESS,
    BERICHTENBOX_SOURCE,
    LEASE,
    World,
    delivery,
)
from services.notifier.tests.unit.message_delivered.harness import (
    POLICY,
    delivered_event,
    only_outcome,
)


async def test_a_5xx_refusal_is_a_permanent_failure(world: World) -> None:
    world.mailer.script = [Refused(smtp_reply(550, "5.7.1 Message rejected as spam"))]
    await world.handler(delivery(delivered_event()))

    assert len(world.mailer.attempts) == 1
    notification = world.store.only()
    assert notification.status is State.PERMANENT_FAILURE
    assert notification.is_terminal()
    assert world.statuses() == ["created", "sending", "permanent-failure"]
    status, _ = only_outcome(world)
    assert status.data["status"] == "permanent-failure"
    assert status.data["reason"] == n.RELAY_REFUSED
    assert status.data["smtp_reply"]["code"] == 550
    assert world.retries.scheduled == []


async def test_the_relays_reply_is_passed_on_without_the_citizens_address(world: World) -> None:
    world.mailer.script = [
        Refused(smtp_reply(550, f"5.1.1 <{ADDRESS}>: Recipient address rejected"))
    ]
    await world.handler(delivery(delivered_event()))
    status, _ = only_outcome(world)
    assert status.data["status"] == "permanent-failure"
    assert "Recipient address rejected" in status.data["smtp_reply"]["message"]
    for event, _ in world.publisher.published:
        assert ADDRESS.encode() not in encode(event)


async def test_a_permanent_failure_is_final_even_when_the_trigger_is_redelivered(
    world: World,
) -> None:
    world.mailer.script = [Refused(smtp_reply(554, "5.0.0 no"))]
    trigger = delivery(delivered_event())
    await world.handler(trigger)
    world.clock.advance(LEASE * 10)
    await world.handler(trigger)

    assert len(world.mailer.attempts) == 1
    # The redelivery re-emits the whole history, not a second attempt.
    assert world.statuses() == ["created", "sending", "permanent-failure"] * 2


async def test_a_deferral_is_a_temporary_failure_retried_later(world: World) -> None:
    world.mailer.script = [Deferred(n.RELAY_DEFERRED, smtp_reply(451, "4.3.0 try later"))]
    event = delivered_event()
    await world.handler(delivery(event))  # acked: the retry queue takes it from here

    notification_id = notification_id_for(BERICHTENBOX_SOURCE, event.id)
    notification = world.store.only()
    assert notification.status is State.TEMPORARY_FAILURE
    assert not notification.is_terminal()
    assert world.retries.scheduled == [(notification_id, 1, 0)]
    assert world.statuses() == ["created", "sending", "temporary-failure"]

    world.clock.advance(timedelta(seconds=10))
    await world.dispatcher.retry(notification_id, 1)
    assert len(world.mailer.attempts) == 2
    assert world.store.only().status is State.SENT
    assert world.statuses() == ["created", "sending", "temporary-failure", "sending", "sent"]
    assert [event.data["attempt"] for event, _ in world.publisher.published[1:]] == [1, 1, 2, 2]


async def test_a_stale_retry_does_nothing_new(world: World) -> None:
    world.mailer.script = [Deferred(n.CONNECTION_LOST)]
    event = delivered_event()
    await world.handler(delivery(event))
    notification_id = notification_id_for(BERICHTENBOX_SOURCE, event.id)
    await world.dispatcher.retry(notification_id, 1)
    await world.dispatcher.retry(notification_id, 1)  # the retry command, redelivered
    assert len(world.mailer.attempts) == 2


async def test_deferrals_up_to_the_maximum_end_in_a_permanent_failure(world: World) -> None:
    world.mailer.script = [Deferred(n.CONNECTION_LOST)] * POLICY.max_attempts
    event = delivered_event()
    await world.handler(delivery(event))
    notification_id = notification_id_for(BERICHTENBOX_SOURCE, event.id)
    for attempt in range(1, POLICY.max_attempts):
        await world.dispatcher.retry(notification_id, attempt)

    assert len(world.mailer.attempts) == POLICY.max_attempts
    notification = world.store.only()
    assert notification.status is State.PERMANENT_FAILURE
    assert notification.last_change.reason == n.ATTEMPTS_EXHAUSTED
    assert [level for _, _, level in world.retries.scheduled] == [0, 1]


async def test_an_error_while_sending_propagates_and_the_notification_stays_retryable(
    world: World,
) -> None:
    world.mailer.script = [ConnectionResetError("relay went away")]
    trigger = delivery(delivered_event())

    with pytest.raises(ConnectionResetError):
        await world.handler(trigger)  # not acked: the broker redelivers it
    assert world.publisher.published == []
    notification = world.store.only()
    assert notification.status is State.SENDING
    assert not notification.is_terminal()

    # Redelivered while the failed attempt's lease runs: come back later, do not send twice.
    world.clock.advance(LEASE)
    with pytest.raises(NotificationBusyError):
        await world.handler(trigger)
    assert len(world.mailer.attempts) == 1

    # Once the lease has run out, the next redelivery sends.
    world.clock.advance(timedelta(seconds=1))
    await world.handler(trigger)
    assert len(world.mailer.attempts) == 2
    assert world.store.only().status is State.SENT
    assert [event.data["status"] for event, _ in world.outcomes()] == ["sent"]
    # The crashed attempt never reported its steps; the take-over reports the whole history.
    assert world.statuses() == ["created", "sending", "sending", "sent"]


async def test_a_redelivery_after_success_re_emits_the_same_status_and_sends_nothing(
    world: World,
) -> None:
    trigger = delivery(delivered_event())
    await world.handler(trigger)
    world.clock.advance(timedelta(minutes=10))
    await world.handler(trigger)

    assert len(world.mailer.attempts) == 1
    assert world.statuses() == ["created", "sending", "sent"] * 2
    first, second = world.publisher.published[:3], world.publisher.published[3:]
    assert [key for _, key in first] == [key for _, key in second]
    assert [event.id for event, _ in first] == [event.id for event, _ in second]
    assert [encode(event) for event, _ in first] == [encode(event) for event, _ in second]
