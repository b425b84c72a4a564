"""RabbitMQ definitions (users, permissions, topology) derived from the registry and topology.

One generator serves the local stack (`rabbitmqctl import_definitions`), its TLS node and
docker compose (`load_definitions`), so all enforce the same rules:
- an organisation may publish only its own inbound routing keys, with user_id = its broker user;
- it may declare only queues named `org.<OIN>.*` and bind them only to its own outbound keys.

Who logs in how (`BrokerUsers`): on the local stack's plain listener every user has the password
`<user>-local-secret` (development only); on a TLS broker with the EXTERNAL mechanism the users
are certificate subjects (DNs) with no password: the platform services' certificates and the
registry's `certificate_users` of each organisation.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from mijnoverheid.certificates import rabbitmq_username
from mijnoverheid.contracts import events, routing
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging.definitions import TOPOLOGY_KINDS, topology_definitions
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


@dataclass(frozen=True)
class BrokerUsers:
    """Which users the broker gets, and how each logs in."""

    # The administrator, every service and every organisation's `broker_user`, each with the
    # password `<user>-local-secret`: the local stack's plain listener, never production.
    local_passwords: bool = True
    # Certificate users without a password (EXTERNAL): service name -> the DN of its
    # certificate; with them, every organisation's `certificate_users` from the registry.
    service_certificates: Mapping[str, str] = field(default_factory=dict)
    # An administrator for the management UI with this password (not a local one).
    admin_password: str | None = None
    # The DN of the certificate of ops' dead-letter operator (EXTERNAL), when not local.
    operator_certificate: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.service_certificates) - set(SERVICE_USERS)
        if unknown:
            raise ValueError(f"certificates for unknown services: {sorted(unknown)}")


LOCAL_PASSWORDS = BrokerUsers()


def service_certificate_users(directory: Path) -> dict[str, str]:
    """service -> DN, from `<directory>/<service>.pem` (the certificate first) for each service."""
    return {service: _certificate_user(directory / f"{service}.pem") for service in SERVICE_USERS}


def _certificate_user(path: Path) -> str:
    return rabbitmq_username(x509.load_pem_x509_certificates(path.read_bytes())[0])


def _user(name: str, tags: list[str], password: str | None) -> dict[str, Any]:
    return {
        "name": name,
        # An empty hash matches no password: the user logs in with its certificate only.
        "password_hash": "" if password is None else _password_hash(name, password),
        "hashing_algorithm": "rabbit_password_hashing_sha256",
        "tags": tags,
    }


# A user, and its organisation (None: the platform; OPERATOR_USER: ops' dead-letter operator).
Grant = tuple[str, Organisation | str | None]


def _users(
    registry: OrganisationRegistry, users: BrokerUsers
) -> tuple[list[dict[str, Any]], list[Grant]]:
    defined: list[dict[str, Any]] = []
    grants: list[Grant] = []
    if users.local_passwords:
        defined.append(_user(ADMIN_USER, ["administrator"], local_password(ADMIN_USER)))
        defined.append(_user(OPERATOR_USER, ["impersonator"], local_password(OPERATOR_USER)))
        grants.append((OPERATOR_USER, OPERATOR_USER))
        defined += [_user(name, [], local_password(name)) for name in SERVICE_USERS]
        defined += [
            _user(o.broker_user, [], local_password(o.broker_user)) for o in registry.organisations
        ]
        grants += [(name, None) for name in (ADMIN_USER, *SERVICE_USERS)]
        grants += [(org.broker_user, org) for org in registry.organisations]
    elif users.admin_password is not None:
        defined.append(_user(ADMIN_USER, ["administrator"], users.admin_password))
        grants.append((ADMIN_USER, None))
    if users.operator_certificate is not None:
        defined.append(_user(users.operator_certificate, ["impersonator"], None))
        grants.append((users.operator_certificate, OPERATOR_USER))
    if users.service_certificates:
        defined += [_user(dn, [], None) for dn in users.service_certificates.values()]
        grants += [(dn, None) for dn in users.service_certificates.values()]
        for org in registry.organisations:
            defined += [_user(dn, [], None) for dn in org.certificate_users]
            grants += [(dn, org) for dn in org.certificate_users]
    return defined, grants


def _organisation_permissions(user: str, org: Organisation, vhost: str) -> dict[str, Any]:
    own_queues = re.escape(organisation_queue_prefix(org.oin)) + ".*"
    exchange = re.escape(routing.EXCHANGE)
    return {
        "user": user,
        "vhost": vhost,
        "configure": f"^{own_queues}$",
        "write": f"^({exchange}|{own_queues})$",
        "read": f"^({exchange}|{own_queues})$",
    }


def _operator_permissions(user: str, vhost: str) -> dict[str, Any]:
    return {
        "user": user,
        "vhost": vhost,
        "configure": "^$",
        "write": f"^{re.escape(routing.REPLAY_EXCHANGE)}$",
        "read": r"^.*\.dead-letter$",
    }


def definitions(
    registry: OrganisationRegistry,
    vhosts: tuple[str, ...] = DEFAULT_VHOSTS,
    users: BrokerUsers = LOCAL_PASSWORDS,
) -> dict[str, Any]:
    defined_users, grants = _users(registry, users)
    permissions: list[dict[str, Any]] = []
    topic_permissions: list[dict[str, Any]] = []
    topology_parts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for vhost in vhosts:
        for user, org in grants:
            if org is None:
                permissions.append(
                    {"user": user, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}
                )
                continue
            if isinstance(org, str):
                permissions.append(_operator_permissions(user, vhost))
                continue
            permissions.append(_organisation_permissions(user, org, vhost))
            topic_permissions.append(
                {
                    "user": user,
                    "vhost": vhost,
                    "exchange": routing.EXCHANGE,
                    "write": inbound_write_pattern(org.oin),
                    "read": outbound_read_pattern(org.oin),
                }
            )
        for kind, found in topology_definitions(vhost).items():
            topology_parts[kind] += found
    return {
        "users": defined_users,
        "vhosts": [{"name": vhost} for vhost in vhosts],
        "permissions": permissions,
        "topic_permissions": topic_permissions,
        **{kind: topology_parts[kind] for kind in TOPOLOGY_KINDS},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--registry", type=Path, default=REPOSITORY_ROOT / "config" / "organisations.yaml"
    )
    parser.add_argument("--vhost", action="append", help="vhost to provision (repeatable)")
    parser.add_argument(
        "--service-certificates",
        type=Path,
        metavar="DIR",
        help="certificate users (EXTERNAL, no password): each service's from DIR/<service>.pem, "
        "each organisation's from the registry's certificate_users",
    )
    parser.add_argument(
        "--no-local-passwords",
        action="store_true",
        help="no <user>-local-secret password users (a TLS broker; production)",
    )
    parser.add_argument(
        "--admin-password-file", type=Path, help="an administrator with the password in FILE"
    )
    parser.add_argument(
        "--operator-certificate",
        type=Path,
        metavar="FILE",
        help="ops' dead-letter operator: the certificate (PEM) it logs in with (EXTERNAL)",
    )
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()
    registry = OrganisationRegistry.load(arguments.registry)
    vhosts = tuple(arguments.vhost or DEFAULT_VHOSTS)
    users = BrokerUsers(
        local_passwords=not arguments.no_local_passwords,
        service_certificates=(
            service_certificate_users(arguments.service_certificates)
            if arguments.service_certificates
            else {}
        ),
        admin_password=(
            arguments.admin_password_file.read_text(encoding="utf-8").strip()
            if arguments.admin_password_file
            else None
        ),
        operator_certificate=(
            _certificate_user(arguments.operator_certificate)
            if arguments.operator_certificate
            else None
        ),
    )
    text = json.dumps(definitions(registry, vhosts, users), indent=2, sort_keys=True) + "\n"
    arguments.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
