"""The citizen's HTTP API against the real service process, RabbitMQ and FerretDB/MongoDB:
moving and deleting for good, as the trail records them, and the trail's export and
verification.

Each test uses fresh random citizens, so tests share the service but never a message.
"""

from __future__ import annotations

import httpx
import pytest

from berichtenbox.adapters.attachments import ATTACHMENTS_BUCKET
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import OrganisationClient
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.trail_chain import chain_is_valid
from services.berichtenbox.tests.integration.citizen_api.harness import (
    as_citizen,
    assert_problem,
    attachment,
    deliver,
    snapshot,
)

pytestmark = pytest.mark.integration


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
    assert chain_is_valid(exported)  # as docs/berichtenbox.md tells a citizen to check it
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
