"""The inbound gate: what stands between a queue and a handler.

A subscription declares what it accepts; its gate authenticates each delivery, parses it into
the typed contract, answers refusals itself, and hands the handler a typed command. Handlers
never see bytes or AMQP objects, and never publish a rejection themselves: a rule that refuses
an event raises `Refusal`, which the gate turns into the service's rejection event.

Three kinds of sender, three gates:
- `FromOrganisations`: events organisations publish. Identity, registration and data are
  checked (`accept_inbound`); a refused event is answered on the organisation's own key.
- `FromPlatform`: another service's events (the Notifier's triggers, its statuses). Only the
  trusted broker user may publish them; anything else is dead-lettered for ops.
- `OwnCommands`: a service's commands to itself (the Notifier's retries).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.contracts.rejection import Rejected
from mijnoverheid.contracts.routing import EventRoute, oin_of_routing_key
from mijnoverheid.identity import OrganisationRegistry, ServiceName
from mijnoverheid.inbound import Accepted, Refused, Relay, accept_inbound
from mijnoverheid.kernel import Refusal, UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.messaging.topology import WorkQueue
from mijnoverheid.processing_log.model import inbound_traceparent

DataT = TypeVar("DataT", bound=BaseModel)
CommandT = TypeVar("CommandT")

AnswerRefusal = Callable[[Refused], Awaitable[None]]


@dataclass(frozen=True)
class RejectWith:
    """Answers a refused event with the service's `*-rejected` event, on the sender's key.

    Its id is derived from the refused event, so a redelivery answers with the same event.
    """

    route: EventRoute  # its data model is a `Rejected`
    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]

    async def __call__(self, refused: Refused) -> None:
        await self.publisher.publish(self.event(refused), self.route.key(refused.sender.oin))

    def event(self, refused: Refused) -> CloudEvent:
        data = self.route.data.model_validate(
            {
                "reason": refused.reason,
                "detail": refused.detail,
                "rejected_event_id": refused.event_id,
                "rejected_event_type": refused.event_type,
            }
        )
        assert isinstance(data, Rejected)
        # Event ids are unique per source: two systems of one organisation may share an id.
        return self.route.caused_by(refused.answer_key, data, source=self.source, time=self.clock())


@dataclass(frozen=True)
class FromOrganisations(Generic[DataT, CommandT]):
    """Events organisations publish to `queue`, of the type and data of `route`."""

    queue: WorkQueue
    route: EventRoute
    description: str
    registry: OrganisationRegistry
    # The service the sender must be registered for; "notifier" serves every registered one.
    service: ServiceName | Literal["notifier"]
    answer: AnswerRefusal
    # The edge: the accepted contract as the handler's command (no wire model beyond it).
    command: Callable[[Accepted[DataT]], CommandT]
    handle: Callable[[CommandT], Awaitable[None]]
    # A platform service that may publish these events for some organisations (inbound.Relay).
    relay: Relay | None = None

    @property
    def payload(self) -> type[BaseModel]:
        return self.route.data

    async def __call__(self, delivery: InboundDelivery) -> None:
        outcome: Accepted[Any] | Refused = accept_inbound(
            delivery,
            self.registry,
            self.service,
            self.route.type,
            self.route.data,
            self.route.max_bytes,
            self.relay,
        )
        if isinstance(outcome, Refused):
            await self.answer(outcome)
            return
        traceparent = (outcome.event.model_extra or {}).get("traceparent")
        trace = inbound_traceparent.set(traceparent if isinstance(traceparent, str) else None)
        try:
            await self.handle(self.command(outcome))
        except Refusal as refusal:
            event = outcome.event
            await self.answer(
                Refused(
                    outcome.sender,
                    event.id,
                    event.type,
                    refusal.reason,
                    refusal.detail,
                    event.source,
                )
            )
        finally:
            inbound_traceparent.reset(trace)


@dataclass(frozen=True)
class Trusted(Generic[DataT]):
    """A platform service's event, as its trusted publisher sent it."""

    event: CloudEvent
    data: DataT
    routing_oin: str | None  # the organisation the event is for or about


@dataclass(frozen=True)
class FromPlatform(Generic[DataT]):
    """Another service's events on `queue`; only `trusted_user` may publish them.

    `reader` reads the data (by default the route's own model): a consumer may read tolerantly,
    only the fields it needs. An event that is not what it should be is a fault for ops (it is
    dead-lettered), never mail or a record.
    """

    queue: WorkQueue
    route: EventRoute
    description: str
    trusted_user: str
    handle: Callable[[Trusted[DataT]], Awaitable[None]]
    reader: type[DataT] | None = None

    @property
    def payload(self) -> type[BaseModel]:
        return self.route.data  # what the queue carries, however tolerantly it is read

    async def __call__(self, delivery: InboundDelivery) -> None:
        if delivery.user_id != self.trusted_user:
            raise UnprocessableEventError(f"{self.route.name} from an untrusted publisher")
        try:
            event = CloudEvent.model_validate_json(delivery.body)
            data = (self.reader or self.route.data).model_validate(event.data)
        except ValidationError as error:
            raise UnprocessableEventError(
                f"{self.route.name} does not match its contract"
            ) from error
        if event.type != self.route.type:
            raise UnprocessableEventError(f"{self.route.name}: unexpected event type")
        trusted: Trusted[Any] = Trusted(event, data, oin_of_routing_key(delivery.routing_key))
        await self.handle(trusted)


@dataclass(frozen=True)
class OwnCommands(Generic[DataT]):
    """Commands a service publishes to itself (a plain JSON body, not a CloudEvent)."""

    queue: WorkQueue
    description: str
    model: type[DataT]
    own_user: str
    handle: Callable[[DataT], Awaitable[None]]

    @property
    def payload(self) -> type[BaseModel]:
        return self.model

    async def __call__(self, delivery: InboundDelivery) -> None:
        # The broker validates user_id: only this service can have published it.
        if delivery.user_id != self.own_user:
            raise UnprocessableEventError(f"{self.queue.name}: not published by this service")
        try:
            command = self.model.model_validate_json(delivery.body)
        except ValidationError as error:
            raise UnprocessableEventError(f"{self.queue.name}: not a valid command") from error
        await self.handle(command)


Subscription = FromOrganisations[Any, Any] | FromPlatform[Any] | OwnCommands[Any]
