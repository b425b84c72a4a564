"""The retry queue: a delay is over, try the notification again."""

from __future__ import annotations

from pydantic import ValidationError

from mijnoverheid.messaging.consumer import InboundDelivery, PoisonMessageError
from notifier.adapters.retries import RetryNotification
from notifier.handlers.dispatch import Dispatcher


class RetryHandler:
    def __init__(self, *, own_user: str, dispatcher: Dispatcher) -> None:
        self._own_user = own_user
        self._dispatcher = dispatcher

    async def __call__(self, delivery: InboundDelivery) -> None:
        # Only the Notifier schedules retries (the broker validates user_id).
        if delivery.user_id != self._own_user:
            raise PoisonMessageError("retry not published by the Notifier")
        try:
            command = RetryNotification.model_validate_json(delivery.body)
        except ValidationError as error:
            raise PoisonMessageError("not a retry-notification command") from error
        await self._dispatcher.retry(command.notification_id, command.after_attempt)
