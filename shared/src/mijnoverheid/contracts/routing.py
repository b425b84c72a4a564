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
MESSAGE_STATUS_REQUESTED = EventRoute("berichtenbox", "message-status-requested")
CASE_STATUS_CHANGED = EventRoute("zaken", "case-status-changed")
CASE_WITHDRAWN = EventRoute("zaken", "case-withdrawn")
CASE_STATE_REQUESTED = EventRoute("zaken", "case-state-requested")
REGISTRATION_CHANGED = EventRoute("gegevens", "registration-changed")
REGISTRATION_REMOVED = EventRoute("gegevens", "registration-removed")
NOTIFICATION_STATUS_REQUESTED = EventRoute("notifier", "notification-status-requested")
INBOUND = (
    MESSAGE_SENT,
    MESSAGE_STATUS_REQUESTED,
    CASE_STATUS_CHANGED,
    CASE_WITHDRAWN,
    CASE_STATE_REQUESTED,
    REGISTRATION_CHANGED,
    REGISTRATION_REMOVED,
    NOTIFICATION_STATUS_REQUESTED,
)

# Outbound: published by the services, the OIN being the organisation it is meant for (or, for
# the Notifier's triggers, the organisation the news comes from).
MESSAGE_DELIVERED = EventRoute("berichtenbox", "message-delivered")
MESSAGE_REJECTED = EventRoute("berichtenbox", "message-rejected")
MESSAGE_READ = EventRoute("berichtenbox", "message-read")
MESSAGE_EXPIRING = EventRoute("berichtenbox", "message-expiring")
MESSAGE_STATUS = EventRoute("berichtenbox", "message-status")
CASE_STATUS_RECORDED = EventRoute("zaken", "case-status-recorded")
CASE_STATE = EventRoute("zaken", "case-state")
ZAKEN_EVENT_REJECTED = EventRoute("zaken", "event-rejected")
REGISTRATION_RECORDED = EventRoute("gegevens", "registration-recorded")
GEGEVENS_EVENT_REJECTED = EventRoute("gegevens", "event-rejected")
NOTIFICATION_STATUS = EventRoute("notifier", "notification-status")
NOTIFICATION_OVERDUE = EventRoute("notifier", "notification-overdue")
NOTIFICATION_STATUS_REPORT = EventRoute("notifier", "notification-status-report")
OUTBOUND = (
    MESSAGE_DELIVERED,
    MESSAGE_REJECTED,
    MESSAGE_READ,
    MESSAGE_EXPIRING,
    MESSAGE_STATUS,
    CASE_STATUS_RECORDED,
    CASE_STATE,
    ZAKEN_EVENT_REJECTED,
    REGISTRATION_RECORDED,
    GEGEVENS_EVENT_REJECTED,
    NOTIFICATION_STATUS,
    NOTIFICATION_OVERDUE,
    NOTIFICATION_STATUS_REPORT,
)


def oin_of_routing_key(routing_key: str) -> str | None:
    parts = routing_key.split(".")
    return parts[2] if len(parts) == 3 else None
