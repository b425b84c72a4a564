"""Exchanges and queues, declared identically by the services and by broker provisioning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

from mijnoverheid.contracts import events, routing

DEFAULT_DELIVERY_LIMIT = 10

EXCHANGE_ARGUMENTS = {"alternate-exchange": routing.UNROUTED_EXCHANGE}
EXCHANGE = RabbitExchange(
    routing.EXCHANGE, type=ExchangeType.TOPIC, durable=True, arguments=EXCHANGE_ARGUMENTS
)
UNROUTED_EXCHANGE = RabbitExchange(
    routing.UNROUTED_EXCHANGE, type=ExchangeType.FANOUT, durable=True
)
DEAD_LETTER_EXCHANGE = RabbitExchange(
    routing.DEAD_LETTER_EXCHANGE, type=ExchangeType.DIRECT, durable=True
)
REPLAY_EXCHANGE = RabbitExchange(routing.REPLAY_EXCHANGE, type=ExchangeType.HEADERS, durable=True)


@dataclass(frozen=True)
class DelayQueue:
    """A TTL queue that holds a message for `seconds`, then dead-letters it to a work queue.

    Its settings are arguments, not a policy: the delay is the queue's identity (its name says
    it), and the service must be able to declare it complete without provisioning.
    """

    name: str
    seconds: int
    target_routing_key: str
    # Bound on the main exchange with this key, for a publisher that may not write the default
    # exchange (the ZGW connector: the default exchange reaches every queue by name, past the
    # topic permissions); None: published straight into the queue by name (the Notifier).
    binding_key: str | None = None

    def arguments(self) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-message-ttl": self.seconds * 1000,
            "x-dead-letter-exchange": routing.EXCHANGE,
            "x-dead-letter-routing-key": self.target_routing_key,
            # at-least-once dead-lettering needs reject-publish overflow.
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }

    def rabbit_queue(self) -> RabbitQueue:
        arguments: Any = self.arguments()  # FastStream's TypedDict lacks some x- keys
        return RabbitQueue(self.name, queue_type=QueueType.QUORUM, arguments=arguments)


@dataclass(frozen=True)
class WorkQueue:
    """A service's durable quorum queue for one kind of event, with its dead-letter queue."""

    name: str
    binding_key: str
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT
    # Delay queues that feed this queue again later (retries with backoff), shortest first.
    delays: tuple[DelayQueue, ...] = ()

    @property
    def dead_letter_name(self) -> str:
        return f"{self.name}.dead-letter"

    def arguments(self) -> dict[str, Any]:
        # Only what can never change; the rest is a broker policy (see `policy`), because
        # queue arguments cannot be changed on an existing queue and policies can.
        return {"x-queue-type": "quorum"}

    def policy(self) -> dict[str, Any]:
        return {
            "dead-letter-exchange": routing.DEAD_LETTER_EXCHANGE,
            "dead-letter-routing-key": self.name,
            # at-least-once dead-lettering needs reject-publish overflow.
            "dead-letter-strategy": "at-least-once",
            "overflow": "reject-publish",
            "delivery-limit": self.delivery_limit,
        }

    def rabbit_queue(self) -> RabbitQueue:
        return _durable_quorum(self.name, self.binding_key)

    def dead_letter_queue(self) -> RabbitQueue:
        return _durable_quorum(self.dead_letter_name, self.name)

    def replay_binding(self) -> dict[str, Any]:
        """The arguments binding this queue to the replay exchange (routing.REPLAY_EXCHANGE)."""
        return {"x-match": "all", routing.REPLAY_HEADER: self.name}


def _durable_quorum(name: str, routing_key: str) -> RabbitQueue:
    return RabbitQueue(name, queue_type=QueueType.QUORUM, durable=True, routing_key=routing_key)


def _queue_for(route: routing.EventRoute, consumer: str, **options: Any) -> WorkQueue:
    """The consumer's queue for one event: `<consumer>.<event>`, bound for every OIN."""
    return WorkQueue(f"{consumer}.{route.event}", route.any_organisation, **options)


