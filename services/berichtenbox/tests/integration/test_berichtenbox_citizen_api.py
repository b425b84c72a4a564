"""The citizen's HTTP API against the real service process, RabbitMQ and FerretDB/MongoDB.

Each test uses fresh random citizens, so tests share the service but never a message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from berichtenbox.adapters.attachments import ATTACHMENTS_BUCKET
from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.contracts.envelope import derived_event_id
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import OrganisationClient, about, message_sent
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess

pytestmark = pytest.mark.integration

PROBLEM_JSON = "application/problem+json"
HASHED_FIELDS = ("at", "cause", "details", "kind", "prev_hash", "seq")


@pytest.fixture(scope="module")
async def berichtenbox(platform: Platform) -> ServiceProcess:
    # A scan every second: the background job runs all along, and must leave fresh messages be.
    process = platform.service("berichtenbox").start(RETENTION_SCAN_SECONDS="1")
    await process.ready()
    return process


@pytest.fixture
async def api(berichtenbox: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=berichtenbox.base_url, timeout=30.0) as client:
        yield client


@pytest.fixture
async def belastingdienst(platform: Platform) -> AsyncIterator[OrganisationClient]:
    async with platform.client("belastingdienst") as client:
        yield client


def as_citizen(bsn: str) -> dict[str, str]:
    token = mint_token(load_private_key(DEV_PRIVATE_KEY), bsn, timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


def attachment(file_name: str, media_type: str, content: bytes) -> dict[str, str]:
    encoded = base64.b64encode(content).decode("ascii")
    return {"file_name": file_name, "media_type": media_type, "content": encoded}


async def deliver(organisation: OrganisationClient, bsn: str, **data: Any) -> dict[str, Any]:
    """Send as the organisation; the message-delivered receipt once it is in the box."""
    await organisation.enrol(bsn)
    event = message_sent(organisation.organisation, bsn, **data)
    await organisation.publish(event)
    delivered = await organisation.next_event("message-delivered", about(event["id"]))
    return {"event": event, "message_id": delivered["data"]["message_id"]}


async def snapshot(platform: Platform, message_id: str) -> tuple[Any, list[Any]]:
    database = platform.database("berichtenbox")
    message = await database.messages.find_one({"_id": message_id})
    trail = await database.trail.find({"message_id": message_id}).sort("seq", 1).to_list()
    return message, trail


def documented_hash(entry: dict[str, Any], message_id: str) -> str:
    fields = {"message_id": message_id, **{key: entry[key] for key in HASHED_FIELDS}}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == status


async def test_listing_is_newest_first_paged_filtered_and_searchable(
    platform: Platform, api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    bsn = random_bsn()
    me = as_citizen(bsn)
    subjects = ["Aanslag 2025 (definitief)", "Herinnering betaling", "Toeslag: 50% [voorlopig]"]
    sent = [await deliver(belastingdienst, bsn, subject=subject) for subject in subjects]
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        from_gemeente = await deliver(gemeente, bsn, subject="Uw paspoort ligt klaar")
    await deliver(belastingdienst, random_bsn(), subject="Aanslag van iemand anders")
    newest_first = [from_gemeente["message_id"], *[s["message_id"] for s in reversed(sent)]]

    first = await api.get("/api/v1/messages", params={"page_size": 3}, headers=me)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [item["message_id"] for item in page["items"]] == newest_first[:3]
    assert (page["page"], page["page_size"], page["total"]) == (1, 3, 4)
    assert page["_links"]["prev"] is None
    second = (await api.get(page["_links"]["next"], headers=me)).json()
    assert [item["message_id"] for item in second["items"]] == newest_first[3:]
    assert second["_links"]["next"] is None
    assert second["_links"]["prev"] is not None

    item = page["items"][0]
    assert item["sender"] == {
        "oin": gemeente.organisation.oin,
        "name": gemeente.organisation.name,
    }
    assert item["subject"] == "Uw paspoort ligt klaar"
    assert (item["read"], item["folder"]) == (False, "inbox")
    assert "body" not in item
    assert bsn not in first.text

    async def ids(**params: Any) -> list[str]:
        response = await api.get("/api/v1/messages", params=params, headers=me)
        assert response.status_code == 200, response.text
        return [i["message_id"] for i in response.json()["items"]]

    assert await ids(sender_oin=gemeente.organisation.oin) == [from_gemeente["message_id"]]
    assert await ids(search="50% [VOORLOPIG") == [sent[2]["message_id"]]
    assert await ids(search="aanslag") == [sent[0]["message_id"]], "another's is never found"
    assert await ids(search=".*") == []
    assert await ids(unread="false") == []

    read = await api.get(f"/api/v1/messages/{sent[1]['message_id']}", headers=me)
    assert read.status_code == 200
    moved = await api.put(
        f"/api/v1/messages/{sent[0]['message_id']}/folder", json={"folder": "archive"}, headers=me
    )
    assert moved.status_code == 200, moved.text
    assert await ids(unread="false") == [sent[1]["message_id"]]
    assert len(await ids(unread="true")) == 3
    assert await ids(folder="archive") == [sent[0]["message_id"]]
    assert await ids(folder="Archive", unread="true") == [sent[0]["message_id"]]

    folders = (await api.get("/api/v1/folders", headers=me)).json()["folders"]
    assert folders == [
        {"name": "inbox", "total": 3, "unread": 2},
        {"name": "archive", "total": 1, "unread": 1},
        {"name": "trash", "total": 0, "unread": 0},
    ]
    for params in ({"folder": "../x"}, {"sender_oin": "123"}, {"page_size": 1000}):
        assert_problem(await api.get("/api/v1/messages", params=params, headers=me), 400)


async def test_reading_marks_read_and_tells_the_sender_exactly_once(
    platform: Platform, api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    bsn = random_bsn()
    first, sentinel = await deliver(belastingdienst, bsn), await deliver(belastingdienst, bsn)
    message_id = first["message_id"]

    response = await api.get(f"/api/v1/messages/{message_id}", headers=as_citizen(bsn))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    shown = response.json()
    assert shown["body"] == first["event"]["data"]["body"]
    assert shown["read"] is True
    assert bsn not in response.text
    for _ in range(2):
        again = await api.get(f"/api/v1/messages/{message_id}", headers=as_citizen(bsn))
        assert again.json()["read_at"] == shown["read_at"]

    # Published later on the same channel, so it arrives after any duplicate would have.
    await api.get(f"/api/v1/messages/{sentinel['message_id']}", headers=as_citizen(bsn))
    await belastingdienst.next_event(
        "message-read", lambda e: e["data"]["message_id"] == sentinel["message_id"]
    )
    [read] = belastingdienst.events("message-read", lambda e: e["data"]["message_id"] == message_id)
    assert read["id"] == derived_event_id(
        first["event"]["source"], first["event"]["id"], "message-read"
    )
    assert read["data"]["sent_event_id"] == first["event"]["id"]
    assert read["data"]["reference"] == first["event"]["data"]["reference"]
    assert read["_routing_key"] == f"berichtenbox.message-read.{belastingdienst.organisation.oin}"
    assert read["_user_id"] == "berichtenbox"
    assert "recipient_bsn" not in read["data"]

    stored, trail = await snapshot(platform, message_id)
    assert stored["read_at"] is not None
    assert [(entry["kind"], entry["cause"]) for entry in trail][2:] == [
        ("read", "read"),
        ("read", "read-reported"),
    ]


async def test_attachments_download_as_sent(
    api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    bsn = random_bsn()
    pdf = b"%PDF-1.7\n" + os.urandom(300_000)  # more than one GridFS chunk
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(64)
    sent = await deliver(
        belastingdienst,
        bsn,
        attachments=[
            attachment('Aanslag "2025" – ü.pdf', "application/pdf", pdf),
            attachment("scan.png", "image/png", png),
        ],
    )
    base = f"/api/v1/messages/{sent['message_id']}/attachments"

    response = await api.get(f"{base}/0", headers=as_citizen(bsn))
    assert response.status_code == 200, response.text
    assert response.content == pdf
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'attachment; filename="Aanslag _2025_ _ _.pdf"; '
        "filename*=UTF-8''Aanslag%20%222025%22%20%E2%80%93%20%C3%BC.pdf"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    second = await api.get(f"{base}/1", headers=as_citizen(bsn))
    assert (second.content, second.headers["content-type"]) == (png, "image/png")
    assert_problem(await api.get(f"{base}/2", headers=as_citizen(bsn)), 404)

    shown = (
        await api.get(f"/api/v1/messages/{sent['message_id']}", headers=as_citizen(bsn))
    ).json()
    assert [(a["file_name"], a["size"], a["href"]) for a in shown["attachments"]] == [
        ('Aanslag "2025" – ü.pdf', len(pdf), f"{base}/0"),
        ("scan.png", len(png), f"{base}/1"),
    ]


async def test_moving_between_folders_is_in_the_trail_without_folder_names(
    platform: Platform, api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    bsn = random_bsn()
    message_id = (await deliver(belastingdienst, bsn))["message_id"]
    url = f"/api/v1/messages/{message_id}/folder"

    for folder, expected in (("archive", "archive"), ("Belastingen 2025", "Belastingen 2025")):
        response = await api.put(url, json={"folder": folder}, headers=as_citizen(bsn))
        assert response.status_code == 200, response.text
        assert response.json()["folder"] == expected
    same = await api.put(url, json={"folder": "Belastingen 2025"}, headers=as_citizen(bsn))
    assert same.status_code == 200
    for invalid in ({"folder": "../etc"}, {"folder": ""}, {"folder": "x" * 41}, {}):
        assert_problem(await api.put(url, json=invalid, headers=as_citizen(bsn)), 400)

    stored, trail = await snapshot(platform, message_id)
    assert stored["folder"] == "Belastingen 2025"
    moves = [entry for entry in trail if entry["kind"] == "moved"]
    assert [entry["details"] for entry in moves] == [
        {"from": "inbox", "to": "archive"},
        {"from": "archive", "to": "own"},
    ]
    assert all(entry["cause"].startswith("moved:") for entry in moves)
    folders = (await api.get("/api/v1/folders", headers=as_citizen(bsn))).json()["folders"]
    assert folders[2] == {"name": "Belastingen 2025", "total": 1, "unread": 1}


async def test_delete_for_good_removes_content_and_files_but_keeps_metadata_and_trail(
    platform: Platform, api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    bsn = random_bsn()
    sent = await deliver(
        belastingdienst, bsn, attachments=[attachment("a.pdf", "application/pdf", b"%PDF-1")]
    )
    message_id = sent["message_id"]
    files = platform.database("berichtenbox")[f"{ATTACHMENTS_BUCKET}.files"]
    before, _ = await snapshot(platform, message_id)
    file_id = before["attachments"][0]["file_id"]
    assert await files.count_documents({"_id": file_id}) == 1

    url = f"/api/v1/messages/{message_id}"
    assert (await api.delete(url, headers=as_citizen(bsn))).status_code == 204  # to the trash
    for _ in range(2):  # deleting again changes nothing
        response = await api.delete(f"{url}/content", headers=as_citizen(bsn))
        assert response.status_code == 204, response.text

    stored, trail = await snapshot(platform, message_id)
    assert (stored["subject"], stored["body"], stored["attachments"]) == ("", "", [])
    assert stored["deleted_at"] is not None
    for kept in ("reference", "sender_oin", "delivered_at", "expires_at", "content_digest"):
        assert stored[kept] == before[kept]
    assert await files.count_documents({"_id": file_id}) == 0
    chunks = platform.database("berichtenbox")[f"{ATTACHMENTS_BUCKET}.chunks"]
    assert await chunks.count_documents({"files_id": file_id}) == 0
    assert [(e["kind"], e["cause"]) for e in trail][-1] == ("deleted", "deleted")
    assert sum(e["kind"] == "deleted" for e in trail) == 1

    gone = await api.get(f"/api/v1/messages/{message_id}", headers=as_citizen(bsn))
    assert_problem(gone, 410)
    download = await api.get(
        f"/api/v1/messages/{message_id}/attachments/0", headers=as_citizen(bsn)
    )
    assert_problem(download, 410)
    for folder in (None, "trash"):
        params = {"folder": folder} if folder else {}
        listed = (await api.get("/api/v1/messages", params=params, headers=as_citizen(bsn))).json()
        assert listed["total"] == 0
    verification = await api.get(
        f"/api/v1/messages/{message_id}/trail/verification", headers=as_citizen(bsn)
    )
    assert verification.json() == {"valid": True, "entries": len(trail), "first_invalid_seq": None}


async def test_trail_export_and_verification_catch_tampering(
    platform: Platform, api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    bsn = random_bsn()
    sent = await deliver(belastingdienst, bsn)
    message_id = sent["message_id"]
    await api.get(f"/api/v1/messages/{message_id}", headers=as_citizen(bsn))
    base = f"/api/v1/messages/{message_id}/trail"

    exported = (await api.get(base, headers=as_citizen(bsn))).json()
    assert exported["message_id"] == message_id
    assert [(e["seq"], e["kind"]) for e in exported["entries"]] == [
        (1, "submitted"),
        (2, "stored"),
        (3, "read"),
        (4, "read"),
    ]
    assert exported["entries"][0]["prev_hash"] == "0" * 64
    assert exported["entries"][1]["prev_hash"] == exported["entries"][0]["hash"]
    assert exported["verification"] == {"valid": True, "entries": 4, "first_invalid_seq": None}
    previous = "0" * 64
    for entry in exported["entries"]:  # as docs/berichtenbox.md tells a citizen to check it
        assert entry["prev_hash"] == previous
        assert entry["hash"] == documented_hash(entry, exported["message_id"])
        previous = entry["hash"]
    text = await api.get(f"{base}.txt", headers=as_citizen(bsn))
    assert text.headers["content-type"].startswith("text/plain")
    assert "keten intact / chain intact (4 regels / entries)" in text.text
    assert "geopend door de ontvanger / opened by the recipient" in text.text
    assert bsn not in text.text

    trail = platform.database("berichtenbox").trail
    await trail.update_one(
        {"message_id": message_id, "seq": 2}, {"$set": {"details.content_digest": "sha256:00"}}
    )
    verification = await api.get(f"{base}/verification", headers=as_citizen(bsn))
    assert verification.json() == {"valid": False, "entries": 4, "first_invalid_seq": 2}
    text = await api.get(f"{base}.txt", headers=as_citizen(bsn))
    assert "CHAIN BROKEN at entry 2" in text.text


async def test_another_citizen_can_neither_see_nor_touch_a_message(
    platform: Platform, api: httpx.AsyncClient, belastingdienst: OrganisationClient
) -> None:
    owner, stranger = random_bsn(), as_citizen(random_bsn())
    sent = await deliver(
        belastingdienst, owner, attachments=[attachment("a.pdf", "application/pdf", b"%PDF-1")]
    )
    message_id = sent["message_id"]
    before = await snapshot(platform, message_id)
    url = f"/api/v1/messages/{message_id}"

    attempts = [
        await api.get(url, headers=stranger),
        await api.get(f"{url}/attachments/0", headers=stranger),
        await api.put(f"{url}/folder", json={"folder": "archive"}, headers=stranger),
        await api.delete(url, headers=stranger),
        await api.post(f"{url}/restore", headers=stranger),
        await api.delete(f"{url}/content", headers=stranger),
        await api.get(f"{url}/receipt", headers=stranger),
        await api.get(f"{url}/trail", headers=stranger),
        await api.get(f"{url}/trail.txt", headers=stranger),
        await api.get(f"{url}/trail/verification", headers=stranger),
    ]
    for response in attempts:
        assert_problem(response, 404)
        assert response.json()["detail"] == "there is no such message"
    listed = (await api.get("/api/v1/messages", headers=stranger)).json()
    assert listed["total"] == 0
    folders = (await api.get("/api/v1/folders", headers=stranger)).json()["folders"]
    assert [folder["total"] for folder in folders] == [0, 0, 0]
    assert await snapshot(platform, message_id) == before
    assert not belastingdienst.events(
        "message-read", lambda e: e["data"]["message_id"] == message_id
    )

    assert (await api.get(url, headers=as_citizen(owner))).status_code == 200


async def test_requests_need_a_valid_citizen_token(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/api/v1/messages"), 401)
    assert_problem(await api.get("/api/v1/messages", headers={"Authorization": "Bearer x"}), 401)
    keys = await api.get("/api/v1/receipt-keys")
    assert keys.status_code == 200
    assert keys.json()["keys"][0]["algorithm"] == "Ed25519"
    spec = (await api.get("/api/v1/openapi.json")).json()
    assert "/api/v1/messages/{message_id}/trail/verification" in spec["paths"]
