"""The Berichtenbox's public keys over HTTP (/api/v1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from mijnoverheid.runtime import api_of

router = APIRouter(prefix="/api/v1")


@router.get("/receipt-keys", tags=["receipts"])
async def receipt_keys(request: Request) -> dict[str, Any]:
    """Every public key that verifies delivery receipts (`message-delivered` data.receipt),
    each with its validity period: the current key (`valid_until` null) and every key retired
    by a rotation, so a receipt signed before a rotation still verifies after it."""
    return {"keys": api_of(request).receipt_keys.published()}