BERICHTENBOX_MESSAGE_SENT = _queue_for(events.MESSAGE_SENT, "berichtenbox")
ZAKEN_CASE_STATUS_CHANGED = _queue_for(events.CASE_STATUS_CHANGED, "zaken")
ZAKEN_CASE_WITHDRAWN = _queue_for(events.CASE_WITHDRAWN, "zaken")
ZAKEN_CASE_STATE_REQUESTED = _queue_for(events.CASE_STATE_REQUESTED, "zaken")
GEGEVENS_REGISTRATION_CHANGED = _queue_for(events.REGISTRATION_CHANGED, "gegevens")
GEGEVENS_REGISTRATION_REMOVED = _queue_for(events.REGISTRATION_REMOVED, "gegevens")
BERICHTENBOX_MESSAGE_STATUS_REQUESTED = _queue_for(events.MESSAGE_STATUS_REQUESTED, "berichtenbox")
BERICHTENBOX_DIGITAL_DELIVERY_REQUESTED = _queue_for(
    events.DIGITAL_DELIVERY_REQUESTED, "berichtenbox"
)
# The Berichtenbox keeps its own projection of accounts and digital consent (the portal's).
BERICHTENBOX_ACCOUNT_ACTIVATED = _queue_for(events.ACCOUNT_ACTIVATED, "berichtenbox")
BERICHTENBOX_DIGITAL_CONSENT_CHANGED = _queue_for(events.DIGITAL_CONSENT_CHANGED, "berichtenbox")
# ... and of grants (machtigen), which it enforces on every read by a helper.
BERICHTENBOX_GRANT_GIVEN = _queue_for(events.GRANT_GIVEN, "berichtenbox")
BERICHTENBOX_GRANT_WITHDRAWN = _queue_for(events.GRANT_WITHDRAWN, "berichtenbox")
# The Berichtenbox appends the Notifier's statuses to each message's trail.
BERICHTENBOX_NOTIFICATION_STATUS = _queue_for(events.NOTIFICATION_STATUS, "berichtenbox")
# The last step before a citizen hears of a message with legal effect: more tries for
# unexpected errors before a person must replay it. (Waiting for another worker's sending
# lease spends none of them: the delivery waits in place, see consumer.BusyError.)
NOTIFIER_MESSAGE_DELIVERED = _queue_for(events.MESSAGE_DELIVERED, "notifier", delivery_limit=50)
NOTIFIER_MESSAGE_EXPIRING = _queue_for(events.MESSAGE_EXPIRING, "notifier", delivery_limit=50)
NOTIFIER_MESSAGE_LEFT_UNREAD = _queue_for(events.MESSAGE_LEFT_UNREAD, "notifier", delivery_limit=50)
NOTIFIER_CASE_STATUS_RECORDED = _queue_for(
    events.CASE_STATUS_RECORDED, "notifier", delivery_limit=50
)
NOTIFIER_REGISTRATION_RECORDED = _queue_for(
    events.REGISTRATION_RECORDED, "notifier", delivery_limit=50
)
NOTIFIER_NOTIFICATION_STATUS_REQUESTED = _queue_for(
    events.NOTIFICATION_STATUS_REQUESTED, "notifier"
)
# The Notifier's own retries: a "retry-notification" command waits in a delay queue, which
# dead-letters it (on the exchange, with this internal key) into the retry work queue. No
# organisation may publish this key (topic permissions); the Notifier checks user_id too.
NOTIFIER_RETRY_KEY = "notifier.retry"
NOTIFIER_RETRY_DELAYS = ((10, "10s"), (60, "1m"), (600, "10m"), (3600, "1h"))
NOTIFIER_RETRY = WorkQueue(
    NOTIFIER_RETRY_KEY,
    NOTIFIER_RETRY_KEY,
    delivery_limit=50,
    delays=tuple(
        DelayQueue(f"{NOTIFIER_RETRY_KEY}.{label}", seconds, NOTIFIER_RETRY_KEY)
        for seconds, label in NOTIFIER_RETRY_DELAYS
    ),
)

# The ZGW connector: a thin case event accepted over HTTPS waits here until it is processed; one
# that finds its case not yet complete in the ZGW API waits in a delay queue (bound on the main
# exchange: the connector may not write the default exchange) and comes back. Only the
# connector may publish these keys (topic permissions), and it checks user_id too.
ZGW_CONNECTOR = "zgw-connector"
ZGW_THIN_EVENT_KEY = f"{ZGW_CONNECTOR}.thin-event"
ZGW_RETRY_DELAYS = ((10, "10s"), (60, "1m"), (600, "10m"), (3600, "1h"))
ZGW_THIN_EVENT = WorkQueue(
    ZGW_THIN_EVENT_KEY,
    ZGW_THIN_EVENT_KEY,
    delays=tuple(
        DelayQueue(
            f"{ZGW_THIN_EVENT_KEY}.{label}",
            seconds,
            ZGW_THIN_EVENT_KEY,
            binding_key=f"{ZGW_THIN_EVENT_KEY}.{label}",
        )
        for seconds, label in ZGW_RETRY_DELAYS
    ),
)

