"""Machtigen: what a helper may read of another citizen's Berichtenbox. Pure.

The owner (a citizen) grants a helper (another citizen with an activated account) the reading
of the owner's messages from chosen organisations, until a moment or until withdrawn. The
portal owns grants and announces them; the Berichtenbox keeps its own projection and decides
here, at every read, whether it still holds. A grant is never changed: it is given once and
withdrawn once, and the two may arrive in either order.

What a helper sees is never more than the owner would, and less: nothing in the owner's
trash, nothing of another organisation, and nothing of the owner's own doings (folders, read
or not). Opening a message or downloading an attachment is recorded in the message's trail,
naming the grant (never the helper's BSN); it never counts as the owner's read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from berichtenbox.domain.mailbox import content_available
from berichtenbox.domain.message import TRASH, Message

# One trail entry per view: a helper who opens a message twice is recorded twice.
VIEWED_PREFIX: Final = "viewed-by-helper:"


class GrantState(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Grant:
    grant_id: str
    owner_bsn: str
    helper_bsn: str
    owner_name: str  # how the owner lets the helper see them
    organisation_oins: tuple[str, ...]
    granted_at: datetime
    valid_until: datetime | None  # None: until withdrawn
    withdrawn_at: datetime | None = None

    def state(self, now: datetime) -> GrantState:
        if self.withdrawn_at is not None:
            return GrantState.WITHDRAWN
        if self.valid_until is not None and now >= self.valid_until:
            return GrantState.EXPIRED
        return GrantState.ACTIVE

    def covers(self, message: Message, now: datetime) -> bool:
        """The owner's message, from a granted organisation, with its content, not in the
        owner's trash (what the owner deleted is not shown to anyone else)."""
        return (
            message.recipient_bsn == self.owner_bsn
            and message.sender_oin in self.organisation_oins
            and message.folder != TRASH
            and content_available(message, now)
        )


@dataclass(frozen=True)
class GiveGrant:
    grant: Grant


@dataclass(frozen=True)
class WithdrawGrant:
    grant_id: str
    withdrawn_at: datetime


class GrantNotFoundError(LookupError):
    """No such grant for this helper: unknown, or another citizen's (the same answer, so that
    grant ids cannot be probed)."""


class GrantEndedError(Exception):
    """The helper's grant was withdrawn or has ended: it gives nothing any more."""

    def __init__(self, grant_id: str, state: GrantState) -> None:
        super().__init__(f"grant {grant_id} is {state.value}")
        self.state = state


def active_grant(grant: Grant | None, helper_bsn: str, now: datetime) -> Grant:
    """The grant, if it is this helper's and holds now; otherwise why not, as an error."""
    if grant is None or grant.helper_bsn != helper_bsn:
        raise GrantNotFoundError
    state = grant.state(now)
    if state is not GrantState.ACTIVE:
        raise GrantEndedError(grant.grant_id, state)
    return grant


def senders_shown(grant: Grant, sender_oin: str | None) -> tuple[str, ...]:
    """The organisations a helper's listing covers: all granted ones, or the one asked for if
    it is granted (none otherwise: an empty page, never another organisation's messages)."""
    if sender_oin is None:
        return grant.organisation_oins
    return (sender_oin,) if sender_oin in grant.organisation_oins else ()


def view_cause(token: str) -> str:
    return f"{VIEWED_PREFIX}{token}"


def view_details(grant: Grant, attachment: int | None = None) -> dict[str, Any]:
    """What the trail records of a view: the grant and what was shown; no BSN, no name."""
    details: dict[str, Any] = {"grant_id": grant.grant_id}
    if attachment is not None:
        details["attachment"] = attachment
    return details
