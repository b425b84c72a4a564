"""MessageSent documents and attachments to validate, and the rejection they get, shared by the
contract tests."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import ValidationError

from mijnoverheid.contracts.berichtenbox import (
    MessageSent,
)
from mijnoverheid.contracts.rejection import RejectionReason, reason_of


def pdf(size: int) -> bytes:
    """A PDF of `size` bytes, as far as its first bytes tell."""
    return (b"%PDF-" + b"\0" * size)[:size]


def attachment(
    content: bytes = b"%PDF-1.7 test",
    *,
    file_name: str = "aanslag.pdf",
    media_type: str = "application/pdf",
) -> dict[str, Any]:
    return {
        "file_name": file_name,
        "media_type": media_type,
        "content": base64.b64encode(content).decode("ascii"),
    }


def message(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "recipient_bsn": "999993653",
        "subject": "Uw aanslag inkomstenbelasting 2025",
        "body": "Geachte heer/mevrouw, hierbij ontvangt u uw aanslag.",
        "reference": "KENMERK-1",
        "legal_effect": True,
    }
    data.update(overrides)
    return data


def rejection(data: dict[str, Any]) -> tuple[RejectionReason, str]:
    with pytest.raises(ValidationError) as caught:
        MessageSent.model_validate(data)
    return reason_of(caught.value)
