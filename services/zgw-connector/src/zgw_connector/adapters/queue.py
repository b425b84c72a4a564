"""The connector's own queue: a thin event accepted over HTTPS waits in
`zgw-connector.thin-event` (durable, quorum) until it is processed; one whose zaak is not
complete yet waits in a delay queue and comes back (topology.ZGW_THIN_EVENT). Published on the
main exchange with the connector's internal keys, which only it may write."""

from __future__ import annotations

from datetime import datetime

from faststream.rabbit import RabbitBroker
from pydantic import BaseModel, Field

from mijnoverheid.kernel import derived_event_id
from mijnoverheid.messaging.publisher import PUBLISH_TIMEOUT_SECONDS, ensure_confirmed
from mijnoverheid.messaging.topology import EXCHANGE, ZGW_THIN_EVENT, ZGW_THIN_EVENT_KEY


class ThinEventCommand(BaseModel):
    """Internal command on `zgw-connector.thin-event`: process this thin event (attempt n).
    No personal data: the event's envelope and the zaak's URL."""

    oin: str = Field(description="the organisation whose credentials delivered it")
    event_id: str
    event_source: str
    event_type: str
    event_time: datetime
    zaak_url: str
    attempt: int = Field(default=1, ge=1)


class RabbitThinEventQueue:
    def __init__(
        self, broker: RabbitBroker, user_id: str, delays_seconds: tuple[float, ...]
    ) -> None:
        if len(delays_seconds) != len(ZGW_THIN_EVENT.delays):
            raise ValueError(f"give {len(ZGW_THIN_EVENT.delays)} retry delays, one per queue")
        self._broker = broker
        self._user_id = user_id
        # Per-message expiry: the queue's TTL is the upper bound; shorter values (tests) win.
        self._delays = delays_seconds

    async def enqueue(self, command: ThinEventCommand) -> None:
        await self._publish(command, ZGW_THIN_EVENT_KEY, None)

    async def retry_later(self, command: ThinEventCommand, level: int) -> None:
        delay = ZGW_THIN_EVENT.delays[level]
        assert delay.binding_key is not None
        again = command.model_copy(update={"attempt": command.attempt + 1})
        await self._publish(again, delay.binding_key, self._delays[level])

    async def _publish(self, command: ThinEventCommand, key: str, delay: float | None) -> None:
        message_id = derived_event_id(
            command.oin, command.event_source, command.event_id, "zgw", str(command.attempt)
        )
        confirmation = await self._broker.publish(
            command.model_dump_json().encode(),
            exchange=EXCHANGE,
            routing_key=key,
            mandatory=True,
            persist=True,
            message_id=message_id,
            content_type="application/json",
            user_id=self._user_id,
            expiration=delay,
            timeout=PUBLISH_TIMEOUT_SECONDS,
        )
        ensure_confirmed(confirmation, key)
