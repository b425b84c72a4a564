"""Reading a test PKI directory back: which file is what, and as which broker user it logs in."""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INDEX_FILE = "index.json"


class CaFiles:
    BUNDLE = "ca/bundle.pem"  # root, domain and issuing CA: the broker's trusted CAs


def verifying_context(trusted: Path) -> ssl.SSLContext:
    """A TLS client context that verifies the server (chain and host name) and shows nothing."""
    return ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(trusted))


@dataclass(frozen=True)
class Issued:
    """One end-entity certificate: its chain file (leaf first), key and broker user."""

    certificate: Path
    key: Path
    rabbitmq_user: str
    serial: int

    def client_context(self, trusted: Path) -> ssl.SSLContext:
        """A TLS client context presenting this certificate and verifying the server."""
        context = verifying_context(trusted)
        context.load_cert_chain(self.certificate, self.key)
        return context


@dataclass(frozen=True)
class TestPki:
    """A directory written by `mijnoverheid_testing.pki.testca`."""

    __test__ = False

    directory: Path
    index: dict[str, Any] = field(repr=False)

    @classmethod
    def load(cls, directory: Path) -> TestPki:
        return cls(directory, json.loads((directory / INDEX_FILE).read_text(encoding="utf-8")))

    @property
    def bundle(self) -> Path:
        return self.directory / str(self.index["bundle"])

    @property
    def crl_dir(self) -> Path:
        return self.directory / str(self.index["crl_dir"])

    def authority(self, stem: str) -> Path:
        return self.directory / str(self.index["authorities"][stem]["certificate"])

    def _issued(self, key: str) -> Issued:
        record = self.index["leaves"][key]
        return Issued(
            self.directory / record["certificate"],
            self.directory / record["key"],
            record["rabbitmq_user"],
            int(record["serial"], 16),
        )

    def organisation(self, broker_user: str) -> Issued:
        return self._issued(f"organisations/{broker_user}")

    def service(self, name: str) -> Issued:
        return self._issued(f"services/{name}")

    def server(self, name: str) -> Issued:
        return self._issued(f"servers/{name}")

    def invalid(self, name: str) -> Issued:
        return self._issued(f"invalid/{name}")
