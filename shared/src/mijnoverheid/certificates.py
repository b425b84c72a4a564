"""Certificate names as RabbitMQ and OpenSSL-style tools see them.

- `rabbitmq_username`: the broker user a client certificate logs in as under the EXTERNAL
  mechanism with `ssl_cert_login_from = distinguished_name` (RabbitMQ 3.10's default): the
  subject as `rabbit_cert_info:subject/1` formats it. RabbitMQ compares the AMQP `user_id`
  property byte for byte with this name, so a publisher must produce exactly this string.
- `oin_of` / `serial_numbers_in`: the OIN a PKIoverheid certificate carries in its subject
  serialNumber, from a certificate or from such a user name.
- `openssl_name_hash`: the file name stem under which Erlang's `ssl_crl_hash_dir` (and
  OpenSSL's `-CRLpath`) looks up the CRL of an issuer (`<hash>.r0`).
"""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.x509.oid import NameOID

from mijnoverheid.identity import check_user_for_organisation as check_user_for_organisation
from mijnoverheid.identity import is_valid_oin
from mijnoverheid.identity import serial_numbers_in as serial_numbers_in

# rabbit_cert_info:format_rdn/1 (3.10.8): the attribute types it names; any other type is
# written as its dotted OID (e.g. organizationIdentifier as 2.5.4.97, street as 2.5.4.9).
_RABBITMQ_SHORT_NAMES = {
    "2.5.4.4": "SN",
    "2.5.4.42": "GIVENNAME",
    "2.5.4.43": "INITIALS",
    "2.5.4.44": "GENERATIONQUALIFIER",
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.12": "TITLE",
    "2.5.4.6": "C",
    "2.5.4.5": "SERIALNUMBER",
    "2.5.4.65": "PSEUDONYM",
    "0.9.2342.19200300.100.1.25": "DC",
    "1.2.840.113549.1.9.1": "EMAILADDRESS",
    "0.9.2342.19200300.100.1.1": "UID",
}
_ESCAPED_ANYWHERE = frozenset(b'"+,;<>\\')


def _escape_rdn_value(value: str) -> str:
    """rabbit_cert_info:escape_rdn_value/1: RFC 4514 escapes, and every byte of the UTF-8
    encoding outside 32..125 as a backslash and two upper-case hex digits."""
    data = value.encode("utf-8")
    out: list[str] = []
    for index, byte in enumerate(data):
        first, last = index == 0, index == len(data) - 1
        leading = first and byte in b" #"
        trailing_space = not first and last and byte == ord(" ")
        if leading or trailing_space or byte in _ESCAPED_ANYWHERE:
            out.append("\\" + chr(byte))
        elif byte < 32 or byte >= 126:
            out.append(f"\\{byte:02X}")
        else:
            out.append(chr(byte))
    return "".join(out)


def _attribute_text(attribute: x509.NameAttribute[str | bytes]) -> str:
    if not isinstance(attribute.value, str):
        raise ValueError(f"name attribute {attribute.oid.dotted_string} is not a string")
    return attribute.value


def rabbitmq_dn(name: x509.Name) -> str:
    """A name as RabbitMQ writes it: RDNs last-to-first, joined by ',' (no spaces)."""
    rdns = []
    for rdn in reversed(name.rdns):
        parts = []
        for attribute in rdn:
            dotted = attribute.oid.dotted_string
            label = _RABBITMQ_SHORT_NAMES.get(dotted, dotted)
            parts.append(f"{label}={_escape_rdn_value(_attribute_text(attribute))}")
        rdns.append("+".join(parts))
    return ",".join(rdns)


def rabbitmq_username(certificate: x509.Certificate) -> str:
    """The broker user (and so the AMQP user_id) of a client certificate under EXTERNAL."""
    return rabbitmq_dn(certificate.subject)


def oin_of(certificate: x509.Certificate) -> str:
    """The OIN in the subject serialNumber; exactly one, 20 digits, or ValueError."""
    values = [
        _attribute_text(attribute)
        for attribute in certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    ]
    if len(values) != 1 or not is_valid_oin(values[0]):
        raise ValueError(f"certificate subject has no single OIN in serialNumber: {values}")
    return values[0]


# --- OpenSSL's X509_NAME_hash (the "subject_hash" of `openssl x509 -hash`) -----------------


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def _der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def _der_oid(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytearray([arcs[0] * 40 + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _der(0x06, bytes(body))


def _canonical_value(value: str) -> bytes:
    """OpenSSL's asn1_string_canon: trim and collapse ASCII white space, lower-case ASCII."""
    data = value.encode("utf-8")
    spaces = b" \t\n\v\f\r"
    data = data.strip(spaces)
    out = bytearray()
    index = 0
    while index < len(data):
        byte = data[index]
        if byte in spaces:
            out.append(ord(" "))
            while index < len(data) and data[index] in spaces:
                index += 1
            continue
        out.append(byte + 32 if 65 <= byte <= 90 else byte)
        index += 1
    return bytes(out)


def openssl_name_hash(name: x509.Name) -> str:
    """8 hex digits: SHA-1 over the canonical encoding of the RDNs, first 4 bytes little-endian.

    Every attribute is taken as a string (true of CA names in practice; a non-string value
    raises ValueError rather than hashing to a name no tool would find)."""
    canonical = bytearray()
    for rdn in name.rdns:
        entries = sorted(
            _der(
                0x30,
                _der_oid(attribute.oid.dotted_string)
                + _der(0x0C, _canonical_value(_attribute_text(attribute))),
            )
            for attribute in rdn
        )
        canonical += _der(0x31, b"".join(entries))
    digest = hashlib.sha1(canonical, usedforsecurity=False).digest()
    return f"{int.from_bytes(digest[:4], 'little'):08x}"
