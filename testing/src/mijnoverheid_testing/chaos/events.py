"""The events the chaos run's organisations publish, built from a seeded random source.

Each builder returns the event and what the platform must answer (None: accepted without an
answer of its own; otherwise the rejection reason the contract promises).
"""

from __future__ import annotations

import base64
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.identity import Organisation, is_valid_bsn

Event = dict[str, Any]
EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n% chaos attachment\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def random_bsn(rng: random.Random, valid: bool = True) -> str:
    while True:
        candidate = f"{rng.randrange(10_000_000, 999_999_999):09d}"
        if is_valid_bsn(candidate) == valid:
            return candidate


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def envelope(rng: random.Random, org: Organisation, kind: str, data: dict[str, Any]) -> Event:
    service, event = kind.split(".")
    return {
        "specversion": "1.0",
        "id": new_id(rng),
        "source": source_for(org.oin, "chaos"),
        "type": f"nl.mijnoverheid.{service}.{event}",
        "time": (EPOCH + timedelta(seconds=rng.randrange(0, 86400))).isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }


def _attachment(rng: random.Random, media_type: str = "application/pdf") -> dict[str, str]:
    content = PDF if media_type != "image/png" else PNG
    content += rng.randbytes(rng.randrange(200, 8000))
    return {
        "file_name": f"bijlage-{rng.randrange(10**6)}.{media_type.rsplit('/', 1)[-1]}",
        "media_type": media_type,
        "content": base64.b64encode(content).decode(),
    }


INVALID_MESSAGES = (
    "invalid-bsn",
    "too-many-attachments",
    "attachment-type-not-allowed",
    "expiry-out-of-bounds",
    "malformed",
)


def message_sent(
    rng: random.Random, org: Organisation, bsn: str, invalid: str | None = None
) -> Event:
    data: dict[str, Any] = {
        "recipient_bsn": bsn,
        "subject": f"Bericht {rng.randrange(10**6)} van {org.name}",
        "body": "Geachte heer, mevrouw,\n\n" + "Dit is een bericht uit de chaosproef. " * 8,
        "reference": f"CHAOS-{rng.randrange(10**9):09d}",
        "legal_effect": rng.random() < 0.4,
    }
    if rng.random() < 0.5:
        data["kind"] = rng.choice(("aanslag", "besluit", "herinnering"))
    if rng.random() < 0.15:
        data["attachments"] = [
            _attachment(rng, rng.choice(("application/pdf", "image/png")))
            for _ in range(rng.randrange(1, 3))
        ]
    if invalid == "invalid-bsn":
        data["recipient_bsn"] = random_bsn(rng, valid=False)
    elif invalid == "too-many-attachments":
        data["attachments"] = [_attachment(rng) for _ in range(11)]
    elif invalid == "attachment-type-not-allowed":
        data["attachments"] = [{**_attachment(rng), "media_type": "text/html"}]
    elif invalid == "expiry-out-of-bounds":
        data["expires_at"] = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    elif invalid == "malformed":
        data["colour"] = "red"  # no unknown fields allowed
    return envelope(rng, org, "berichtenbox.message-sent", data)


def case_statuses(
    rng: random.Random, org: Organisation, bsn: str, number: int
) -> list[tuple[Event, tuple[datetime, str, bool]]]:
    """The statuses of one new case, in the order they happened, each with its identity
    (datum_status_gezet in UTC, statustype_code, is_eindstatus)."""
    identificatie = f"ZAAK-{rng.randrange(10**10):010d}"
    start = EPOCH + timedelta(minutes=rng.randrange(0, 100_000))
    host = org.dossier_hosts[0]
    statuses = []
    for position in range(number):
        when = start + timedelta(hours=position, seconds=rng.randrange(0, 3000))
        closing = position == number - 1 and rng.random() < 0.5
        code = f"stap-{position + 1}" if not closing else "afgehandeld"
        data = {
            "identificatie": identificatie,
            "bsn": bsn,
            "zaaktype_omschrijving": "Aanvraag vergunning (chaosproef)",
            "statustype_code": code,
            "statustype_omschrijving": f"Stap {position + 1}",
            "datum_status_gezet": when.isoformat(),
            "is_eindstatus": closing,
            "dossier_url": f"https://{host}/zaken/{identificatie}",
        }
        event = envelope(rng, org, "zaken.case-status-changed", data)
        statuses.append((event, (_utc(when), code, closing)))
    return statuses


def resent(rng: random.Random, event: Event) -> Event:
    """The same status reported again under a new event id, with another explanation."""
    data = {**event["data"], "statustoelichting": "Opnieuw gemeld door het zaaksysteem."}
    return {**event, "id": new_id(rng), "data": data}


def invalid_case_status(rng: random.Random, org: Organisation, bsn: str) -> Event:
    event = case_statuses(rng, org, bsn, 1)[0][0]
    event["data"]["dossier_url"] = "https://elders.example/zaak"  # not a registered host
    return event


def registration_versions(
    rng: random.Random, org: Organisation, bsn: str, register: str, number: int
) -> list[tuple[Event, datetime]]:
    """Versions of one registration, oldest first, each with its valid_from in UTC."""
    key = f"REG-{rng.randrange(10**9):09d}"
    start = EPOCH - timedelta(days=rng.randrange(100, 3000))
    host = org.dossier_hosts[0]
    versions = []
    for position in range(number):
        valid_from = start + timedelta(days=30 * position, minutes=rng.randrange(0, 600))
        data = {
            "recipient_bsn": bsn,
            "register_code": register,
            "registration_key": key,
            "facts": [
                {"label": "Versie", "value": {"type": "text", "text": f"versie {position + 1}"}},
                {"label": "Bedrag", "value": {"type": "amount", "amount": f"{position + 1}00"}},
            ],
            "valid_from": valid_from.isoformat(),
            "where_to_change": {
                "description": "Klopt dit niet? Neem contact op.",
                "url": f"https://{host}/gegevens",
            },
        }
        event = envelope(rng, org, "gegevens.registration-changed", data)
        versions.append((event, _utc(valid_from)))
    return versions


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
