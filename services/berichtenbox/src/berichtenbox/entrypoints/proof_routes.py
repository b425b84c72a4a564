"""The proof of delivery a citizen can keep (/api/v1): the trail, its verification, and the
signed receipt the sender got. Scoped to the token's BSN like every citizen route; available
also after the content was deleted or has expired."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse

from berichtenbox.domain.trail_export import trail_text
from berichtenbox.entrypoints import citizen_views as views
from berichtenbox.entrypoints.citizen_routes import NOT_FOUND, InboxDep, MessageId, as_problems
from mijnoverheid.api import PERSONAL, UNAUTHORIZED
from mijnoverheid.auth import CurrentCitizen
from mijnoverheid.contracts.berichtenbox import SignedReceipt

router = APIRouter(prefix=views.PREFIX)


@router.get(
    "/messages/{message_id}/receipt",
    response_model=SignedReceipt,
    tags=["receipts"],
    responses={**UNAUTHORIZED, **NOT_FOUND},
)
async def message_receipt(
    message_id: MessageId, citizen: CurrentCitizen, mailbox: InboxDep, response: Response
) -> SignedReceipt:
    """The signed delivery receipt the sender got (`message-delivered` `data.receipt`), to
    verify with `/api/v1/receipt-keys`; also after the content was deleted or has expired."""
    with as_problems():
        receipt = await mailbox.receipt(citizen.bsn, message_id)
    response.headers.update(PERSONAL)
    # The contract's own model: exactly the shape of message-delivered's data.receipt.
    return SignedReceipt(
        key_id=receipt.key_id, payload=receipt.payload, signature=receipt.signature
    )


@router.get(
    "/messages/{message_id}/trail",
    response_model=views.TrailView,
    tags=["trail"],
    responses={**UNAUTHORIZED, **NOT_FOUND},
)
async def message_trail(
    message_id: MessageId, citizen: CurrentCitizen, mailbox: InboxDep, response: Response
) -> views.TrailView:
    """Everything that happened to the message, hash-chained, with the chain's verification."""
    with as_problems():
        message, entries = await mailbox.trail_of(citizen.bsn, message_id)
    response.headers.update(PERSONAL)
    return views.trail_view(message, entries)


@router.get(
    "/messages/{message_id}/trail.txt",
    response_class=PlainTextResponse,
    tags=["trail"],
    responses={
        200: {"content": {"text/plain": {}}, "description": "the trail, in Dutch and English"},
        **UNAUTHORIZED,
        **NOT_FOUND,
    },
)
async def message_trail_text(
    message_id: MessageId, citizen: CurrentCitizen, mailbox: InboxDep
) -> PlainTextResponse:
    with as_problems():
        message, entries = await mailbox.trail_of(citizen.bsn, message_id)
    return PlainTextResponse(trail_text(message, entries), headers=PERSONAL)


@router.get(
    "/messages/{message_id}/trail/verification",
    response_model=views.Verification,
    tags=["trail"],
    responses={**UNAUTHORIZED, **NOT_FOUND},
)
async def verify_message_trail(
    message_id: MessageId, citizen: CurrentCitizen, mailbox: InboxDep
) -> views.Verification:
    """Recomputes every entry's hash and its link to the one before."""
    with as_problems():
        _, entries = await mailbox.trail_of(citizen.bsn, message_id)
    return views.verification(entries)
