"""Meta-tests of the wiring: every declared queue is consumed, every event type is documented
with a valid example, and every example validates against its contract model."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.messaging.topology import SERVICE_QUEUES
from mijnoverheid_devtools.asyncapi import SERVICES, composed

DOCS = Path(__file__).resolve().parents[1] / "docs"
_JSON_BLOCK = re.compile(r"^```json[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)

BY_TYPE = {
    route.type: route.data for route in (*events.INBOUND, *events.OUTBOUND, *events.INTERNAL_EVENTS)
}


def _examples() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for document in sorted(DOCS.glob("*.md")):
        for block in _JSON_BLOCK.findall(document.read_text(encoding="utf-8")):
            value = json.loads(block)
            if isinstance(value, dict) and "specversion" in value:
                found.append((document.name, value))
    return found


@pytest.mark.parametrize("document", SERVICES, ids=lambda document: document.name)
def test_every_declared_queue_is_consumed_and_nothing_else(document: Any) -> None:
    service = composed(document)
    subscribed = {subscriber.queue.name for subscriber in service.runtime.broker.subscribers}
    declared = {queue.name for queue in SERVICE_QUEUES[document.name]}
    assert subscribed == {queue.name for queue in service.queues} == declared


def test_every_inbound_event_is_consumed_by_its_own_service() -> None:
    queues = {queue.binding_key for queues in SERVICE_QUEUES.values() for queue in queues}
    assert {route.any_organisation for route in events.INBOUND} <= queues


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


def test_the_operations_guide_names_every_queue() -> None:
    guide = (DOCS / "operations.md").read_text(encoding="utf-8")
    queues = [queue for queues in SERVICE_QUEUES.values() for queue in queues]
    names = [queue.name for queue in queues] + [d.name for q in queues for d in q.delays]
    missing = [name for name in names if f"`{name}`" not in guide]
    assert not missing, f"docs/operations.md does not name: {missing}"


def test_the_brokers_message_size_limit_is_the_largest_route_limit() -> None:
    """Every node gets config/rabbitmq/limits.conf; compose's rabbitmq.conf and the cluster's
    cluster.conf repeat it."""
    largest = max(route.max_bytes for route in events.INBOUND)
    limits = (DOCS.parent / "config" / "rabbitmq" / "limits.conf").read_text()
    compose = (DOCS.parent / "config" / "rabbitmq" / "rabbitmq.conf").read_text()
    cluster = (DOCS.parent / "config" / "rabbitmq" / "cluster.conf").read_text()
    expected = f"max_message_size = {largest}"
    assert expected in limits.splitlines()
    assert expected in compose.splitlines()
    assert expected in cluster.splitlines()
