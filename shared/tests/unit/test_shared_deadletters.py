"""What an operator sees of a dead letter: no personal data, the route it took, why it died."""

from __future__ import annotations

import io
import json
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID

from mijnoverheid.deadletters.__main__ import Progress, _tls
from mijnoverheid.deadletters.letters import REPLAYS_HEADER, UNRECOGNISED, read, replay_headers

BSN, EMAIL = "999993653", "burger@example.nl"
OIN = "00000001003214345000"
T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def event(**envelope: Any) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": "5b0c9f3e-2f6a-5d1e-9c44-0e6f1b2a7c10",
            "source": "urn:nld:oin:00000001234567890000:systeem:berichtenbox",
            "type": "nl.mijnoverheid.berichtenbox.message-delivered",
            "data": {"recipient_bsn": BSN, "email": EMAIL, "reference": "KENMERK-1"},
            **envelope,
        }
    ).encode()


def death(queue: str, reason: str, key: str, count: int = 1) -> dict[str, Any]:
    return {
        "queue": queue,
        "reason": reason,
        "count": count,
        "time": T,
        "exchange": "mijnoverheid",
        "routing-keys": [key],
    }


def shown(letter: Any) -> str:
    return json.dumps(letter.__dict__, default=str)


def test_a_dead_letter_shows_ids_types_sources_and_reasons_never_its_data() -> None:
    key = f"berichtenbox.message-delivered.{OIN}"
    letter = read(
        "notifier.message-delivered.dead-letter",
        event(),
        {"x-death": [death("notifier.message-delivered", "delivery_limit", key, 2)]},
        message_id="5b0c9f3e-2f6a-5d1e-9c44-0e6f1b2a7c10",
        user_id="berichtenbox",
        content_type="application/cloudevents+json",
    )
    assert letter.queue == "notifier.message-delivered"
    assert letter.id == "5b0c9f3e-2f6a-5d1e-9c44-0e6f1b2a7c10"
    assert letter.event_type == "nl.mijnoverheid.berichtenbox.message-delivered"
    assert letter.source == "urn:nld:oin:00000001234567890000:systeem:berichtenbox"
    assert (letter.reason, letter.count, letter.died_at) == ("delivery_limit", 2, T)
    assert letter.routing_key == key
    assert letter.data_fields == ("email", "recipient_bsn", "reference")  # names only
    for secret in (BSN, EMAIL, "KENMERK-1"):
        assert secret not in shown(letter)


def test_envelope_fields_that_are_not_what_they_must_be_are_not_shown() -> None:
    body = event(type=f"bsn {BSN}", source=f"mailto:{EMAIL}", data={f"x{BSN}@": 1})
    letter = read(
        "berichtenbox.message-sent.dead-letter",
        body,
        {},
        message_id=f"{EMAIL}",
        user_id=f"{BSN} <{EMAIL}>",
        content_type="text/plain; bsn=1",
    )
    assert letter.event_type == letter.source == letter.user_id == UNRECOGNISED
    assert letter.id.startswith("#")  # a digest of the body, to select it by
    assert letter.reason == "unknown"  # no x-death: not dead-lettered by the broker
    for secret in (BSN, EMAIL):
        assert secret not in shown(letter)


def test_garbage_is_listed_by_digest() -> None:
    letter = read("zaken.case-status-changed.dead-letter", b"\x00\xff not json", {},
                  message_id=None, user_id=None, content_type=None)  # fmt: skip
    assert letter.event_type is None
    assert letter.data_fields == ()
    assert letter.id.startswith("#")
    assert letter.size == 11


def test_a_retry_command_replays_to_the_retry_queue_not_its_delay_queue() -> None:
    deaths = [
        death("notifier.retry", "rejected", "notifier.retry"),
        {**death("notifier.retry.10s", "expired", "notifier.retry.10s"), "exchange": ""},
    ]
    letter = read("notifier.retry.dead-letter", b'{"notification_id": "n", "after_attempt": 1}',
                  {"x-death": deaths}, message_id="r-1", user_id="notifier",
                  content_type="application/json")  # fmt: skip
    assert (letter.queue, letter.routing_key, letter.reason) == (
        "notifier.retry",
        "notifier.retry",
        "rejected",
    )
    assert [d.queue for d in letter.deaths] == ["notifier.retry", "notifier.retry.10s"]


def test_a_replay_starts_without_the_brokers_records_and_counts_itself() -> None:
    headers = {
        "x-death": [death("q", "rejected", "k")],
        "x-first-death-queue": "q",
        "x-delivery-count": 3,
        "traceparent": "00-abc-def-01",
        REPLAYS_HEADER: 1,
    }
    replayed = replay_headers(headers, ("mijnoverheid-replay-to", "q"))
    assert replayed == {
        "traceparent": "00-abc-def-01",
        REPLAYS_HEADER: 2,
        "mijnoverheid-replay-to": "q",
    }


def test_the_progress_bar_writes_lines_when_not_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(20, out)
    for _ in range(20):
        progress.advance()
    progress.done()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[-1].endswith("20/20 replayed")
    assert lines[-1].startswith("[" + "#" * Progress.WIDTH + "]")


def test_over_tls_the_operator_logs_in_with_its_certificate(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ops")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "ops.pem").write_bytes(certificate.public_bytes(Encoding.PEM))
    (tmp_path / "ops.key").write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    files = {
        "AMQP_CERT_FILE": str(tmp_path / "ops.pem"),
        "AMQP_KEY_FILE": str(tmp_path / "ops.key"),
    }

    assert _tls("amqp://u:p@h:5672/v", files) == ("amqp://u:p@h:5672/v", None)
    url, context = _tls("amqps://h1:5671,h2:5671/v?heartbeat=10", files)
    assert url == "amqps://h1:5671,h2:5671/v?heartbeat=10&auth=external"
    assert context is not None
    assert context.verify_mode is ssl.CERT_REQUIRED  # the broker is verified
    assert context.check_hostname
    url, _ = _tls("amqps://h1:5671/v", {})
    assert url == "amqps://h1:5671/v", "without a certificate: the URL's user and password"
