"""The receipt keyring: what /api/v1/receipt-keys publishes, and what its settings refuse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from pydantic import ValidationError

from berichtenbox.adapters.signing import (
    Ed25519ReceiptSigner,
    ReceiptKeys,
    RetiredKey,
    key_id_of,
    load_public_key,
)
from berichtenbox.settings import DEV_RECEIPT_KEY, BerichtenboxSettings

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 1, 1, tzinfo=UTC)


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def test_the_current_key_comes_first_then_the_retired_ones_newest_first() -> None:
    current = Ed25519PrivateKey.generate()
    older, oldest = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    keys = ReceiptKeys(
        Ed25519ReceiptSigner(current, T1),
        [
            RetiredKey(oldest.public_key(), T0 - timedelta(days=365), T0),
            RetiredKey(older.public_key(), T0, T1),
        ],
    )
    published = keys.published()
    assert [k["key_id"] for k in published] == [
        key_id_of(current.public_key()),
        key_id_of(older.public_key()),
        key_id_of(oldest.public_key()),
    ]
    assert published[0]["valid_from"] == T1.isoformat()
    assert published[0]["valid_until"] is None
    assert (published[1]["valid_from"], published[1]["valid_until"]) == (
        T0.isoformat(),
        T1.isoformat(),
    )
    assert all(k["algorithm"] == "Ed25519" for k in published)


def test_a_key_cannot_be_both_current_and_retired() -> None:
    key = Ed25519PrivateKey.generate()
    with pytest.raises(ValueError, match="listed twice"):
        ReceiptKeys(Ed25519ReceiptSigner(key), [RetiredKey(key.public_key(), T0, T1)])


def test_a_public_key_loads_from_a_public_or_a_private_pem(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    (tmp_path / "k.pub").write_bytes(public_pem(key))
    (tmp_path / "k.key").write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    assert load_public_key(tmp_path / "k.pub") == key.public_key()
    assert load_public_key(tmp_path / "k.key") == key.public_key()
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    (tmp_path / "ec.pub").write_bytes(
        other.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValueError, match="not an Ed25519"):
        load_public_key(tmp_path / "ec.pub")


def settings(**values: Any) -> BerichtenboxSettings:
    return BerichtenboxSettings(_env_file=None, amqp_url="amqp://x", **values)


def retired(public_key: Path, start: datetime = T0, end: datetime = T1) -> dict[str, Any]:
    return {"public_key": public_key, "valid_from": start, "valid_until": end}


def test_a_retired_period_must_end_after_it_starts(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="valid_until must come after valid_from"):
        settings(receipt_retired_keys=[retired(tmp_path / "k.pub", T1, T0)])


def test_retired_keys_come_from_json_with_aware_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "k.pub"
    path.write_bytes(public_pem(Ed25519PrivateKey.generate()))
    value = [
        {
            "public_key": str(path),
            "valid_from": "2025-01-01T00:00:00Z",
            "valid_until": "2026-01-01T00:00:00+00:00",
        }
    ]
    monkeypatch.setenv("RECEIPT_RETIRED_KEYS", json.dumps(value))
    (key,) = settings().receipt_retired_keys
    assert (key.valid_from, key.valid_until) == (T0, T1)
    value[0]["valid_from"] = "2025-01-01T00:00:00"  # a time without its offset is ambiguous
    monkeypatch.setenv("RECEIPT_RETIRED_KEYS", json.dumps(value))
    with pytest.raises(ValidationError):
        settings()


def test_what_the_configuration_refuses(tmp_path: Path) -> None:
    path = tmp_path / "k.pub"
    path.write_bytes(public_pem(Ed25519PrivateKey.generate()))
    development = {"mijnoverheid_environment": "development"}
    missing = settings(**development, receipt_retired_keys=[retired(tmp_path / "gone.pub")])
    assert any("RECEIPT_RETIRED_KEYS names a file" in p for p in missing.configuration_problems())
    overlapping = settings(
        **development,
        receipt_retired_keys=[retired(path)],
        receipt_signing_key_valid_from=T1 - timedelta(days=1),
    )
    assert any(
        p.startswith("RECEIPT_SIGNING_KEY_VALID_FROM") for p in overlapping.configuration_problems()
    )
    fine = settings(
        **development, receipt_retired_keys=[retired(path)], receipt_signing_key_valid_from=T1
    )
    assert fine.configuration_problems() == []


def test_production_refuses_the_development_key_as_a_retired_key_too() -> None:
    found = settings(receipt_retired_keys=[retired(DEV_RECEIPT_KEY)]).production_problems()
    assert "RECEIPT_RETIRED_KEYS lists the committed development key" in found
