"""The platform as production runs it, for tests: TLS on every hop and no development secret.

A `TlsStack` is a `Stack` whose broker is a TLS-only RabbitMQ node (mutual TLS, EXTERNAL; see
`tlsbroker`), whose database is a FerretDB with only a TLS listener, and whose SMTP relay
requires STARTTLS, all with the test PKI's certificates. Services run in production mode: each
logs in to the broker with its own certificate, verifies every server, and uses keys and
secrets generated for the test session instead of the committed development ones.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import aio_pika
import httpx
from aio_pika.abc import AbstractRobustConnection
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.provisioning import ADMIN_USER, BrokerUsers
from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.pki.index import Issued, TestPki
from mijnoverheid_testing.smtp import SmtpTestServer, free_port
from mijnoverheid_testing.stack import Stack
from mijnoverheid_testing.tlsbroker import TlsBroker, certificate_users
from mijnoverheid_testing.waiting import listening

FERRETDB_BIN = REPOSITORY_ROOT / ".local" / "bin" / "ferretdb"
TOKEN_ISSUER = "urn:test:mijnoverheid:tls-platform"  # noqa: S105 - an issuer id
HOST = "localhost"  # the name in the servers' certificates, checked by every client


def _write_private(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o600)
    return path


@dataclass(frozen=True)
class ProductionSecrets:
    """Keys and secrets of one test session: real ones, not the committed development ones."""

    receipt_signing_key: Path
    token_issuer_key: Path
    token_issuer_keys: Path  # its public key, which the services trust
    bounce_secret: str
    processing_log_subject_key: str  # the same for every service (their pseudonyms agree)

    @classmethod
    def generate(cls, directory: Path) -> ProductionSecrets:
        directory.mkdir(parents=True, exist_ok=True)
        pem = (Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        receipt = _write_private(
            directory / "receipt-signing.key", Ed25519PrivateKey.generate().private_bytes(*pem)
        )
        issuer = Ed25519PrivateKey.generate()
        issuer_key = _write_private(directory / "token-issuer.key", issuer.private_bytes(*pem))
        issuer_keys = directory / "token-issuer.pub"
        issuer_keys.write_bytes(
            issuer.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        )
        return cls(receipt, issuer_key, issuer_keys, secrets.token_hex(32), secrets.token_hex(32))


@contextlib.contextmanager
def running_tls_ferretdb(work_dir: Path, pki: TestPki) -> Iterator[int]:
    """A FerretDB of its own with a TLS listener only (the test PKI's server certificate);
    yields its port."""
    if not FERRETDB_BIN.exists():
        raise RuntimeError(f"{FERRETDB_BIN} is missing: `scripts/local-stack.sh build` makes it")
    server = pki.server("ferretdb")
    port = free_port("127.0.0.1")
    log = (work_dir / "ferretdb.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own build
        [
            str(FERRETDB_BIN),
            *("--listen", "", "--tls", f"127.0.0.1:{port}"),
            *("--tls-cert", str(server.certificate), "--tls-key", str(server.key)),
            *("--data", str(work_dir / "ferretdb")),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"FerretDB with TLS did not start; see {log.name}")
            time.sleep(0.1)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@dataclass(frozen=True)
class CertificateStack(Stack):
    """A `Stack` whose broker takes certificates only (EXTERNAL over mutual TLS): a user (a
    service, or an organisation's `broker_user`) connects with its certificate of `pki`."""

    pki: TestPki
    registry: OrganisationRegistry

    def broker_url(self, user: str, vhost: str) -> str:
        raise NotImplementedError("no passwords over TLS: use connect(user, vhost)")

    def issued(self, user: str) -> Issued:
        """The certificate of a service, or of the organisation with this `broker_user`."""
        organisation = self.registry.by_broker_user(user)
        if organisation is not None:
            return self.pki.organisation(organisation.broker_user)
        return self.pki.service(user)

    def amqps_url(self, vhost: str) -> str:
        return f"amqps://{self.amqp_host}:{self.amqp_port}/{quote(vhost, safe='')}"

    async def connect(self, user: str, vhost: str) -> AbstractRobustConnection:
        context = self.issued(user).client_context(self.pki.bundle)
        url = self.amqps_url(vhost) + "?auth=external"
        return await aio_pika.connect_robust(url, ssl_context=context, timeout=15)

    def user_id(self, user: str) -> str:
        return self.issued(user).rabbitmq_user


@dataclass(frozen=True)
class TlsStack(CertificateStack):
    """The TLS broker, a TLS FerretDB and a relay that requires STARTTLS. `mongodb_url` is the
    tests' own client's (services get MONGODB_CA_FILE instead)."""

    broker: TlsBroker
    ferretdb_port: int
    secrets: ProductionSecrets

    @classmethod
    def create(
        cls,
        broker: TlsBroker,
        ferretdb_port: int,
        registry: OrganisationRegistry,
        secrets: ProductionSecrets,
    ) -> TlsStack:
        ca = quote(str(broker.pki.bundle), safe="")
        return cls(
            amqp_host=HOST,
            amqp_port=broker.port,
            management_url=broker.management_url,
            mongodb_url=f"mongodb://{HOST}:{ferretdb_port}/?tls=true&tlsCAFile={ca}",
            pki=broker.pki,
            registry=registry,
            broker=broker,
            ferretdb_port=ferretdb_port,
            secrets=secrets,
        )

    def management(self) -> httpx.Client:
        auth = (ADMIN_USER, self.broker.admin_password)
        return httpx.Client(base_url=self.management_url, auth=auth, timeout=30.0)

    def broker_users(self) -> BrokerUsers:
        return certificate_users(self.registry, self.pki, self.broker.admin_password)

    def service_environment(self, service: str, vhost: str) -> dict[str, str]:
        issued = self.issued(service)
        trusted = {
            f"{name.upper()}_BROKER_USER": self.pki.service(name).rabbitmq_user
            for name in ("berichtenbox", "zaken", "gegevens", "notifier", "portal")
        }
        issuers = [{"issuer": TOKEN_ISSUER, "keys": str(self.secrets.token_issuer_keys)}]
        return {
            "MIJNOVERHEID_ENVIRONMENT": "production",
            "AMQP_URL": self.amqps_url(vhost),
            "AMQP_CA_FILE": str(self.pki.bundle),
            "AMQP_CERT_FILE": str(issued.certificate),
            "AMQP_KEY_FILE": str(issued.key),
            "MONGODB_URL": f"mongodb://{HOST}:{self.ferretdb_port}/",
            "MONGODB_CA_FILE": str(self.pki.bundle),
            "SMTP_STARTTLS": "true",
            "SMTP_CA_FILE": str(self.pki.bundle),
            "CITIZEN_TOKEN_ISSUERS": json.dumps(issuers),
            "RECEIPT_SIGNING_KEY": str(self.secrets.receipt_signing_key),
            "NOTIFIER_BOUNCE_SECRET": self.secrets.bounce_secret,
            "PROCESSING_LOG_SUBJECT_KEY": self.secrets.processing_log_subject_key,
            **trusted,
        }

    def smtp_server(self) -> SmtpTestServer:
        """A relay that requires STARTTLS, with the test PKI's SMTP server certificate."""
        server = self.pki.server("smtp")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(server.certificate, server.key)
        return SmtpTestServer(starttls=context)

    def citizen_token(self, bsn: str) -> str:
        key = load_private_key(self.secrets.token_issuer_key)
        return mint_token(key, bsn, timedelta(minutes=5), issuer=TOKEN_ISSUER)
