"""Machtigen: when a grant holds, what it covers, and what a helper's reads do (on fakes): a
view is recorded in the trail naming the grant, and never counts as the owner's read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.grants import (
    GiveGrant,
    Grant,
    GrantEndedError,
    GrantNotFoundError,
    GrantState,
    WithdrawGrant,
    active_grant,
    senders_shown,
)
from berichtenbox.domain.mailbox import ListingCriteria, MessageSummary, summary_of
from berichtenbox.domain.message import TRASH, AttachmentFile, Message
from berichtenbox.domain.trail import TrailKind
from berichtenbox.domain.trail_export import label
from berichtenbox.handlers.grants import GrantProjection, HelperMailbox
from berichtenbox.ports import Record
from services.berichtenbox.tests.unit import inbox_world
from services.berichtenbox.tests.unit.fakes import InMemoryTrail

OWNER, HELPER, STRANGER = inbox_world.BSN, "999990019", "999990032"
BELASTINGDIENST, GEMEENTE = inbox_world.SENDER_OIN, "00000001001234567000"
NOW = inbox_world.NOW


def a_grant(**overrides: Any) -> Grant:
    fields: dict[str, Any] = {
        "grant_id": "g-1",
        "owner_bsn": OWNER,
        "helper_bsn": HELPER,
        "owner_name": "J. Jansen",
        "organisation_oins": (BELASTINGDIENST,),
        "granted_at": NOW - timedelta(days=1),
        "valid_until": None,
    }
    return Grant(**{**fields, **overrides})


def a_message(message_id: str = "m-1", **overrides: Any) -> Message:
    """The inbox tests' message to the owner, under its own id (its attachment with it)."""
    file = AttachmentFile(f"{message_id}.0", "aanslag.pdf", "application/pdf", 3, "ab")
    fields: dict[str, Any] = {
        "message_id": message_id,
        "event_id": f"evt-{message_id}",
        "attachments": (file,),
    }
    return inbox_world.a_message(**{**fields, **overrides})


# --- pure rules ------------------------------------------------------------------------------


def test_a_grant_holds_until_its_end_or_its_withdrawal() -> None:
    until = NOW + timedelta(hours=1)
    assert a_grant(valid_until=until).state(until - timedelta(microseconds=1)) is GrantState.ACTIVE
    assert a_grant(valid_until=until).state(until) is GrantState.EXPIRED
    assert a_grant().state(NOW + timedelta(days=3650)) is GrantState.ACTIVE
    withdrawn = a_grant(valid_until=until, withdrawn_at=NOW)
    assert withdrawn.state(NOW - timedelta(days=1)) is GrantState.WITHDRAWN


def test_only_the_helper_of_a_grant_that_holds_gets_it() -> None:
    assert active_grant(a_grant(), HELPER, NOW) == a_grant()
    for nobodys in (None, a_grant(helper_bsn=STRANGER)):
        with pytest.raises(GrantNotFoundError):
            active_grant(nobodys, HELPER, NOW)
    with pytest.raises(GrantNotFoundError):  # the owner is not the helper of their own grant
        active_grant(a_grant(), OWNER, NOW)
    with pytest.raises(GrantEndedError) as ended:
        active_grant(a_grant(withdrawn_at=NOW), HELPER, NOW)
    assert ended.value.state is GrantState.WITHDRAWN
    with pytest.raises(GrantEndedError) as expired:
        active_grant(a_grant(valid_until=NOW), HELPER, NOW)
    assert expired.value.state is GrantState.EXPIRED


def test_a_grant_covers_the_owners_messages_from_granted_organisations_only() -> None:
    grant = a_grant()
    assert grant.covers(a_message(), NOW)
    assert not grant.covers(a_message(sender_oin=GEMEENTE), NOW)
    assert not grant.covers(a_message(recipient_bsn=STRANGER), NOW)
    assert not grant.covers(a_message(folder=TRASH), NOW), "what the owner deleted stays theirs"
    assert not grant.covers(a_message(deleted_at=NOW), NOW)
    assert not grant.covers(a_message(expires_at=NOW), NOW)
    assert grant.covers(a_message(folder="Belastingen"), NOW), "an own folder is no secret"


