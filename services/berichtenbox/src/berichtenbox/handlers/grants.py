"""Machtigen: the portal's grants as the Berichtenbox keeps them, and what a helper reads
through one.

Every read checks the grant at that moment (withdrawn or past its end: nothing). A view of
content (a message opened, an attachment downloaded) is recorded in the message's trail
before the content is handed out, so no view goes unrecorded; it never marks the message read
and never tells the sender (that is the owner's read alone).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.grants import (
    GiveGrant,
    Grant,
    GrantState,
    WithdrawGrant,
    active_grant,
    senders_shown,
    view_cause,
    view_details,
)
from berichtenbox.domain.mailbox import ListingCriteria, MessageSummary
from berichtenbox.domain.message import AttachmentFile, Message
from berichtenbox.domain.trail import TrailKind
from berichtenbox.ports import GrantDirectory, MessageStore, Record, Trail


@dataclass(frozen=True)
class GrantProjection:
    grants: GrantDirectory

    async def given(self, command: GiveGrant) -> None:
        await self.grants.record_grant(command.grant)

    async def withdrawn(self, command: WithdrawGrant) -> None:
        await self.grants.record_withdrawal(command.grant_id, command.withdrawn_at)


@dataclass(frozen=True)
class HelperMailbox:
    """The owner's post as a helper reads it: only through a grant that holds now."""

    grants: GrantDirectory
    store: MessageStore
    trail: Trail
    clock: Callable[[], datetime]

    async def grants_of(self, helper_bsn: str) -> list[Grant]:
        """The helper's grants that hold now (withdrawn and ended ones are left out)."""
        now = self.clock()
        found = await self.grants.of_helper(helper_bsn)
        return [grant for grant in found if grant.state(now) is GrantState.ACTIVE]

    async def grant(self, helper_bsn: str, grant_id: str) -> Grant:
        return active_grant(await self.grants.grant(grant_id), helper_bsn, self.clock())

    async def listing(
        self, helper_bsn: str, grant_id: str, sender_oin: str | None, *, skip: int, limit: int
    ) -> tuple[Grant, list[MessageSummary], int]:
        """The owner's messages from the granted organisations, newest first; nothing from
        the owner's trash. A listing shows no content, so it is not a view."""
        grant = await self.grant(helper_bsn, grant_id)
        senders = senders_shown(grant, sender_oin)
        if not senders:
            return grant, [], 0
        criteria = ListingCriteria(senders=senders)
        now = self.clock()
        items, total = await self.store.listing(
            grant.owner_bsn, criteria, now, skip=skip, limit=limit
        )
        return grant, items, total

    async def open(self, helper_bsn: str, grant_id: str, message_id: str) -> tuple[Grant, Message]:
        grant, message = await self._covered(helper_bsn, grant_id, message_id)
        await self._record_view(grant, message, attachment=None)
        return grant, message

    async def attachment(
        self, helper_bsn: str, grant_id: str, message_id: str, index: int
    ) -> tuple[Grant, AttachmentFile, AsyncIterator[bytes]]:
        grant, message = await self._covered(helper_bsn, grant_id, message_id)
        if not 0 <= index < len(message.attachments):
            raise rules.AttachmentNotFoundError(index)
        file = message.attachments[index]
        await self._record_view(grant, message, attachment=index)
        try:
            chunks = await self.store.open_attachment(file.file_id)
        except LookupError as error:
            raise rules.ContentGoneError(message_id) from error
        return grant, file, chunks

    async def _covered(
        self, helper_bsn: str, grant_id: str, message_id: str
    ) -> tuple[Grant, Message]:
        grant = await self.grant(helper_bsn, grant_id)
        message = await self.store.owned(grant.owner_bsn, message_id)
        if message is None or not grant.covers(message, self.clock()):
            # Another organisation's, someone else's, trashed or gone: as if it did not exist.
            raise rules.MessageNotFoundError(message_id)
        return grant, message

    async def _record_view(self, grant: Grant, message: Message, attachment: int | None) -> None:
        record = Record(
            TrailKind.VIEWED_BY_HELPER,
            view_cause(uuid.uuid4().hex),
            self.clock(),
            view_details(grant, attachment),
        )
        await self.trail.append(message.message_id, record)
