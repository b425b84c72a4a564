"""Machtigen over HTTP: a helper's grants and the owner's messages as the helper sees them.

Never a BSN; never what is the owner's own business (folders, whether and when they read a
message); the owner named as they allowed (`owner_name`). A listing carries no content (no
subject, no body), so that only opening a message or an attachment is a view.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import quote

from pydantic import BaseModel, Field

from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.grants import Grant
from berichtenbox.domain.mailbox import MessageSummary
from berichtenbox.domain.message import Message
from berichtenbox.entrypoints.citizen_views import (
    PREFIX,
    AttachmentView,
    Sender,
    attachment_views,
    summary_facts,
)


class GrantView(BaseModel):
    grant_id: str = Field(description="opaque")
    href: str
    owner_name: str = Field(description="whose post this is, as the owner lets you see them")
    organisations: list[Sender] = Field(description="whose messages you may read")
    granted_at: datetime
    valid_until: datetime | None = Field(
        description="the first moment it no longer holds; null: until withdrawn"
    )
    messages_href: str


class GrantList(BaseModel):
    grants: list[GrantView] = Field(description="the grants that hold now, oldest first")


class GrantMessageSummaryView(BaseModel):
    """A message in a helper's listing: what it is, not what it says."""

    message_id: str
    href: str
    grant_id: str
    sender: Sender
    reference: str = Field(description="the sender's own reference (kenmerk)")
    legal_effect: bool
    kind: str | None
    deadline: date | None
    sent_at: datetime
    delivered_at: datetime
    expires_at: datetime
    attachment_count: int


class GrantMessageView(GrantMessageSummaryView):
    owner_name: str = Field(description="whose post this is, as the owner lets you see them")
    subject: str
    body: str
    attachments: list[AttachmentView]
    content_digest: str = Field(description="sha256:<hex> over the delivered content")


def grant_href(grant_id: str) -> str:
    return f"{PREFIX}/grants/{quote(grant_id, safe='')}"


def message_href(grant_id: str, message_id: str) -> str:
    return f"{grant_href(grant_id)}/messages/{quote(message_id, safe='')}"


def grant_view(grant: Grant, names: Mapping[str, str]) -> GrantView:
    return GrantView(
        grant_id=grant.grant_id,
        href=grant_href(grant.grant_id),
        owner_name=grant.owner_name,
        organisations=[
            Sender(oin=oin, name=names.get(oin, oin)) for oin in grant.organisation_oins
        ],
        granted_at=grant.granted_at,
        valid_until=grant.valid_until,
        messages_href=f"{grant_href(grant.grant_id)}/messages",
    )


def summary_view(grant: Grant, summary: MessageSummary) -> GrantMessageSummaryView:
    return GrantMessageSummaryView(
        **summary_facts(summary),
        href=message_href(grant.grant_id, summary.message_id),
        grant_id=grant.grant_id,
    )


def message_view(grant: Grant, message: Message) -> GrantMessageView:
    summary = summary_view(grant, rules.summary_of(message))
    return GrantMessageView(
        **summary.model_dump(),
        owner_name=grant.owner_name,
        subject=message.subject,
        body=message.body,
        content_digest=message.content_digest,
        attachments=attachment_views(message, summary.href),
    )