def test_a_listing_covers_the_granted_senders_or_the_one_asked_for_if_granted() -> None:
    grant = a_grant(organisation_oins=(BELASTINGDIENST, GEMEENTE))
    assert senders_shown(grant, None) == (BELASTINGDIENST, GEMEENTE)
    assert senders_shown(grant, GEMEENTE) == (GEMEENTE,)
    assert senders_shown(a_grant(), GEMEENTE) == ()


async def test_the_trail_text_says_a_helper_viewed_or_downloaded() -> None:
    viewed = InMemoryTrail()
    kind = TrailKind.VIEWED_BY_HELPER
    await viewed.append_all(
        "m-1",
        [
            Record(kind, "viewed-by-helper:a", NOW, {"grant_id": "g"}),
            Record(kind, "viewed-by-helper:b", NOW, {"grant_id": "g", "attachment": 0}),
        ],
    )
    first, second = viewed.chains["m-1"]
    assert label(first).startswith("bekeken door een gemachtigde")
    assert label(second).startswith("bijlage gedownload door een gemachtigde")


# --- the service layer, on fakes -------------------------------------------------------------


class InMemoryStore:
    """The parts of ports.MessageStore a helper's reads use; `read_at` must never change."""

    def __init__(self, *messages: Message) -> None:
        self.messages = {m.message_id: m for m in messages}
        self.listed_with: list[ListingCriteria] = []

    async def owned(self, bsn: str, message_id: str) -> Message | None:
        found = self.messages.get(message_id)
        return found if found is not None and found.recipient_bsn == bsn else None

    async def listing(
        self, bsn: str, criteria: ListingCriteria, now: datetime, *, skip: int, limit: int
    ) -> tuple[list[MessageSummary], int]:
        self.listed_with.append(criteria)
        senders = criteria.senders or ()
        found = [
            summary_of(m)
            for m in self.messages.values()
            if m.recipient_bsn == bsn and m.sender_oin in senders and m.folder != TRASH
        ]
        return found[skip : skip + limit], len(found)

    async def open_attachment(self, file_id: str) -> AsyncIterator[bytes]:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"pdf"

        return chunks()

    async def set_read_at(self, message_id: str, at: datetime) -> None:
        raise AssertionError("a helper's view never marks a message read")


@dataclass
class InMemoryGrants:
    grants: dict[str, Grant] = field(default_factory=dict)
    withdrawals: dict[str, datetime] = field(default_factory=dict)

    async def grant(self, grant_id: str) -> Grant | None:
        found = self.grants.get(grant_id)
        if found is None:
            return None
        return replace(found, withdrawn_at=self.withdrawals.get(grant_id))

    async def of_helper(self, helper_bsn: str) -> list[Grant]:
        return [g for i in self.grants if (g := await self.grant(i)) and g.helper_bsn == helper_bsn]

    async def record_grant(self, grant: Grant) -> None:
        self.grants.setdefault(grant.grant_id, grant)

    async def record_withdrawal(self, grant_id: str, withdrawn_at: datetime) -> None:
        self.withdrawals.setdefault(grant_id, withdrawn_at)


@dataclass
class World:
    store: InMemoryStore
    grants: InMemoryGrants
    trail: InMemoryTrail
    helper: HelperMailbox


def world(*messages: Message, grant: Grant | None = None) -> World:
    store, grants, trail = InMemoryStore(*messages), InMemoryGrants(), InMemoryTrail()
    if grant is not None:
        grants.grants[grant.grant_id] = grant
    helper = HelperMailbox(grants, store, trail, lambda: NOW)  # type: ignore[arg-type]
    return World(store, grants, trail, helper)


async def test_opening_and_downloading_are_recorded_naming_the_grant_never_as_a_read() -> None:
    w = world(a_message(), grant=a_grant())
    _, message = await w.helper.open(HELPER, "g-1", "m-1")
    assert message.body == "Geachte heer/mevrouw,"
    await w.helper.open(HELPER, "g-1", "m-1")
    _, file, _ = await w.helper.attachment(HELPER, "g-1", "m-1", 0)
    assert file.file_name == "aanslag.pdf"
    entries = w.trail.chains["m-1"]
    assert [e.kind for e in entries] == [TrailKind.VIEWED_BY_HELPER] * 3, "every view, each once"
    assert [e.details for e in entries] == [
        {"grant_id": "g-1"},
        {"grant_id": "g-1"},
        {"grant_id": "g-1", "attachment": 0},
    ]
    assert all(HELPER not in str(e.details) and HELPER not in e.cause for e in entries)
    assert not any(e.kind is TrailKind.READ for e in entries)
    assert w.store.messages["m-1"].read_at is None


