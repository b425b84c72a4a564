"""Attacks on the inbound events, over the real broker against the real services: each one is
answered with a specific rejection, nothing of it is stored, and the consumer keeps going.

The review found every one of these accepted, coerced or crashing before it was fixed.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import date, timedelta
from typing import Any

import aiormq
import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.berichtenbox import MAX_MESSAGE_SENT_BYTES
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.contracts.routing import DEFAULT_MAX_EVENT_BYTES
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import Event, OrganisationClient, about, message_sent
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration

PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()


@pytest.fixture(scope="module")
async def system(platform: Platform) -> Platform:
    await platform.start("berichtenbox", "zaken")
    return platform


async def _stored(platform: Platform, bsn: str) -> int:
    return await platform.database("berichtenbox").messages.count_documents({"recipient_bsn": bsn})


async def _rejected(client: OrganisationClient, event: Event) -> Any:
    await client.publish(event)
    return (await client.next_event("message-rejected", about(event["id"])))["data"]


async def _rejected_by_zaken(client: OrganisationClient, event: Event) -> Any:
    await client.publish(event, routing_key=events.CASE_STATUS_CHANGED.key(client.organisation.oin))
    return (await client.next_event("event-rejected", about(event["id"])))["data"]


async def _still_delivers(client: OrganisationClient) -> None:
    """The consumer survived: a valid message right after is answered (here: rejected for
    having no account, which the Berichtenbox decides only after parsing it)."""
    follow_up = message_sent(client.organisation, random_bsn())
    assert (await _rejected(client, follow_up))["reason"] == "account-not-activated"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("legal_effect", "yes"),
        ("legal_effect", "true"),
        ("legal_effect", 1),
        ("deadline", 20260301),
    ],
)
async def test_a_wrong_json_type_is_malformed_never_coerced(
    system: Platform, field: str, value: object
) -> None:
    bsn = random_bsn()
    async with system.client("belastingdienst") as client:
        rejected = await _rejected(client, message_sent(client.organisation, bsn, **{field: value}))
    assert rejected["reason"] == "malformed"
    assert rejected["detail"].startswith(f"{field}:")
    assert await _stored(system, bsn) == 0


async def test_is_eindstatus_as_a_string_is_malformed_at_zaken(system: Platform) -> None:
    async with system.client("gemeente-voorbeeldstad") as client:
        event = _case_status(client, is_eindstatus="false")
        rejected = await _rejected_by_zaken(client, event)
    assert rejected["reason"] == "malformed"
    assert rejected["detail"].startswith("is_eindstatus:")


async def test_json_nested_deeper_than_any_parser_is_rejected_and_the_consumer_lives_on(
    system: Platform,
) -> None:
    async with system.client("belastingdienst") as client:
        event = message_sent(client.organisation, random_bsn())
        nested = "[" * 100_000 + "]" * 100_000
        body = json.dumps({**event, "data": None}).replace("null", nested).encode()
        await client.publish(body)
        rejected = await client.next_event("message-rejected", about(event["id"]))
        assert rejected["data"]["reason"] == "malformed"
        await _still_delivers(client)


async def test_an_event_over_its_routes_limit_is_refused_before_it_is_parsed(
    system: Platform,
) -> None:
    async with system.client("gemeente-voorbeeldstad") as client:
        event = _case_status(client)
        event["padding"] = "x" * DEFAULT_MAX_EVENT_BYTES  # an extension attribute, 256 KiB
        rejected = await _rejected_by_zaken(client, event)
    assert rejected["reason"] == "too-large"
    assert str(DEFAULT_MAX_EVENT_BYTES) in rejected["detail"]


async def test_the_broker_refuses_a_body_over_the_largest_limit(system: Platform) -> None:
    async with system.client("belastingdienst") as client:
        body = b" " * (MAX_MESSAGE_SENT_BYTES + 1)
        with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed):
            await client.publish(body)
        await _still_delivers(client)


@pytest.mark.parametrize(
    ("attachment", "reason"),
    [
        ({"file_name": "factuur\u202efdp.exe"}, "malformed"),
        ({"file_name": "factuur.pdf.exe"}, "attachment-type-not-allowed"),
        ({"content": base64.b64encode(b"<html><script>").decode()}, "attachment-type-not-allowed"),
        ({"content": base64.b64encode(b"MZ\x90\x00").decode()}, "attachment-type-not-allowed"),
    ],
)
async def test_an_attachment_that_is_not_what_it_says_is_refused(
    system: Platform, attachment: dict[str, str], reason: str
) -> None:
    bsn = random_bsn()
    declared = {"file_name": "aanslag.pdf", "media_type": "application/pdf", "content": PDF}
    async with system.client("belastingdienst") as client:
        event = message_sent(client.organisation, bsn, attachments=[{**declared, **attachment}])
        rejected = await _rejected(client, event)
    assert rejected["reason"] == reason
    assert await _stored(system, bsn) == 0


async def test_a_kind_with_a_domain_name_never_reaches_a_mail(system: Platform) -> None:
    bsn = random_bsn()
    lure = "Betaal direct via www.belasting-terugave.nl"
    async with system.client("belastingdienst") as client:
        rejected = await _rejected(client, message_sent(client.organisation, bsn, kind=lure))
    assert rejected["reason"] == "url-not-allowed"
    assert "belasting-terugave" not in rejected["detail"]
    assert await _stored(system, bsn) == 0


async def test_a_deadline_after_the_content_expires_is_refused(system: Platform) -> None:
    bsn = random_bsn()
    expires_at = utc_now() + timedelta(days=40)
    deadline = (expires_at + timedelta(days=5)).date()
    async with system.client("belastingdienst") as client:
        await client.enrol(bsn)  # the rule is checked for a citizen who may get post
        event = message_sent(
            client.organisation,
            bsn,
            expires_at=expires_at.isoformat(),
            deadline=deadline.isoformat(),
        )
        rejected = await _rejected(client, event)
    assert rejected["reason"] == "expiry-out-of-bounds"
    assert "deadline" in rejected["detail"]


async def test_two_systems_of_one_organisation_with_one_event_id_get_two_rejections(
    system: Platform,
) -> None:
    event_id = str(uuid.uuid4())
    async with system.client("belastingdienst") as client:
        answers = []
        for system_name in ("aanslagen", "toeslagen"):
            event = message_sent(client.organisation, "123456789")  # an invalid BSN
            event["id"] = event_id
            event["source"] = source_for(client.organisation.oin, system_name)
            await client.publish(event)
            answers = await _wait_for_rejections(client, event_id, len(answers) + 1)
    assert len({answer["id"] for answer in answers}) == 2


async def _wait_for_rejections(client: OrganisationClient, event_id: str, count: int) -> Any:
    return await wait_until(
        lambda: (
            (found := client.events("message-rejected", about(event_id)))
            and len(found) >= count
            and found
        ),
        timeout=30,
        what=f"{count} rejections",
    )


def _case_status(client: OrganisationClient, **data: object) -> Event:
    host = {"gemeente-voorbeeldstad": "loket.voorbeeldstad.example"}[
        client.organisation.broker_user
    ]
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_for(client.organisation.oin, "zaaksysteem"),
        "type": events.CASE_STATUS_CHANGED.type,
        "time": utc_now().isoformat(),
        "data": {
            "identificatie": f"Z-{uuid.uuid4().hex[:8]}",
            "bsn": random_bsn(),
            "zaaktype_omschrijving": "Aanvraag parkeervergunning",
            "statustype_code": "ontvangen",
            "statustype_omschrijving": "Aanvraag ontvangen",
            "datum_status_gezet": utc_now().isoformat(),
            "is_eindstatus": False,
            "dossier_url": f"https://{host}/zaken/1",
            "einddatum_gepland": (date.today() + timedelta(days=30)).isoformat(),
            **data,
        },
    }
