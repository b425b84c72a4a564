"""Retries through delay queues: a small "retry-notification" command, published by the
Notifier itself to a TTL queue, which dead-letters it into the retry work queue when the delay
is over (topology.NOTIFIER_RETRY). The trigger itself is acked: the broker holds the wait."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker
from pydantic import BaseModel, Field

from mijnoverheid.contracts.envelope import derived_event_id
from mijnoverheid.messaging.publisher import PUBLISH_TIMEOUT_SECONDS, ensure_confirmed
from mijnoverheid.messaging.topology import DelayQueue


class RetryNotification(BaseModel):
    """Internal command on `notifier.retry`: try the notification again."""

    notification_id: str
    after_attempt: int = Field(ge=1, description="the failed attempt this retry follows")


class RabbitRetryScheduler:
    def __init__(
        self,
        broker: RabbitBroker,
        user_id: str,
        queues: tuple[DelayQueue, ...],
        delays_seconds: tuple[float, ...],
    ) -> None:
        if len(delays_seconds) != len(queues):
            raise ValueError(f"give {len(queues)} retry delays, one per delay queue")
        self._broker = broker
        self._user_id = user_id
        self._queues = queues
        # Per-message expiry: the queue's TTL is the upper bound; shorter values (tests) win.
        self._delays = delays_seconds

    async def schedule(self, notification_id: str, attempt: int, delay_level: int) -> None:
        queue = self._queues[delay_level]
        command = RetryNotification(notification_id=notification_id, after_attempt=attempt)
        confirmation = await self._broker.publish(
            command.model_dump_json().encode(),
            routing_key=queue.name,  # the default exchange: straight into the delay queue
            mandatory=True,
            persist=True,
            message_id=derived_event_id(notification_id, "retry", str(attempt)),
            content_type="application/json",
            user_id=self._user_id,
            expiration=self._delays[delay_level],
            timeout=PUBLISH_TIMEOUT_SECONDS,
        )
        ensure_confirmed(confirmation, queue.name)