async def test_a_helper_reads_nothing_that_the_grant_does_not_cover() -> None:
    w = world(
        a_message("other-org", sender_oin=GEMEENTE),
        a_message("other-citizen", recipient_bsn=STRANGER),
        a_message("trashed", folder=TRASH),
        grant=a_grant(),
    )
    for message_id in ("other-org", "other-citizen", "trashed", "unknown"):
        with pytest.raises(rules.MessageNotFoundError):
            await w.helper.open(HELPER, "g-1", message_id)
        with pytest.raises(rules.MessageNotFoundError):
            await w.helper.attachment(HELPER, "g-1", message_id, 0)
    with pytest.raises(GrantNotFoundError):  # someone else is not the helper
        await w.helper.open(STRANGER, "g-1", "other-org")
    assert w.trail.chains == {}, "nothing shown, nothing recorded"


async def test_after_withdrawal_or_the_end_nothing_is_read_not_even_the_listing() -> None:
    w = world(a_message(), grant=a_grant(valid_until=NOW + timedelta(days=1)))
    assert [g.grant_id for g in await w.helper.grants_of(HELPER)] == ["g-1"]
    await GrantProjection(w.grants).withdrawn(WithdrawGrant("g-1", NOW))
    for read in (
        w.helper.grant(HELPER, "g-1"),
        w.helper.listing(HELPER, "g-1", None, skip=0, limit=20),
        w.helper.open(HELPER, "g-1", "m-1"),
        w.helper.attachment(HELPER, "g-1", "m-1", 0),
    ):
        with pytest.raises(GrantEndedError):
            await read
    assert await w.helper.grants_of(HELPER) == []
    assert w.trail.chains == {}

    ended = world(a_message(), grant=a_grant(valid_until=NOW))
    with pytest.raises(GrantEndedError):
        await ended.helper.open(HELPER, "g-1", "m-1")
    assert await ended.helper.grants_of(HELPER) == []


async def test_a_withdrawal_that_arrives_before_its_grant_still_holds() -> None:
    w = world(a_message())
    projection = GrantProjection(w.grants)
    await projection.withdrawn(WithdrawGrant("g-1", NOW))
    await projection.given(GiveGrant(a_grant()))
    await projection.given(GiveGrant(a_grant()))  # redelivered
    with pytest.raises(GrantEndedError):
        await w.helper.open(HELPER, "g-1", "m-1")


async def test_the_listing_asks_only_for_the_granted_senders_and_records_nothing() -> None:
    w = world(a_message("mine"), a_message("gemeente", sender_oin=GEMEENTE), grant=a_grant())
    _, items, total = await w.helper.listing(HELPER, "g-1", None, skip=0, limit=20)
    assert ([i.message_id for i in items], total) == (["mine"], 1)
    assert w.store.listed_with[-1].senders == (BELASTINGDIENST,)
    _, items, total = await w.helper.listing(HELPER, "g-1", GEMEENTE, skip=0, limit=20)
    assert (items, total) == ([], 0)
    assert len(w.store.listed_with) == 1, "an organisation not granted is not even asked for"
    assert w.trail.chains == {}


class UnwritableTrail(InMemoryTrail):
    async def append(self, message_id: str, record: Record) -> None:
        raise ConnectionError("database away")


async def test_a_view_that_cannot_be_recorded_shows_nothing() -> None:
    w = world(a_message(), grant=a_grant())
    helper = replace(w.helper, trail=UnwritableTrail())
    with pytest.raises(ConnectionError):
        await helper.open(HELPER, "g-1", "m-1")
    with pytest.raises(ConnectionError):
        await helper.attachment(HELPER, "g-1", "m-1", 0)
