"""Calling the citizen's HTTP API as a citizen, delivering a message to call it about, and
reading what the service stored; shared by the citizen API and trash API tests."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import httpx

from mijnoverheid.auth import load_private_key, mint_token
from mijnoverheid.devtokens import DEV_PRIVATE_KEY
from mijnoverheid_testing.organisation import OrganisationClient, about, message_sent
from mijnoverheid_testing.platform import Platform

PROBLEM_JSON = "application/problem+json"


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


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == status
