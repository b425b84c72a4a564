"""The citizen's inbox on in-memory fakes: only the owner sees a message, and moving and
deleting for good change it once, as the trail shows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.trail import TrailKind
from services.berichtenbox.tests.unit.inbox_world import (
    BSN,
    NOW,
    OTHER_BSN,
    a_message,
    world,
)


async def test_another_citizen_gets_not_found_for_everything() -> None:
    w = world(a_message())
    for action in (
        w.inbox.open(OTHER_BSN, "m-1"),
        w.inbox.attachment(OTHER_BSN, "m-1", 0),
        w.inbox.move(OTHER_BSN, "m-1", "archive"),
        w.inbox.trash(OTHER_BSN, "m-1"),
        w.inbox.restore(OTHER_BSN, "m-1"),
        w.inbox.delete_for_good(OTHER_BSN, "m-1"),
        w.inbox.trail_of(OTHER_BSN, "m-1"),
        w.inbox.receipt(OTHER_BSN, "m-1"),
    ):
        with pytest.raises(rules.MessageNotFoundError):
            await action
    assert w.store.messages["m-1"] == a_message()
    assert w.trail.causes("m-1") == []
    assert w.publisher.published == []


async def test_moving_records_only_real_moves_and_not_the_folder_name() -> None:
    w = world(a_message())
    await w.inbox.move(BSN, "m-1", "inbox")
    assert w.trail.causes("m-1") == []
    await w.inbox.move(BSN, "m-1", "Scheiding 2026")
    await w.inbox.move(BSN, "m-1", "ARCHIVE")
    moves = await w.trail.entries("m-1")
    assert [e.details for e in moves] == [
        {"from": "inbox", "to": "own"},
        {"from": "own", "to": "archive"},
    ]
    assert len({e.cause for e in moves}) == 2
    assert w.store.messages["m-1"].folder == "archive"


async def test_delete_for_good_removes_the_content_once_and_then_the_message_is_gone() -> None:
    w = world(a_message(folder="trash", trashed_from="inbox", trashed_at=NOW))
    await w.inbox.delete_for_good(BSN, "m-1")
    w.clock.now += timedelta(minutes=1)
    await w.inbox.delete_for_good(BSN, "m-1")

    deleted = w.store.messages["m-1"]
    assert (deleted.subject, deleted.body, deleted.attachments) == ("", "", ())
    assert deleted.deleted_at == NOW
    assert deleted.content_digest == "sha256:00", "the digest proves what was delivered"
    assert w.store.files == {}
    assert w.trail.causes("m-1") == [rules.DELETED_CAUSE]
    with pytest.raises(rules.ContentGoneError):
        await w.inbox.open(BSN, "m-1")
    with pytest.raises(rules.ContentGoneError):
        await w.inbox.attachment(BSN, "m-1", 0)
    _, entries = await w.inbox.trail_of(BSN, "m-1")
    assert [e.kind for e in entries] == [TrailKind.DELETED]


async def test_an_attachment_that_vanished_mid_removal_is_gone_not_an_error() -> None:
    w = world(a_message())
    w.store.files.clear()
    with pytest.raises(rules.ContentGoneError):
        await w.inbox.attachment(BSN, "m-1", 0)
    with pytest.raises(rules.AttachmentNotFoundError):
        await w.inbox.attachment(BSN, "m-1", 1)
