"""Who may do what on the broker: the permissions and topic permissions of each kind of user.

- an organisation publishes only its own inbound routing keys and binds only its own outbound
  keys to its own `org.<OIN>.*` queues;
- ops' dead-letter operator reads the dead-letter queues and writes only the replay exchange;
- the ZGW connector (the relay) configures only its own queues and publishes only the relayed
  keys (`events.ZGW_RELAYED`) of the organisations the registry configures for it, besides
  its own internal keys.

`mijnoverheid.provisioning` grants them; tests/security checks them against the real broker.
"""

from __future__ import annotations

import re
from typing import Any

from mijnoverheid.contracts import events, routing
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging.topology import ZGW_CONNECTOR

RELAY_USER = ZGW_CONNECTOR


def organisation_queue_prefix(oin: str) -> str:
    return f"org.{oin}."


def inbound_write_pattern(oin: str) -> str:
    keys = "|".join(re.escape(f"{route.service}.{route.event}") for route in events.INBOUND)
    return f"^({keys})\\.{oin}$"


def relay_write_pattern(registry: OrganisationRegistry) -> str:
    """The relay's keys: the relayed events of the organisations it serves, and its own."""
    own = re.escape(f"{RELAY_USER}.") + "[a-z0-9.-]+"
    oins = "|".join(org.oin for org in registry.zgw_organisations)
    if not oins:
        return f"^{own}$"
    keys = "|".join(re.escape(route.name) for route in events.ZGW_RELAYED)
    return f"^(({keys})\\.({oins})|{own})$"


def outbound_read_pattern(oin: str) -> str:
    keys = "|".join(re.escape(f"{route.service}.{route.event}") for route in events.OUTBOUND)
    return f"^({keys})\\.{oin}$"


def organisation_permissions(user: str, org: Organisation, vhost: str) -> dict[str, Any]:
    own_queues = re.escape(organisation_queue_prefix(org.oin)) + ".*"
    exchange = re.escape(routing.EXCHANGE)
    return {
        "user": user,
        "vhost": vhost,
        "configure": f"^{own_queues}$",
        "write": f"^({exchange}|{own_queues})$",
        "read": f"^({exchange}|{own_queues})$",
    }


def operator_permissions(user: str, vhost: str) -> dict[str, Any]:
    return {
        "user": user,
        "vhost": vhost,
        "configure": "^$",
        "write": f"^{re.escape(routing.REPLAY_EXCHANGE)}$",
        "read": r"^.*\.dead-letter$",
    }


def relay_permissions(user: str, vhost: str) -> dict[str, Any]:
    own = re.escape(f"{RELAY_USER}.") + ".*"
    exchange = re.escape(routing.EXCHANGE)
    # Binding its queues needs read on the exchanges they are bound to; the shared exchanges
    # it only declares passively (no configure).
    bound_from = "|".join(
        re.escape(name) for name in (routing.DEAD_LETTER_EXCHANGE, routing.REPLAY_EXCHANGE)
    )
    return {
        "user": user,
        "vhost": vhost,
        "configure": f"^{own}$",
        "write": f"^({exchange}|{own})$",
        "read": f"^({exchange}|{bound_from}|{own})$",
    }


def relay_topic_permissions(
    user: str, vhost: str, registry: OrganisationRegistry
) -> dict[str, Any]:
    return {
        "user": user,
        "vhost": vhost,
        "exchange": routing.EXCHANGE,
        "write": relay_write_pattern(registry),
        "read": "^" + re.escape(f"{RELAY_USER}.") + "[a-z0-9.-]+$",
    }


def organisation_topic_permissions(user: str, org: Organisation, vhost: str) -> dict[str, Any]:
    return {
        "user": user,
        "vhost": vhost,
        "exchange": routing.EXCHANGE,
        "write": inbound_write_pattern(org.oin),
        "read": outbound_read_pattern(org.oin),
    }
