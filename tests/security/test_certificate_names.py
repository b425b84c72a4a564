"""Our reading of a certificate's broker user is RabbitMQ's own, byte for byte.

Organisations must set `user_id` to exactly the name RabbitMQ derives from their certificate,
and provisioning creates users by that name; so `rabbitmq_username` is checked against the
running broker's `rabbit_cert_info:subject/1` for awkward subjects (escapes, UTF-8, unknown
attribute types, multi-valued RDNs), not only against our own expectations.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

from mijnoverheid.certificates import rabbitmq_username
from mijnoverheid_testing.pki.issuing import load_certificates
from mijnoverheid_testing.tlsbroker import TlsBroker

pytestmark = pytest.mark.integration

ORGANISATION_IDENTIFIER = ObjectIdentifier("2.5.4.97")
A = x509.NameAttribute
SUBJECTS = {
    "pkioverheid-like": [
        A(NameOID.COUNTRY_NAME, "NL"),
        A(NameOID.STATE_OR_PROVINCE_NAME, "Zuid-Holland"),
        A(NameOID.LOCALITY_NAME, "'s-Gravenhage"),
        A(NameOID.ORGANIZATION_NAME, "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties"),
        A(ORGANISATION_IDENTIFIER, "NTRNL-50200097"),
        A(NameOID.SERIAL_NUMBER, "00000001003214345000"),
        A(NameOID.COMMON_NAME, "berichten.example.nl"),
    ],
    "escapes": [
        A(NameOID.ORGANIZATION_NAME, 'A, B + C; "D" <E> \\F'),
        A(NameOID.COMMON_NAME, "#leading hash"),
        A(NameOID.ORGANIZATIONAL_UNIT_NAME, " spaces around "),
    ],
    "non-ascii": [
        A(NameOID.ORGANIZATION_NAME, "Provincie Fryslân ~ Gemeente Súdwest-Fryslân"),
        A(NameOID.COMMON_NAME, "Zoë Ĳsselmeer €"),
    ],
}


def certificate_with(attributes: list[x509.NameAttribute[str]], multi: bool = False) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    rdns = [x509.RelativeDistinguishedName([a]) for a in attributes]
    if multi:  # the last two attributes in one RDN
        rdns = [*rdns[:-2], x509.RelativeDistinguishedName(attributes[-2:])]
    subject = x509.Name(rdns)
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


def brokers_names(broker: TlsBroker, ders: list[bytes]) -> list[str]:
    """rabbit_cert_info:subject/1 of each certificate, in one CLI call (each costs seconds)."""
    encoded = ", ".join(f'<<"{base64.b64encode(der).decode()}">>' for der in ders)
    subject = "rabbit_cert_info:subject(base64:decode(B))"
    output = broker.ctl(
        "eval", f"[base64:encode(iolist_to_binary({subject})) || B <- [{encoded}]]."
    )
    found = re.findall(r'<<"([A-Za-z0-9+/=]*)">>', output)
    assert len(found) == len(ders), output
    return [base64.b64decode(name).decode("ascii") for name in found]


def test_our_broker_user_names_are_the_brokers(tls_broker: TlsBroker) -> None:
    certificates = {name: certificate_with(attributes) for name, attributes in SUBJECTS.items()}
    certificates["multi-valued"] = certificate_with(SUBJECTS["pkioverheid-like"], multi=True)
    issued = load_certificates(tls_broker.pki.organisation("belastingdienst").certificate)[0]
    certificates["test-ca organisation"] = issued.public_bytes(serialization.Encoding.DER)
    ours = {
        name: rabbitmq_username(x509.load_der_x509_certificate(der))
        for name, der in certificates.items()
    }
    brokers = dict(
        zip(certificates, brokers_names(tls_broker, list(certificates.values())), strict=True)
    )
    assert ours == brokers
