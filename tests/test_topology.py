"""Meta-tests of the wiring: every declared queue is consumed, every event type is documented
with a valid example, and every example validates against its contract model."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from mijnoverheid.asyncapi import SERVICES, build_broker
from mijnoverheid.contracts import berichtenbox, gegevens, notifier, routing, zaken
from mijnoverheid.contracts.envelope import CloudEvent, event_type
from mijnoverheid.messaging.topology import SERVICE_QUEUES

DOCS = Path(__file__).resolve().parents[1] / "docs"
_JSON_BLOCK = re.compile(r"^```json[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)

MODELS: dict[routing.EventRoute, type[BaseModel]] = {
    routing.MESSAGE_SENT: berichtenbox.MessageSent,
    routing.MESSAGE_STATUS_REQUESTED: berichtenbox.MessageStatusRequested,
    routing.MESSAGE_DELIVERED: berichtenbox.MessageDelivered,
    routing.MESSAGE_REJECTED: berichtenbox.MessageRejected,
    routing.MESSAGE_READ: berichtenbox.MessageRead,
    routing.MESSAGE_EXPIRING: berichtenbox.MessageExpiring,
    routing.MESSAGE_STATUS: berichtenbox.MessageStatus,
    routing.CASE_STATUS_CHANGED: zaken.CaseStatusChanged,
    routing.CASE_WITHDRAWN: zaken.CaseWithdrawn,
    routing.CASE_STATE_REQUESTED: zaken.CaseStateRequested,
    routing.CASE_STATUS_RECORDED: zaken.CaseStatusRecorded,
    routing.CASE_STATE: zaken.CaseState,
    routing.ZAKEN_EVENT_REJECTED: zaken.ZakenEventRejected,
    routing.REGISTRATION_CHANGED: gegevens.RegistrationChanged,
    routing.REGISTRATION_REMOVED: gegevens.RegistrationRemoved,
    routing.REGISTRATION_RECORDED: gegevens.RegistrationRecorded,
    routing.GEGEVENS_EVENT_REJECTED: gegevens.GegevensEventRejected,
    routing.NOTIFICATION_STATUS: notifier.NotificationStatus,
    routing.NOTIFICATION_STATUS_REQUESTED: notifier.NotificationStatusRequested,
    routing.NOTIFICATION_STATUS_REPORT: notifier.NotificationStatusReport,
    routing.NOTIFICATION_OVERDUE: notifier.NotificationOverdue,
}
BY_TYPE = {event_type(route.service, route.event): model for route, model in MODELS.items()}


def _examples() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for document in sorted(DOCS.glob("*.md")):
        for block in _JSON_BLOCK.findall(document.read_text(encoding="utf-8")):
            value = json.loads(block)
            if isinstance(value, dict) and "specversion" in value:
                found.append((document.name, value))
    return found


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_every_declared_queue_has_a_consumer(service: Any) -> None:
    consumed = {subscriber.queue.name for subscriber in build_broker(service).subscribers}
    declared = {queue.name for queue in SERVICE_QUEUES[service.name]}
    assert declared <= consumed, f"declared but not consumed: {sorted(declared - consumed)}"


def test_every_route_has_a_contract_model() -> None:
    missing = [route for route in (*routing.INBOUND, *routing.OUTBOUND) if route not in MODELS]
    assert not missing, f"routes without a model in this test: {missing}"


def test_every_event_type_is_documented_with_an_example() -> None:
    documented = {example["type"] for _, example in _examples()}
    missing = sorted(set(BY_TYPE) - documented)
    assert not missing, f"event types without an example in docs/*.md: {missing}"


@pytest.mark.parametrize(
    ("document", "example"), _examples(), ids=lambda v: v if isinstance(v, str) else v["type"]
)
def test_every_documented_example_is_valid(document: str, example: dict[str, Any]) -> None:
    event = CloudEvent.model_validate(example)
    assert event.type in BY_TYPE, f"{document}: unknown event type {event.type}"
    BY_TYPE[event.type].model_validate(event.data)
