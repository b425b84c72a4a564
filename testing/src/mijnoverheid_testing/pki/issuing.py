"""Issuing certificates and CRLs with `cryptography`, and writing them (keys 0600).

Keys are ECDSA P-256: fast to make, and both Erlang's ssl (RabbitMQ) and Python's ssl take
them. Real PKIoverheid certificates are RSA or ECDSA; nothing here depends on the key type.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from ipaddress import ip_address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = ec.EllipticCurvePrivateKey
Subject = tuple[tuple[str, str], ...]  # ((attribute, value), ...) in certificate order

_ATTRIBUTES = {
    "C": NameOID.COUNTRY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "CN": NameOID.COMMON_NAME,
}
EXTENDED_KEY_USAGES = {
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
}


def name(subject: Subject) -> x509.Name:
    return x509.Name([x509.NameAttribute(_ATTRIBUTES[key], value) for key, value in subject])


def new_key() -> PrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@dataclass(frozen=True)
class Authority:
    """A CA that can sign: its certificate and key."""

    certificate: x509.Certificate
    key: PrivateKey


@dataclass(frozen=True)
class LeafProfile:
    """What a leaf certificate says beyond its subject."""

    usages: tuple[str, ...]  # names in EXTENDED_KEY_USAGES
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _authority_key_id(issuer: Authority) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())


def _crl_distribution_point(url: str) -> x509.CRLDistributionPoints:
    point = x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)
    return x509.CRLDistributionPoints([point])


def issue_authority(
    subject: Subject,
    key: PrivateKey,
    issuer: Authority | None,
    not_before: datetime,
    not_after: datetime,
    path_length: int | None,
    crl_url: str | None = None,
) -> x509.Certificate:
    """A root (issuer None: self-signed) or an intermediate CA certificate."""
    subject_name = name(subject)
    builder = _builder(
        subject_name,
        subject_name if issuer is None else issuer.certificate.subject,
        key.public_key(),
        not_before,
        not_after,
    )
    builder = builder.add_extension(
        x509.BasicConstraints(ca=True, path_length=path_length), critical=True
    ).add_extension(
        x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    if issuer is not None:
        builder = builder.add_extension(_authority_key_id(issuer), critical=False)
        if crl_url is not None:
            builder = builder.add_extension(_crl_distribution_point(crl_url), critical=False)
    return builder.sign(key if issuer is None else issuer.key, hashes.SHA256())


def issue_leaf(
    subject: Subject,
    key: PrivateKey,
    issuer: Authority,
    profile: LeafProfile,
    not_before: datetime,
    not_after: datetime,
    crl_url: str,
) -> x509.Certificate:
    builder = _builder(
        name(subject), issuer.certificate.subject, key.public_key(), not_before, not_after
    )
    builder = (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # ECDSA with (EC)DHE: signing the handshake is all a TLS key does.
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([EXTENDED_KEY_USAGES[usage] for usage in profile.usages]),
            critical=False,
        )
        .add_extension(_authority_key_id(issuer), critical=False)
        .add_extension(_crl_distribution_point(crl_url), critical=False)
    )
    alternative_names: list[x509.GeneralName] = [x509.DNSName(dns) for dns in profile.dns_names]
    alternative_names += [x509.IPAddress(ip_address(ip)) for ip in profile.ip_addresses]
    if alternative_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(alternative_names), critical=False
        )
    return builder.sign(issuer.key, hashes.SHA256())


def issue_crl(
    issuer: Authority,
    revoked: Sequence[tuple[int, datetime]],
    this_update: datetime,
    next_update: datetime,
    number: int,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(_authority_key_id(issuer), critical=False)
        .add_extension(x509.CRLNumber(number), critical=False)
    )
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
    return builder.sign(issuer.key, hashes.SHA256())


# --- files ------------------------------------------------------------------------------


def write_file(path: Path, data: bytes, *, private: bool = False) -> None:
    """Atomically (a crash leaves the old file or the new one); private files are 0600 from
    the moment they exist, never briefly readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, 0o600 if private else 0o644)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_certificates(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def load_key(path: Path) -> PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path}: not an EC private key")
    return key
