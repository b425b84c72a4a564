"""Builds the private test CA of `mijnoverheid_testing.pki.catalogue`, for local use and tests only.

Every CA publishes a CRL, stored as `crl/<issuer hash>.r0` (the layout of Erlang's
`ssl_crl_hash_dir`). Building is idempotent: what exists, still fits and does not expire
soon is kept; anything else (and everything under a CA that was replaced) is issued anew.
`index.json` names every file (paths relative to the directory) and each certificate's
broker user; `mijnoverheid_testing.pki.index` reads it back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from mijnoverheid.certificates import openssl_name_hash, rabbitmq_username
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid_testing.pki import issuing
from mijnoverheid_testing.pki.catalogue import AUTHORITIES, Ca, Leaf, catalogue
from mijnoverheid_testing.pki.index import INDEX_FILE, CaFiles
from mijnoverheid_testing.pki.issuing import Authority

CRL_URL = "http://crl.pki.test.invalid/{}.crl"  # never fetched: the broker reads crl/ instead

CA_VALIDITY = timedelta(days=20 * 365)
CA_BACKDATE = timedelta(days=730)  # room for the expired test certificate inside its CA's life
LEAF_VALIDITY = timedelta(days=365)
CLOCK_SKEW = timedelta(hours=1)
RENEW_BEFORE = timedelta(days=30)
CRL_VALIDITY = timedelta(days=30)
CRL_RENEW_BEFORE = timedelta(days=7)


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _key_matches(certificate: x509.Certificate, key: issuing.PrivateKey) -> bool:
    return certificate.public_key() == key.public_key()


class TestCa:
    """Builds (or brings up to date) the test PKI in one directory."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, directory: Path, now: datetime | None = None) -> None:
        self.directory = directory
        self.now = now or datetime.now(UTC)
        self.authorities: dict[str, Authority] = {}
        self._old_index = self._read_index()

    def _read_index(self) -> dict[str, Any]:
        try:
            loaded: dict[str, Any] = json.loads((self.directory / INDEX_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return loaded

    def _path(self, relative: str) -> Path:
        return self.directory / relative

    def _load(self, cert: str, key: str) -> tuple[x509.Certificate, issuing.PrivateKey] | None:
        try:
            certificate = issuing.load_certificates(self._path(cert))[0]
            private = issuing.load_key(self._path(key))
        except (OSError, ValueError, IndexError):
            return None
        return (certificate, private) if _key_matches(certificate, private) else None

    def authority(self, stem: str, ca: Ca) -> None:
        cert_file, key_file = f"ca/{stem}.pem", f"ca/{stem}.key"
        parent = self.authorities[ca.issuer] if ca.issuer else None
        found = self._load(cert_file, key_file)
        if found is not None:
            certificate, key = found
            signer = parent.certificate if parent else certificate
            if (
                certificate.subject == issuing.name(ca.subject)
                and _issued_by(certificate, signer)
                and certificate.not_valid_after_utc > self.now + RENEW_BEFORE
            ):
                self.authorities[stem] = Authority(certificate, key)
                return
        key = issuing.new_key()
        certificate = issuing.issue_authority(
            ca.subject,
            key,
            parent,
            self.now - CA_BACKDATE,
            self.now + CA_VALIDITY,
            ca.path_length,
            CRL_URL.format(ca.issuer) if ca.issuer else None,
        )
        issuing.write_file(self._path(key_file), issuing.key_pem(key), private=True)
        issuing.write_file(self._path(cert_file), issuing.pem(certificate))
        self.authorities[stem] = Authority(certificate, key)

    def _chain(self, issuer: str | None) -> list[x509.Certificate]:
        """The CA certificates a client presents after its own, up to (not with) the root."""
        chain = []
        while issuer is not None and AUTHORITIES[issuer].issuer is not None:
            chain.append(self.authorities[issuer].certificate)
            issuer = AUTHORITIES[issuer].issuer
        return chain

    def leaf(self, leaf: Leaf) -> dict[str, Any]:
        cert_file, key_file = f"{leaf.group}/{leaf.name}.pem", f"{leaf.group}/{leaf.name}.key"
        issuer = self.authorities[leaf.issuer]
        old = self._old_index.get("leaves", {}).get(f"{leaf.group}/{leaf.name}", {})
        found = self._load(cert_file, key_file)
        certificate = found[0] if found else None
        fresh = certificate is not None and (
            certificate.not_valid_after_utc < self.now
            if leaf.expired
            else certificate.not_valid_after_utc > self.now + RENEW_BEFORE
        )
        if not (
            certificate is not None
            and fresh
            and old.get("spec") == leaf.spec()
            and _issued_by(certificate, issuer.certificate)
        ):
            key = issuing.new_key()
            start = self.now - (CA_BACKDATE / 2 if leaf.expired else CLOCK_SKEW)
            end = self.now - timedelta(days=1) if leaf.expired else self.now + LEAF_VALIDITY
            url = CRL_URL.format(leaf.issuer)
            certificate = issuing.issue_leaf(
                leaf.subject, key, issuer, leaf.profile, start, end, url
            )
            issuing.write_file(self._path(key_file), issuing.key_pem(key), private=True)
            chain = issuing.pem(certificate, *self._chain(leaf.issuer))
            issuing.write_file(self._path(cert_file), chain)
        return {
            "certificate": cert_file,
            "key": key_file,
            "rabbitmq_user": rabbitmq_username(certificate),
            "subject": _readable(certificate.subject),
            "serial": f"{certificate.serial_number:x}",
            "not_after": certificate.not_valid_after_utc.isoformat(),
            "spec": leaf.spec(),
            "revoked": leaf.revoked,
            "issuer": leaf.issuer,
        }

    def crl(self, stem: str, revoked: list[int]) -> str:
        authority = self.authorities[stem]
        relative = f"crl/{openssl_name_hash(authority.certificate.subject)}.r0"
        number = 1
        try:
            current = x509.load_pem_x509_crl(self._path(relative).read_bytes())
        except (OSError, ValueError):
            current = None
        if current is not None:
            number = _crl_number(current) + 1
            listed = sorted(entry.serial_number for entry in current)
            next_update = current.next_update_utc
            if (
                current.is_signature_valid(authority.key.public_key())
                and listed == sorted(revoked)
                and next_update is not None
                and next_update > self.now + CRL_RENEW_BEFORE
            ):
                return relative
        crl = issuing.issue_crl(
            authority,
            [(serial, self.now) for serial in revoked],
            self.now - CLOCK_SKEW,
            self.now + CRL_VALIDITY,
            number,
        )
        issuing.write_file(self._path(relative), crl.public_bytes(Encoding.PEM))
        return relative

    def build(self, leaves: list[Leaf]) -> dict[str, Any]:
        for stem, ca in AUTHORITIES.items():
            self.authority(stem, ca)
        records = {f"{leaf.group}/{leaf.name}": self.leaf(leaf) for leaf in leaves}
        crls = {}
        for stem, ca in AUTHORITIES.items():
            if ca.trusted or ca.issuer is not None:  # every CA under our root publishes one
                revoked = [
                    int(record["serial"], 16)
                    for record in records.values()
                    if record["revoked"] and record["issuer"] == stem
                ]
                revoked += [
                    self.authorities[child].certificate.serial_number
                    for child, sub in AUTHORITIES.items()
                    if sub.revoked and sub.issuer == stem
                ]
                crls[stem] = self.crl(stem, revoked)
        trusted = [
            self.authorities[stem].certificate for stem, ca in AUTHORITIES.items() if ca.trusted
        ]
        issuing.write_file(self._path(CaFiles.BUNDLE), issuing.pem(*trusted))
        index = {
            "version": 1,
            "authorities": {
                stem: {
                    "certificate": f"ca/{stem}.pem",
                    "subject": _readable(authority.certificate.subject),
                }
                for stem, authority in self.authorities.items()
            },
            "bundle": CaFiles.BUNDLE,
            "crl_dir": "crl",
            "crls": crls,
            "leaves": records,
        }
        issuing.write_file(self._path(INDEX_FILE), (json.dumps(index, indent=2) + "\n").encode())
        return index


def _readable(name: x509.Name) -> str:
    return name.rfc4514_string({NameOID.SERIAL_NUMBER: "serialNumber"})


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return 0


def build(
    directory: Path, registry: OrganisationRegistry, platform_oin: str, now: datetime | None = None
) -> dict[str, Any]:
    """Create or bring up to date the test PKI in `directory`; returns its index."""
    if len(registry.organisations) < 2:
        raise ValueError("the test PKI needs at least two organisations in the registry")
    directory.mkdir(parents=True, exist_ok=True)
    return TestCa(directory, now).build(catalogue(registry, platform_oin))
