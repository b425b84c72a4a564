"""The one topic exchange and its routing keys: `<service>.<event>.<OIN>`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from mijnoverheid.contracts.envelope import CloudEvent, new_event
from mijnoverheid.kernel import derived_event_id

EXCHANGE = "mijnoverheid"
# Where the exchange sends what no binding takes, so that a mandatory publish
# to an organisation that has not bound a queue yet is kept, not lost.
UNROUTED_EXCHANGE = "mijnoverheid.unrouted"
UNROUTED_QUEUE = "mijnoverheid.unrouted"
DEAD_LETTER_EXCHANGE = "mijnoverheid.dead-letter"
# Where ops replay a dead letter (python -m mijnoverheid.deadletters): a headers exchange that
# routes on REPLAY_HEADER = the work queue's name, so a replayed delivery reaches exactly the
# queue it died in, with its own routing key (the main exchange would copy it to every queue
# bound to that key again, organisations' own queues included). Organisations may not write it.
REPLAY_EXCHANGE = "mijnoverheid.replay"
REPLAY_HEADER = "mijnoverheid-replay-to"
TYPE_PREFIX = "nl.mijnoverheid"
# The largest event a route takes unless it says otherwise; bodies above a route's limit are
# refused (too-large) before they are parsed. The broker's max_message_size is the largest
# route limit (config/rabbitmq/rabbitmq.conf).
DEFAULT_MAX_EVENT_BYTES = 256 * 1024


class Direction(StrEnum):
    # Published by organisations; the OIN in the key is the sender's.
    INBOUND = "inbound"
    # Published by a service; the OIN in the key is the organisation it is for (or, for the
    # Notifier's triggers, the organisation the news comes from).
    OUTBOUND = "outbound"
    # Published by a service for other services only (organisations may not bind them); the
    # OIN in the key is the platform's.
    INTERNAL = "internal"


@dataclass(frozen=True)
class EventRoute:
    """One kind of event: where it travels, its CloudEvent type, its data and its meaning."""

    service: str
    event: str
    data: type[BaseModel]
    direction: Direction
    description: str
    max_bytes: int = DEFAULT_MAX_EVENT_BYTES

    @property
    def type(self) -> str:
        return f"{TYPE_PREFIX}.{self.service}.{self.event}"

    @property
    def name(self) -> str:
        return f"{self.service}.{self.event}"

    def new_event(self, data: BaseModel, *, source: str, id_: str, time: datetime) -> CloudEvent:
        """An event of this kind (ids of emitted events are derived: see derived_event_id)."""
        return new_event(source=source, type_=self.type, data=data, id_=id_, time=time)

    def caused_by(
        self, cause: tuple[str, str], data: BaseModel, *, source: str, time: datetime
    ) -> CloudEvent:
        """The one event of this kind that the event `cause` (its source, its id: ids are unique
        per source) gives rise to. Its id is derived from the cause's, so a redelivered cause
        re-emits the very same event and receivers deduplicate it."""
        id_ = derived_event_id(*cause, self.event)
        return self.new_event(data, source=source, id_=id_, time=time)

    def key(self, oin: str) -> str:
        return f"{self.service}.{self.event}.{oin}"

    @property
    def any_organisation(self) -> str:
        return f"{self.service}.{self.event}.*"


def oin_of_routing_key(routing_key: str) -> str | None:
    parts = routing_key.split(".")
    return parts[2] if len(parts) == 3 else None
