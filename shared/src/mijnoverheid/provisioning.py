"""RabbitMQ definitions (users, permissions, topology) derived from the registry and topology.

One generator serves the local stack (`rabbitmqctl import_definitions`) and docker compose
(`load_definitions`), so both enforce the same rules:
- an organisation may publish only its own inbound routing keys, with user_id = its broker user;
- it may declare only queues named `org.<OIN>.*` and bind them only to its own outbound keys.
Local passwords follow `<user>-local-secret`: for the local stack and demos only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from mijnoverheid.contracts import events, routing
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging import topology
from mijnoverheid.settings import REPOSITORY_ROOT

ADMIN_USER = "mijnoverheid-admin"
# Ops' user for dead letters (python -m mijnoverheid.deadletters): reads the dead-letter queues
# and writes only the replay exchange, as the original publisher (the `impersonator` tag lets
# it keep a replayed delivery's user_id, which the services check).
OPERATOR_USER = "mijnoverheid-operator"
SERVICE_USERS = ("berichtenbox", "zaken", "gegevens", "notifier", "portal")
DEFAULT_VHOSTS = ("mijnoverheid",)


def local_password(user: str) -> str:
    return f"{user}-local-secret"


def organisation_queue_prefix(oin: str) -> str:
    return f"org.{oin}."


def inbound_write_pattern(oin: str) -> str:
    keys = "|".join(re.escape(f"{route.service}.{route.event}") for route in events.INBOUND)
    return f"^({keys})\\.{oin}$"


def outbound_read_pattern(oin: str) -> str:
    keys = "|".join(re.escape(f"{route.service}.{route.event}") for route in events.OUTBOUND)
    return f"^({keys})\\.{oin}$"


def _password_hash(user: str, password: str) -> str:
    # rabbit_password_hashing_sha256; the salt is derived from the name so output is stable.
    salt = hashlib.sha256(user.encode()).digest()[:4]
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def _user(name: str, tags: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "password_hash": _password_hash(name, local_password(name)),
        "hashing_algorithm": "rabbit_password_hashing_sha256",
        "tags": tags,
    }


def _organisation_permissions(org: Organisation, vhost: str) -> dict[str, Any]:
    own_queues = re.escape(organisation_queue_prefix(org.oin)) + ".*"
    exchange = re.escape(routing.EXCHANGE)
    return {
        "user": org.broker_user,
        "vhost": vhost,
        "configure": f"^{own_queues}$",
        "write": f"^({exchange}|{own_queues})$",
        "read": f"^({exchange}|{own_queues})$",
    }


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


def _operator_permissions(vhost: str) -> dict[str, Any]:
    return {
        "user": OPERATOR_USER,
        "vhost": vhost,
        "configure": "^$",
        "write": f"^{re.escape(routing.REPLAY_EXCHANGE)}$",
        "read": r"^.*\.dead-letter$",
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


def definitions(
    registry: OrganisationRegistry, vhosts: tuple[str, ...] = DEFAULT_VHOSTS
) -> dict[str, Any]:
    users = [_user(ADMIN_USER, ["administrator"])]
    users += [_user(OPERATOR_USER, ["impersonator"])]
    users += [_user(name, []) for name in SERVICE_USERS]
    users += [_user(org.broker_user, []) for org in registry.organisations]
    permissions: list[dict[str, Any]] = []
    topic_permissions: list[dict[str, Any]] = []
    exchanges: list[dict[str, Any]] = []
    queues: list[dict[str, Any]] = []
    bindings: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    quorum = {"x-queue-type": "quorum"}
    for vhost in vhosts:
        for name in (ADMIN_USER, *SERVICE_USERS):
            permissions.append(
                {"user": name, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}
            )
        permissions.append(_operator_permissions(vhost))
        for org in registry.organisations:
            permissions.append(_organisation_permissions(org, vhost))
            topic_permissions.append(
                {
                    "user": org.broker_user,
                    "vhost": vhost,
                    "exchange": routing.EXCHANGE,
                    "write": inbound_write_pattern(org.oin),
                    "read": outbound_read_pattern(org.oin),
                }
            )
        exchanges += [
            _exchange(routing.EXCHANGE, "topic", vhost, dict(topology.EXCHANGE_ARGUMENTS)),
            _exchange(routing.UNROUTED_EXCHANGE, "fanout", vhost, {}),
            _exchange(routing.DEAD_LETTER_EXCHANGE, "direct", vhost, {}),
            _exchange(routing.REPLAY_EXCHANGE, "headers", vhost, {}),
        ]
        queues.append(_queue(routing.UNROUTED_QUEUE, vhost, quorum))
        bindings.append(_binding(routing.UNROUTED_EXCHANGE, routing.UNROUTED_QUEUE, "", vhost))
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
                queues.append(_queue(queue.dead_letter_name, vhost, quorum))
                queues += [_queue(d.name, vhost, d.arguments()) for d in queue.delays]
                bindings.append(_binding(routing.EXCHANGE, queue.name, queue.binding_key, vhost))
                bindings.append(
                    _binding(routing.REPLAY_EXCHANGE, queue.name, "", vhost, queue.replay_binding())
                )
                bindings.append(
                    _binding(
                        routing.DEAD_LETTER_EXCHANGE, queue.dead_letter_name, queue.name, vhost
                    )
                )
    return {
        "users": users,
        "vhosts": [{"name": vhost} for vhost in vhosts],
        "permissions": permissions,
        "topic_permissions": topic_permissions,
        "exchanges": exchanges,
        "queues": queues,
        "bindings": bindings,
        "policies": policies,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--registry", type=Path, default=REPOSITORY_ROOT / "config" / "organisations.yaml"
    )
    parser.add_argument("--vhost", action="append", help="vhost to provision (repeatable)")
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()
    registry = OrganisationRegistry.load(arguments.registry)
    vhosts = tuple(arguments.vhost or DEFAULT_VHOSTS)
    text = json.dumps(definitions(registry, vhosts), indent=2, sort_keys=True) + "\n"
    arguments.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
