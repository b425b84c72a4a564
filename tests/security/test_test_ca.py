"""The test PKI has PKIoverheid's shape, and rebuilding it keeps what still fits."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mijnoverheid.certificates import oin_of, openssl_name_hash, rabbitmq_username
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.pki.catalogue import PLATFORM_OIN, SERVERS, SERVICES
from mijnoverheid_testing.pki.index import TestPki
from mijnoverheid_testing.pki.issuing import load_certificates
from mijnoverheid_testing.pki.testca import build

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory, registry: OrganisationRegistry) -> TestPki:
    directory = tmp_path_factory.mktemp("pki")
    build(directory, registry, PLATFORM_OIN, NOW)
    return TestPki.load(directory)


def chain(path: Path) -> list[x509.Certificate]:
    return load_certificates(path)


def ca(pki: TestPki, stem: str) -> x509.Certificate:
    return load_certificates(pki.authority(stem))[0]


def attribute(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in certificate.subject.get_attributes_for_oid(oid)]


def usages(certificate: x509.Certificate) -> list[x509.ObjectIdentifier]:
    return list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


def crl_of(pki: TestPki, stem: str) -> x509.CertificateRevocationList:
    return x509.load_pem_x509_crl((pki.directory / pki.index["crls"][stem]).read_bytes())


def test_the_chain_is_root_domain_issuing_and_each_ca_may_only_sign(pki: TestPki) -> None:
    root, domain, issuing = ca(pki, "root"), ca(pki, "domain"), ca(pki, "issuing")
    root.verify_directly_issued_by(root)
    domain.verify_directly_issued_by(root)
    issuing.verify_directly_issued_by(domain)
    assert "Staat der Nederlanden" in root.subject.rfc4514_string()
    for certificate, path_length in ((root, None), (domain, 1), (issuing, 0)):
        assert "TEST" in attribute(certificate, NameOID.COMMON_NAME)[0]
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        assert constraints.critical
        assert constraints.value.ca
        assert constraints.value.path_length == path_length
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        assert key_usage.key_cert_sign
        assert key_usage.crl_sign
        assert not key_usage.digital_signature
    assert load_certificates(pki.bundle) == [root, domain, issuing]


def test_an_organisation_certificate_carries_its_oin_in_subject_serial_number(
    pki: TestPki, registry: OrganisationRegistry
) -> None:
    issuing, domain = ca(pki, "issuing"), ca(pki, "domain")
    for org in registry.organisations:
        issued = pki.organisation(org.broker_user)
        leaf, *rest = chain(issued.certificate)
        assert rest == [issuing, domain]  # presented with its chain, up to the root
        leaf.verify_directly_issued_by(issuing)
        assert attribute(leaf, NameOID.COUNTRY_NAME) == ["NL"]
        assert attribute(leaf, NameOID.ORGANIZATION_NAME) == [org.name]
        assert attribute(leaf, NameOID.SERIAL_NUMBER) == [org.oin]
        assert attribute(leaf, NameOID.COMMON_NAME) == [f"{org.broker_user}-systeem"]
        assert oin_of(leaf) == org.oin
        assert issued.rabbitmq_user == rabbitmq_username(leaf)
        assert issued.rabbitmq_user == (
            f"CN={org.broker_user}-systeem,SERIALNUMBER={org.oin},O={org.name},C=NL"
        )


def test_client_certificates_authenticate_clients_and_server_certificates_servers(
    pki: TestPki, registry: OrganisationRegistry
) -> None:
    clients = [pki.organisation(org.broker_user) for org in registry.organisations]
    clients += [pki.service(service) for service in SERVICES]
    for issued in clients:
        leaf = chain(issued.certificate)[0]
        assert usages(leaf) == [ExtendedKeyUsageOID.CLIENT_AUTH]
        assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        key_usage = leaf.extensions.get_extension_for_class(x509.KeyUsage)
        assert key_usage.critical
        assert key_usage.value.digital_signature
        assert not key_usage.value.key_cert_sign
    for service in SERVICES:
        assert oin_of(chain(pki.service(service).certificate)[0]) == PLATFORM_OIN
    for server in SERVERS:
        leaf = chain(pki.server(server).certificate)[0]
        assert usages(leaf) == [ExtendedKeyUsageOID.SERVER_AUTH]
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "localhost" in names.get_values_for_type(x509.DNSName)
        assert names.get_values_for_type(x509.IPAddress) == [ip_address("127.0.0.1")]


def test_the_certificates_for_refusals_are_what_they_claim(
    pki: TestPki, registry: OrganisationRegistry
) -> None:
    first, second = registry.organisations[0], registry.organisations[1]
    expired = chain(pki.invalid("expired").certificate)[0]
    assert expired.not_valid_after_utc < NOW
    revoked = pki.invalid("revoked")
    listed = crl_of(pki, "issuing").get_revoked_certificate_by_serial_number(revoked.serial)
    assert listed is not None
    foreign = chain(pki.invalid("foreign-ca").certificate)[0]
    assert foreign.issuer == ca(pki, "foreign").subject
    assert ca(pki, "foreign") not in load_certificates(pki.bundle)
    under_revoked_ca = chain(pki.invalid("revoked-ca").certificate)
    revoked_ca = ca(pki, "revoked-issuing")
    assert under_revoked_ca[1] == revoked_ca
    assert crl_of(pki, "domain").get_revoked_certificate_by_serial_number(revoked_ca.serial_number)
    wrong = chain(pki.invalid("wrong-oin").certificate)[0]
    assert attribute(wrong, NameOID.ORGANIZATION_NAME) == [first.name]
    assert oin_of(wrong) == second.oin
    for name in ("expired", "revoked", "foreign-ca", "revoked-ca"):
        assert pki.invalid(name).rabbitmq_user == pki.organisation(first.broker_user).rabbitmq_user


def test_every_ca_publishes_a_crl_under_its_name_hash_listing_only_the_revoked(
    pki: TestPki,
) -> None:
    revoked = {"root": [], "domain": [ca(pki, "revoked-issuing").serial_number]}
    revoked |= {"issuing": [pki.invalid("revoked").serial], "revoked-issuing": []}
    for stem, serials in revoked.items():
        authority = ca(pki, stem)
        crl = crl_of(pki, stem)
        assert pki.index["crls"][stem] == f"crl/{openssl_name_hash(authority.subject)}.r0"
        public_key = authority.public_key()
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        assert crl.is_signature_valid(public_key)
        assert sorted(entry.serial_number for entry in crl) == serials
        assert crl.next_update_utc is not None
        assert crl.next_update_utc > NOW + timedelta(days=7)


def test_keys_are_private_and_certificates_readable(pki: TestPki) -> None:
    files = [path for path in pki.directory.rglob("*") if path.is_file()]
    keys = [path for path in files if path.suffix == ".key"]
    assert len(keys) == len(pki.index["leaves"]) + len(pki.index["authorities"])
    for path in files:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o600 if path.suffix == ".key" else 0o644), path


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*.*")}


def test_rebuilding_keeps_everything_that_still_fits(
    tmp_path: Path, registry: OrganisationRegistry
) -> None:
    build(tmp_path, registry, PLATFORM_OIN, NOW)
    before = snapshot(tmp_path)
    build(tmp_path, registry, PLATFORM_OIN, NOW + timedelta(days=1))
    assert snapshot(tmp_path) == before


def test_rebuilding_renews_what_expires_soon_and_what_the_registry_changed(
    tmp_path: Path, registry: OrganisationRegistry
) -> None:
    build(tmp_path, registry, PLATFORM_OIN, NOW)
    before = snapshot(tmp_path)
    renamed = registry.organisations[-1]
    changed = registry.model_copy(
        update={
            "organisations": (
                *registry.organisations[:-1],
                renamed.model_copy(update={"name": "Stichting Anders"}),
            )
        }
    )
    build(tmp_path, changed, PLATFORM_OIN, NOW + timedelta(days=1))
    after = snapshot(tmp_path)
    touched = {name for name in after if after[name] != before.get(name)}
    stem = f"organisations/{renamed.broker_user}"
    assert touched == {f"{stem}.pem", f"{stem}.key", "index.json"}

    later = NOW + timedelta(days=340)  # within 30 days of the leaves' end; CRLs near theirs
    build(tmp_path, changed, PLATFORM_OIN, later)
    renewed = TestPki.load(tmp_path)
    leaf = chain(renewed.organisation(renamed.broker_user).certificate)[0]
    assert leaf.not_valid_after_utc > later + timedelta(days=300)
    assert crl_of(renewed, "issuing").next_update_utc > later  # type: ignore[operator]
    assert snapshot(tmp_path)["ca/root.key"] == before["ca/root.key"]
