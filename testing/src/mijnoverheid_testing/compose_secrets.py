"""docker compose's secrets, made at its first start (the `init` service) instead of shipped:
the test CA and every certificate, the receipt-signing and token keys, the bounce secret and the
broker's provisioning, each consumer's share in a volume of its own.

    python -m mijnoverheid_testing.compose_secrets ROOT

ROOT/ca is the init's own volume (the CA's keys and the generated originals, kept across
restarts); ROOT/<consumer> is mounted read-only into that one container only, so no container
sees another's key. Every run brings them up to date: certificates and CRLs are renewed before
they expire (scripts/pki.py's rules), the keys and secrets stay the same.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.provisioning import BrokerUsers, definitions
from mijnoverheid_testing.pki.catalogue import PLATFORM_OIN, SERVICES
from mijnoverheid_testing.pki.index import TestPki
from mijnoverheid_testing.pki.testca import build

# Who reads each volume: the images' users (the official rabbitmq and mongo images run as 999;
# ours as app, 10001; mailpit as root).
OWNERS = {"rabbitmq": 999, "mongo": 999, "mailpit": 0, **dict.fromkeys(SERVICES, 10001)}
VHOST = "mijnoverheid"
# Settings the services read from files named after them (MIJNOVERHEID_SETTINGS_DIR).
TRUSTED_USERS = {
    "berichtenbox": ("notifier", "portal"),
    "notifier": ("berichtenbox", "zaken", "gegevens"),
}


def _keep(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's content, made (mode 0600) only when it does not exist yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
        path.chmod(0o600)
    return path.read_bytes()


def _ed25519_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )


def _public_pem(private_pem: bytes) -> bytes:
    key = load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


class Volume:
    """One consumer's volume: files written whole, readable by that consumer only."""

    def __init__(self, root: Path, consumer: str) -> None:
        self.directory = root / consumer
        self.owner = OWNERS[consumer]
        self.directory.mkdir(parents=True, exist_ok=True)
        self._chown(self.directory)

    def put(self, name: str, content: bytes, *, private: bool = False) -> None:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        self._chown(path.parent)
        partial = path.with_name(path.name + ".new")
        partial.write_bytes(content)
        partial.chmod(0o400 if private else 0o444)
        self._chown(partial)
        partial.replace(path)

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:  # the init container; a developer's own run keeps its owner
            os.chown(path, self.owner, self.owner)


def generate(root: Path, registry: OrganisationRegistry, platform_oin: str) -> None:
    own = root / "ca"
    build(own / "pki", registry, platform_oin)
    pki = TestPki.load(own / "pki")
    bundle = pki.bundle.read_bytes()
    receipt_key = _keep(own / "receipt-signing.key", _ed25519_pem)
    token_key = _keep(own / "portal-token.key", _ed25519_pem)
    bounce_secret = _keep(own / "notifier-bounce-secret", lambda: secrets.token_hex(32).encode())
    admin_password = _keep(
        own / "rabbitmq-admin-password", lambda: secrets.token_urlsafe(24).encode()
    )
    # The Erlang cookie: the shared secret of the nodes of docker-compose.cluster.yml.
    cookie = _keep(own / "erlang-cookie", lambda: secrets.token_hex(32).encode())

    services = {service: pki.service(service).rabbitmq_user for service in SERVICES}
    for service in SERVICES:
        volume = Volume(root, service)
        issued = pki.service(service)
        volume.put("ca.pem", bundle)
        volume.put("service.pem", issued.certificate.read_bytes())
        volume.put("service.key", issued.key.read_bytes(), private=True)
        volume.put("portal-token.pub", _public_pem(token_key))
        for other in TRUSTED_USERS.get(service, ()):
            volume.put(f"{other.upper()}_BROKER_USER", services[other].encode())
    Volume(root, "berichtenbox").put("receipt-signing.key", receipt_key, private=True)
    Volume(root, "notifier").put("NOTIFIER_BOUNCE_SECRET", bounce_secret, private=True)
    Volume(root, "portal").put("portal-token.key", token_key, private=True)

    rabbitmq = Volume(root, "rabbitmq")
    server = pki.server("rabbitmq")
    rabbitmq.put("ca/bundle.pem", bundle)
    rabbitmq.put("servers/rabbitmq.pem", server.certificate.read_bytes())
    rabbitmq.put("servers/rabbitmq.key", server.key.read_bytes(), private=True)
    for crl in pki.crl_dir.iterdir():
        rabbitmq.put(f"crl/{crl.name}", crl.read_bytes())
    users = BrokerUsers(
        local_passwords=False,
        service_certificates=services,
        admin_password=admin_password.decode(),
    )
    provisioning = definitions(registry, (VHOST,), users)
    rabbitmq.put("definitions.json", json.dumps(provisioning, indent=2).encode(), private=True)
    rabbitmq.put("admin-password", admin_password, private=True)
    rabbitmq.put("erlang.cookie", cookie, private=True)

    mongo = Volume(root, "mongo")
    database = pki.server("ferretdb")  # DNS localhost, ferretdb and mongo
    mongo.put("ca.pem", bundle)
    # mongod takes the certificate chain and its key from one file.
    combined = database.certificate.read_bytes() + database.key.read_bytes()
    mongo.put("server.pem", combined, private=True)

    mailpit = Volume(root, "mailpit")
    relay = pki.server("smtp")  # DNS localhost, smtp and mailpit
    mailpit.put("smtp.pem", relay.certificate.read_bytes())
    mailpit.put("smtp.key", relay.key.read_bytes(), private=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument(
        "--registry",
        type=Path,
        default=Path(os.environ.get("ORGANISATION_REGISTRY", "config/organisations.yaml")),
    )
    parser.add_argument("--platform-oin", default=os.environ.get("PLATFORM_OIN", PLATFORM_OIN))
    arguments = parser.parse_args()
    generate(arguments.root, OrganisationRegistry.load(arguments.registry), arguments.platform_oin)
    print(f"compose secrets in {arguments.root}: up to date", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
