"""The topology as RabbitMQ definitions of one vhost: exchanges, queues, bindings, policies.

What `mijnoverheid.provisioning` puts beside the users and permissions; the same topology the
services declare themselves (`topology.declare_topology`).
"""

from __future__ import annotations

import re
from typing import Any

from mijnoverheid.contracts import routing
from mijnoverheid.messaging import topology

TOPOLOGY_KINDS = ("exchanges", "queues", "bindings", "policies")
_QUORUM = {"x-queue-type": "quorum"}


def topology_definitions(vhost: str) -> dict[str, list[dict[str, Any]]]:
    exchanges = [
        _exchange(routing.EXCHANGE, "topic", vhost, dict(topology.EXCHANGE_ARGUMENTS)),
        _exchange(routing.UNROUTED_EXCHANGE, "fanout", vhost, {}),
        _exchange(routing.DEAD_LETTER_EXCHANGE, "direct", vhost, {}),
        _exchange(routing.REPLAY_EXCHANGE, "headers", vhost, {}),
    ]
    queues = [_queue(routing.UNROUTED_QUEUE, vhost, _QUORUM)]
    bindings = [_binding(routing.UNROUTED_EXCHANGE, routing.UNROUTED_QUEUE, "", vhost)]
    policies = []
    for service_queues in topology.SERVICE_QUEUES.values():
        for queue in service_queues:
            queues.append(_queue(queue.name, vhost, queue.arguments()))
            policies.append(
                {
                    "vhost": vhost,
                    "name": f"work-queue.{queue.name}",
                    "pattern": f"^{re.escape(queue.name)}$",
                    "apply-to": "queues",
                    "priority": 10,
                    "definition": queue.policy(),
                }
            )
            queues.append(_queue(queue.dead_letter_name, vhost, _QUORUM))
            queues += [_queue(d.name, vhost, d.arguments()) for d in queue.delays]
            bindings += [
                _binding(routing.EXCHANGE, queue.name, queue.binding_key, vhost),
                _binding(routing.REPLAY_EXCHANGE, queue.name, "", vhost, queue.replay_binding()),
                _binding(routing.DEAD_LETTER_EXCHANGE, queue.dead_letter_name, queue.name, vhost),
            ]
    return {"exchanges": exchanges, "queues": queues, "bindings": bindings, "policies": policies}


def _queue(name: str, vhost: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "vhost": vhost,
        "durable": True,
        "auto_delete": False,
        "arguments": arguments,
    }


def _binding(
    source: str, queue: str, key: str, vhost: str, arguments: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "source": source,
        "vhost": vhost,
        "destination": queue,
        "destination_type": "queue",
        "routing_key": key,
        "arguments": arguments or {},
    }


def _exchange(name: str, kind: str, vhost: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "vhost": vhost,
        "type": kind,
        "durable": True,
        "auto_delete": False,
        "internal": False,
        "arguments": arguments,
    }
