"""The Berichtenbox's HTTP API (/api/v1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

router = APIRouter(prefix="/api/v1")


@router.get("/receipt-keys", tags=["receipts"])
async def receipt_keys(request: Request) -> dict[str, Any]:
    """The public keys that verify delivery receipts (`message-delivered` data.receipt)."""
    return {"keys": [request.app.state.signer.public_key()]}
