"""One handler per trigger event: check who sent it, read it, hand it to the dispatcher."""

from __future__ import annotations

from pydantic import ValidationError

from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.routing import oin_of_routing_key
from mijnoverheid.identity import OrganisationRegistry, is_valid_bsn
from mijnoverheid.messaging.consumer import InboundDelivery, PoisonMessageError
from notifier.adapters.triggers import Trigger, to_request
from notifier.handlers.dispatch import Dispatcher


class TriggerHandler:
    def __init__(
        self,
        trigger: Trigger,
        *,
        trusted_publisher: str,
        registry: OrganisationRegistry,
        dispatcher: Dispatcher,
    ) -> None:
        self._trigger = trigger
        self._trusted_publisher = trusted_publisher
        self._registry = registry
        self._dispatcher = dispatcher

    async def __call__(self, delivery: InboundDelivery) -> None:
        # Only the producing service may trigger: anything else is a fault for ops, not mail.
        if delivery.user_id != self._trusted_publisher:
            raise PoisonMessageError(f"{self._trigger.route.event} from an untrusted publisher")
        try:
            event = CloudEvent.model_validate_json(delivery.body)
            data = self._trigger.model.model_validate(event.data)
        except ValidationError as error:
            raise PoisonMessageError("trigger does not match what the Notifier reads") from error
        if event.type != self._trigger.type:
            raise PoisonMessageError(f"unexpected event type {event.type}")
        if not is_valid_bsn(data.recipient_bsn):
            raise PoisonMessageError("trigger names no valid BSN")
        request = to_request(
            self._trigger, event, data, oin_of_routing_key(delivery.routing_key), self._registry
        )
        if request is not None:
            await self._dispatcher.notify(request)
