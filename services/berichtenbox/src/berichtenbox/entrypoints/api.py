"""The Berichtenbox's public keys over HTTP (/api/v1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from mijnoverheid.runtime import api_of

router = APIRouter(prefix="/api/v1")


@router.get("/receipt-keys", tags=["receipts"])
async def receipt_keys(request: Request) -> dict[str, Any]:
    """The public keys that verify delivery receipts (`message-delivered` data.receipt)."""
    return {"keys": [api_of(request).signer.public_key()]}
