"""Prometheus metrics. Labels are queue names and outcomes only: never personal data."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

DELIVERIES = Counter(
    "mijnoverheid_deliveries_total",
    "Deliveries handled, by queue and outcome",
    ["queue", "outcome"],
)
HANDLING_SECONDS = Histogram(
    "mijnoverheid_delivery_handling_seconds",
    "Time from taking a delivery to its ack, reject or nack",
    ["queue"],
)
OUTAGE_RETRIES = Counter(
    "mijnoverheid_infrastructure_retries_total",
    "In-place retries while the database or broker was unavailable",
    ["queue"],
)
WAITS = Counter(
    "mijnoverheid_busy_waits_total",
    "Pauses of a delivery held in place while another worker holds what it needs (expected)",
    ["queue"],
)
# The Notifier's deadline: each notification reported overdue (not sent successfully in time)
# to its organisation, by the status it had then. Anything here means paper may be needed.
OVERDUE_NOTIFICATIONS = Counter(
    "mijnoverheid_notifications_overdue_total",
    "Notifications past their deadline without a successful send, by their status then",
    ["status"],
)

ACKED = "acked"
DEAD_LETTERED = "dead-lettered"
REDELIVERED = "redelivered"


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
