"""The one topic exchange and its routing keys: `<service>.<event>.<OIN>`."""

from __future__ import annotations

from dataclasses import dataclass

EXCHANGE = "mijnoverheid"
# Where the exchange sends what no binding takes, so that a mandatory publish
# to an organisation that has not bound a queue yet is kept, not lost.
UNROUTED_EXCHANGE = "mijnoverheid.unrouted"
UNROUTED_QUEUE = "mijnoverheid.unrouted"
DEAD_LETTER_EXCHANGE = "mijnoverheid.dead-letter"


@dataclass(frozen=True)
class EventRoute:
    service: str
    event: str

    def key(self, oin: str) -> str:
        return f"{self.service}.{self.event}.{oin}"

    @property
    def any_organisation(self) -> str:
        return f"{self.service}.{self.event}.*"


# Inbound: published by organisations, the OIN being the sender.
MESSAGE_SENT = EventRoute("berichtenbox", "message-sent")
CASE_STATUS_CHANGED = EventRoute("zaken", "case-status-changed")
REGISTRATION_CHANGED = EventRoute("gegevens", "registration-changed")
INBOUND = (MESSAGE_SENT, CASE_STATUS_CHANGED, REGISTRATION_CHANGED)

# Outbound: published by the services, the OIN being the organisation it is meant for.
MESSAGE_DELIVERED = EventRoute("berichtenbox", "message-delivered")
MESSAGE_REJECTED = EventRoute("berichtenbox", "message-rejected")
NOTIFICATION_STATUS = EventRoute("notifier", "notification-status")
OUTBOUND = (MESSAGE_DELIVERED, MESSAGE_REJECTED, NOTIFICATION_STATUS)


def oin_of_routing_key(routing_key: str) -> str | None:
    parts = routing_key.split(".")
    return parts[2] if len(parts) == 3 else None
