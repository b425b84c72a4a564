"""The citizen's HTTP API against the real service process, RabbitMQ and FerretDB/MongoDB:
listing, reading and downloading, by the citizen only and only with a valid token.

Each test uses fresh random citizens, so tests share the service but never a message.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from mijnoverheid.contracts.envelope import derived_event_id
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import OrganisationClient
from mijnoverheid_testing.platform import Platform
from services.berichtenbox.tests.integration.citizen_api.harness import (
    as_citizen,
    assert_problem,
    attachment,
    deliver,
    snapshot,
)

pytestmark = pytest.mark.integration


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