# Every queue a service consumes; provisioning declares them all up front, so that nothing
# published before a service first starts is lost.
SERVICE_QUEUES: dict[str, tuple[WorkQueue, ...]] = {
    "berichtenbox": (
        BERICHTENBOX_MESSAGE_SENT,
        BERICHTENBOX_MESSAGE_STATUS_REQUESTED,
        BERICHTENBOX_NOTIFICATION_STATUS,
        BERICHTENBOX_DIGITAL_DELIVERY_REQUESTED,
        BERICHTENBOX_ACCOUNT_ACTIVATED,
        BERICHTENBOX_DIGITAL_CONSENT_CHANGED,
        BERICHTENBOX_GRANT_GIVEN,
        BERICHTENBOX_GRANT_WITHDRAWN,
    ),
    "zaken": (ZAKEN_CASE_STATUS_CHANGED, ZAKEN_CASE_WITHDRAWN, ZAKEN_CASE_STATE_REQUESTED),
    "gegevens": (GEGEVENS_REGISTRATION_CHANGED, GEGEVENS_REGISTRATION_REMOVED),
    "notifier": (
        NOTIFIER_MESSAGE_DELIVERED,
        NOTIFIER_MESSAGE_EXPIRING,
        NOTIFIER_MESSAGE_LEFT_UNREAD,
        NOTIFIER_CASE_STATUS_RECORDED,
        NOTIFIER_REGISTRATION_RECORDED,
        NOTIFIER_NOTIFICATION_STATUS_REQUESTED,
        NOTIFIER_RETRY,
    ),
    ZGW_CONNECTOR: (ZGW_THIN_EVENT,),
}
UNROUTED_QUEUE = RabbitQueue(routing.UNROUTED_QUEUE, queue_type=QueueType.QUORUM, durable=True)


# The exchanges as a service that may not configure them sees them: declared passively (they
# must exist already, provisioned), which needs no permission on them.
PASSIVE_EXCHANGE = RabbitExchange(
    routing.EXCHANGE,
    type=ExchangeType.TOPIC,
    durable=True,
    arguments=EXCHANGE_ARGUMENTS,
    declare=False,
)
_PASSIVE = (
    PASSIVE_EXCHANGE,
    RabbitExchange(
        routing.DEAD_LETTER_EXCHANGE, type=ExchangeType.DIRECT, durable=True, declare=False
    ),
    RabbitExchange(routing.REPLAY_EXCHANGE, type=ExchangeType.HEADERS, durable=True, declare=False),
)


async def declare_topology(
    broker: RabbitBroker, queues: tuple[WorkQueue, ...], *, shared: bool = True
) -> None:
    """Declare (idempotently) everything a service relies on before it publishes or consumes.

    `shared=False`: a service without configure permission on the shared exchanges (the ZGW
    connector) only checks that they exist and declares its own queues.
    """
    if shared:
        await broker.declare_exchange(UNROUTED_EXCHANGE)
        unrouted = await broker.declare_queue(UNROUTED_QUEUE)
        await unrouted.bind(routing.UNROUTED_EXCHANGE)
        await broker.declare_exchange(EXCHANGE)
        await broker.declare_exchange(DEAD_LETTER_EXCHANGE)
        await broker.declare_exchange(REPLAY_EXCHANGE)
    else:
        for exchange in _PASSIVE:
            await broker.declare_exchange(exchange)
    for queue in queues:
        dead_letters = await broker.declare_queue(queue.dead_letter_queue())
        await dead_letters.bind(routing.DEAD_LETTER_EXCHANGE, routing_key=queue.name)
        work = await broker.declare_queue(queue.rabbit_queue())
        await work.bind(routing.EXCHANGE, routing_key=queue.binding_key)
        await work.bind(routing.REPLAY_EXCHANGE, routing_key="", arguments=queue.replay_binding())
        for delay in queue.delays:
            delayed = await broker.declare_queue(delay.rabbit_queue())
            if delay.binding_key is not None:
                await delayed.bind(routing.EXCHANGE, routing_key=delay.binding_key)
