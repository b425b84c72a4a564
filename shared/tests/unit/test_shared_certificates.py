"""Certificate names: RabbitMQ's user name of a subject, the OIN in it, OpenSSL's name hash.

The broker itself confirms `rabbitmq_dn` in tests/security/test_certificate_names.py; the
hashes below were computed with `openssl x509 -subject_hash` (OpenSSL 3.0) for the same names.
"""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from mijnoverheid.certificates import (
    check_user_for_organisation,
    openssl_name_hash,
    rabbitmq_dn,
    serial_numbers_in,
)

OIN = "00000001003214345000"
OTHER_OIN = "00000001001234567000"


def name(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])


def test_the_user_name_lists_the_subject_last_attribute_first() -> None:
    subject = name(
        (NameOID.COUNTRY_NAME, "NL"),
        (NameOID.ORGANIZATION_NAME, "Belastingdienst"),
        (NameOID.SERIAL_NUMBER, OIN),
        (NameOID.COMMON_NAME, "belastingdienst-systeem"),
    )
    assert rabbitmq_dn(subject) == (
        f"CN=belastingdienst-systeem,SERIALNUMBER={OIN},O=Belastingdienst,C=NL"
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("A, B + C; D", "A\\, B \\+ C\\; D"),
        ('"quoted" <x> \\', '\\"quoted\\" \\<x\\> \\\\'),
        ("#first", "\\#first"),
        ("a#b", "a#b"),
        (" padded ", "\\ padded\\ "),
        ("Fryslân", "Frysl\\C3\\A2n"),
        ("tilde~", "tilde\\7E"),
        ("tab\there", "tab\\09here"),
    ],
)
def test_values_are_escaped_as_rabbitmq_escapes_them(value: str, written: str) -> None:
    assert rabbitmq_dn(name((NameOID.ORGANIZATION_NAME, value))) == f"O={written}"


def test_attribute_types_rabbitmq_does_not_name_are_written_as_their_oid() -> None:
    subject = name(
        (x509.ObjectIdentifier("2.5.4.97"), "NTRNL-50200097"),
        (NameOID.STREET_ADDRESS, "Turfmarkt 147"),
    )
    assert rabbitmq_dn(subject) == "2.5.4.9=Turfmarkt 147,2.5.4.97=NTRNL-50200097"


def test_the_oin_is_read_back_from_a_user_name() -> None:
    user = f"CN=systeem,SERIALNUMBER={OIN},O=Belastingdienst,C=NL"
    assert serial_numbers_in(user) == [OIN]
    assert serial_numbers_in("CN=a\\,SERIALNUMBER=1,O=x") == []
    assert serial_numbers_in("CN=x,O=y") == []


def test_a_certificate_user_belongs_only_to_the_organisation_its_serial_number_names() -> None:
    user = f"CN=systeem,SERIALNUMBER={OIN},O=Belastingdienst,C=NL"
    check_user_for_organisation(user, OIN)
    with pytest.raises(ValueError, match="does not carry OIN"):
        check_user_for_organisation(user, OTHER_OIN)
    with pytest.raises(ValueError, match="does not carry OIN"):
        check_user_for_organisation("CN=systeem,O=Belastingdienst,C=NL", OIN)
    with pytest.raises(ValueError, match="does not carry OIN"):
        check_user_for_organisation(f"SERIALNUMBER={OIN}+SERIALNUMBER={OTHER_OIN}", OIN)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (
            name(
                (NameOID.COUNTRY_NAME, "NL"),
                (NameOID.ORGANIZATION_NAME, "Staat der  Nederlanden (TEST)"),
                (NameOID.SERIAL_NUMBER, OIN),
                (NameOID.COMMON_NAME, " TEST Root  CA - G1 "),
            ),
            "16d75fde",
        ),
        (
            name(
                (NameOID.COUNTRY_NAME, "NL"),
                (NameOID.ORGANIZATION_NAME, "Provincie Fryslân"),
                (NameOID.COMMON_NAME, "ÄBC Grüße, test+x"),
            ),
            "fb6e95ea",
        ),
    ],
)
def test_the_name_hash_is_openssls(subject: x509.Name, expected: str) -> None:
    """Case and runs of white space do not count; non-ASCII letters keep their case."""
    assert openssl_name_hash(subject) == expected
