"""The trash (delete, restore, delete for good), unread first, and the citizen's copy of the
receipt: pure rules and the service layer on in-memory fakes."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from berichtenbox.adapters import outbound
from berichtenbox.adapters.signing import Ed25519ReceiptSigner
from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.mailbox import Window, unread_first_windows
from berichtenbox.domain.trail_export import trail_text
from services.berichtenbox.tests.unit.inbox_world import (
    BSN,
    NOW,
    PLATFORM_SOURCE,
    a_message,
    world,
)


def test_trash_is_a_standard_folder_no_own_folder_can_be_called() -> None:
    assert [rules.folder_name(name) for name in ("trash", "Trash", "TRASH")] == ["trash"] * 3
    assert rules.folder_name("Prullenbak") == "Prullenbak", "an own folder like any other"


def test_into_the_trash_remembers_where_from_and_a_restore_goes_back_there() -> None:
    in_own_folder = a_message(folder="Zorg")
    placement = rules.placement_after_move(in_own_folder, "trash", NOW)
    assert placement == rules.Placement("trash", trashed_from="Zorg", trashed_at=NOW)
    trashed = a_message(folder="trash", trashed_from="Zorg", trashed_at=NOW)
    assert rules.restore_target(trashed) == "Zorg"
    assert rules.restore_target(a_message(folder="trash")) == "inbox", "origin unknown"
    assert rules.restore_target(in_own_folder) is None, "not in the trash: nothing to restore"
    assert rules.placement_after_move(trashed, "trash", NOW) is None
    assert rules.placement_after_move(trashed, "archive", NOW) == rules.Placement("archive")


@pytest.mark.parametrize(
    ("skip", "limit", "unread", "expected"),
    [
        (0, 20, 5, (Window(0, 5), Window(0, 15))),
        (0, 20, 0, (Window(0, 0), Window(0, 20))),
        (0, 3, 5, (Window(0, 3), Window(0, 0))),
        (3, 3, 5, (Window(3, 2), Window(0, 1))),
        (6, 3, 5, (Window(5, 0), Window(1, 3))),
        (20, 20, 5, (Window(5, 0), Window(15, 20))),
    ],
)
def test_unread_first_pages_through_the_unread_then_the_read(
    skip: int, limit: int, unread: int, expected: tuple[Window, Window]
) -> None:
    first, then = unread_first_windows(skip, limit, unread)
    assert (first, then) == expected
    assert first.limit + then.limit == limit


def test_unread_first_applies_only_when_not_filtering_on_read() -> None:
    assert rules.ListingCriteria(order="unread-first").unread_first
    assert not rules.ListingCriteria(order="unread-first", unread=True).unread_first
    assert not rules.ListingCriteria().unread_first


async def test_the_trail_text_says_deleted_to_and_restored_from_the_trash() -> None:
    w = world(a_message())
    await w.inbox.trash(BSN, "m-1")
    await w.inbox.restore(BSN, "m-1")
    text = trail_text(w.store.messages["m-1"], await w.trail.entries("m-1"))
    assert "verwijderd naar de prullenbak / deleted to the trash" in text
    assert "teruggezet uit de prullenbak / restored from the trash" in text


async def test_delete_puts_it_in_the_trash_and_restore_brings_it_back_to_its_folder() -> None:
    w = world(a_message(folder="Belastingen"))
    await w.inbox.trash(BSN, "m-1")
    w.clock.now += timedelta(minutes=1)
    await w.inbox.trash(BSN, "m-1")  # again: nothing changes

    trashed = w.store.messages["m-1"]
    assert (trashed.folder, trashed.trashed_from, trashed.trashed_at) == (
        "trash",
        "Belastingen",
        NOW,
    )
    assert trashed.has_content, "the trash keeps the content: it can come back"
    opened = await w.inbox.open(BSN, "m-1")
    assert opened.body, "a message in the trash can still be read"

    restored = await w.inbox.restore(BSN, "m-1")
    assert (restored.folder, restored.trashed_from, restored.trashed_at) == (
        "Belastingen",
        None,
        None,
    )
    assert w.store.messages["m-1"].folder == "Belastingen"
    again = await w.inbox.restore(BSN, "m-1")
    assert again.folder == "Belastingen"
    moves = [e for e in await w.trail.entries("m-1") if e.kind == "moved"]
    assert [e.details for e in moves] == [
        {"from": "own", "to": "trash"},
        {"from": "trash", "to": "own"},
    ]
    assert len({e.cause for e in moves}) == 2


async def test_delete_for_good_only_from_the_trash() -> None:
    w = world(a_message())
    with pytest.raises(rules.NotInTrashError):
        await w.inbox.delete_for_good(BSN, "m-1")
    assert w.store.messages["m-1"].has_content
    assert w.trail.causes("m-1") == []

    await w.inbox.trash(BSN, "m-1")
    await w.inbox.delete_for_good(BSN, "m-1")
    gone = w.store.messages["m-1"]
    assert not gone.has_content
    assert w.store.files == {}
    await w.inbox.trash(BSN, "m-1")  # deleting a message without content changes nothing
    with pytest.raises(rules.ContentGoneError):
        await w.inbox.restore(BSN, "m-1")
    assert [e.kind for e in await w.trail.entries("m-1")] == ["moved", "deleted"]


async def test_the_receipt_is_the_one_the_sender_got_also_after_deletion() -> None:
    w = world(a_message(folder="trash"))
    sent = outbound.message_delivered(a_message(), PLATFORM_SOURCE, w.inbox.signer)
    await w.inbox.delete_for_good(BSN, "m-1")

    receipt = await w.inbox.receipt(BSN, "m-1")
    assert {
        "algorithm": receipt.algorithm,
        "key_id": receipt.key_id,
        "payload": receipt.payload,
        "signature": receipt.signature,
    } == sent.data["receipt"]
    signer = w.inbox.signer
    assert isinstance(signer, Ed25519ReceiptSigner)
    key = signer.public_key()
    assert key["key_id"] == receipt.key_id
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    public.verify(base64.b64decode(receipt.signature), receipt.payload.encode())  # raises
    payload = json.loads(receipt.payload)
    assert (payload["message_id"], payload["content_digest"]) == ("m-1", "sha256:00")
