"""The citizen's contact details over HTTP: double opt-in (code mailed to the address, expiry,
single use), preferences, and that a citizen only ever reaches their own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from mijnoverheid.contracts import events
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.notifier import Notifier
from mijnoverheid_testing.platform import Platform

pytestmark = pytest.mark.integration

DETAILS = "/api/v1/contact-details"
VERIFY = "/api/v1/contact-details/verification"
PREFERENCES = "/api/v1/contact-details/preferences"


def delivered(oin: str, bsn: str, legal_effect: bool) -> dict[str, Any]:
    return {
        "message_id": f"m-{random_bsn()}",
        "sender_oin": oin,
        "reference": "KENMERK-2",
        "recipient_bsn": bsn,
        "legal_effect": legal_effect,
    }


async def test_an_address_gets_notifications_only_once_its_mailed_code_is_confirmed(
    platform: Platform, notifier: Notifier
) -> None:
    bsn, email = random_bsn(), Notifier.address()
    async with notifier.citizen(bsn) as citizen, platform.client("belastingdienst") as org:
        set_ = await citizen.put(DETAILS, json={"email": email})
        assert set_.status_code == 200
        assert set_.json()["pending_email"] == email
        assert set_.json()["email"] is None
        code = await notifier.code_mailed_to(email)
        verification_mail = platform.smtp.mails_to(email)[0]
        assert bsn not in verification_mail.text

        before = await notifier.trigger(
            events.MESSAGE_DELIVERED,
            org.organisation.oin,
            delivered(org.organisation.oin, bsn, True),
        )
        status = await org.next_event("notification-status", Notifier.about(before))
        assert (status["data"]["status"], status["data"]["reason"]) == (
            "no-contact",
            "no-verified-address",
        )

        confirmed = await citizen.post(VERIFY, json={"code": code.lower()})
        assert confirmed.status_code == 200
        assert confirmed.json()["email"] == email
        assert confirmed.json()["email_verified"] is True

        after = await notifier.trigger(
            events.MESSAGE_DELIVERED,
            org.organisation.oin,
            delivered(org.organisation.oin, bsn, True),
        )
        status = await org.next_event("notification-status", Notifier.about(after))
    assert status["data"]["status"] == "sent"
    assert len(platform.smtp.mails_to(email)) == 2


async def test_a_code_works_once_and_a_wrong_code_not_at_all(
    platform: Platform, notifier: Notifier
) -> None:
    bsn, email = random_bsn(), Notifier.address()
    async with notifier.citizen(bsn) as citizen:
        (await citizen.put(DETAILS, json={"email": email})).raise_for_status()
        code = await notifier.code_mailed_to(email)
        wrong = await citizen.post(VERIFY, json={"code": "AAAA-AAAA"})
        assert wrong.status_code == 400
        assert wrong.headers["content-type"] == "application/problem+json"
        assert (await citizen.post(VERIFY, json={"code": code})).status_code == 200
        again = await citizen.post(VERIFY, json={"code": code})
    assert again.status_code == 409


async def test_concurrent_wrong_codes_are_checked_no_more_often_than_the_limit(
    platform: Platform, notifier: Notifier
) -> None:
    """All at once, every try used to see fewer than 5 wrong codes so far and be checked."""
    bsn, email = random_bsn(), Notifier.address()
    async with notifier.citizen(bsn) as citizen:
        (await citizen.put(DETAILS, json={"email": email})).raise_for_status()
        code = await notifier.code_mailed_to(email)
        wrong = ("B" if code[0] == "A" else "A") + code[1:]
        tries = await asyncio.gather(
            *(citizen.post(VERIFY, json={"code": wrong}) for _ in range(20))
        )
        statuses = sorted(answer.status_code for answer in tries)
        right = await citizen.post(VERIFY, json={"code": code})
        details = (await citizen.get(DETAILS)).json()
    assert statuses == [400] * 5 + [410] * 15
    assert right.status_code == 410, "the code died after 5 wrong tries"
    assert details["email_verified"] is False


async def test_an_expired_code_is_refused(
    platform: Platform, another_notifier: Callable[..., Awaitable[Notifier]]
) -> None:
    hasty = await another_notifier(NOTIFIER_VERIFICATION_VALID_SECONDS="0")
    bsn, email = random_bsn(), Notifier.address()
    async with hasty.citizen(bsn) as citizen:
        (await citizen.put(DETAILS, json={"email": email})).raise_for_status()
        code = await hasty.code_mailed_to(email)
        expired = await citizen.post(VERIFY, json={"code": code})
        details = (await citizen.get(DETAILS)).json()
    hasty.process.stop()
    assert expired.status_code == 410
    assert details["email"] is None


async def test_preferences_switch_categories_off_but_legal_effect_is_always_mailed(
    platform: Platform, notifier: Notifier
) -> None:
    bsn, email = random_bsn(), Notifier.address()
    await notifier.verified(bsn, email)
    async with notifier.citizen(bsn) as citizen:
        off = {"language": "en", "messages": False, "cases": False, "registrations": True}
        response = await citizen.put(PREFERENCES, json=off)
        assert response.json()["preferences"] == off
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        oin = gemeente.organisation.oin
        case = await notifier.trigger(
            events.CASE_STATUS_RECORDED,
            oin,
            {"recipient_bsn": bsn, "case_id": "Z-1", "organisation_oin": oin, "status": "Besluit"},
        )
        plain = await notifier.trigger(
            events.MESSAGE_DELIVERED, oin, delivered(oin, bsn, legal_effect=False)
        )
        legal = await notifier.trigger(
            events.MESSAGE_DELIVERED, oin, delivered(oin, bsn, legal_effect=True)
        )
        outcomes = [
            (await gemeente.next_event("notification-status", Notifier.about(event)))["data"]
            for event in (case, plain, legal)
        ]
    assert [(o["status"], o.get("reason")) for o in outcomes] == [
        ("no-contact", "opted-out"),
        ("no-contact", "opted-out"),
        ("sent", None),
    ]
    mails = [mail for mail in platform.smtp.mails_to(email) if mail.message["Message-ID"]]
    assert len(mails) == 1
    assert mails[0].message["Subject"] == "New message in your Berichtenbox on MijnOverheid"


async def test_a_citizen_reaches_only_their_own_contact_details(
    platform: Platform, notifier: Notifier
) -> None:
    first, second = random_bsn(), random_bsn()
    email = Notifier.address()
    async with notifier.citizen(first) as owner, notifier.citizen(second) as other:
        (await owner.put(DETAILS, json={"email": email})).raise_for_status()
        code = await notifier.code_mailed_to(email)

        assert (await other.get(DETAILS)).json()["pending_email"] is None
        assert (await other.post(VERIFY, json={"code": code})).status_code == 409
        assert (await other.put(PREFERENCES, json={"messages": False})).status_code == 200
        assert (await other.delete(f"{DETAILS}/email")).status_code == 204
        other_email = Notifier.address()
        assert (await other.put(DETAILS, json={"email": other_email})).status_code == 200

        mine = (await owner.get(DETAILS)).json()
        assert mine["pending_email"] == email
        assert mine["preferences"]["messages"] is True
        assert (await owner.post(VERIFY, json={"code": code})).status_code == 200
        assert (await owner.get(DETAILS)).json()["email"] == email
        assert (await other.get(DETAILS)).json()["email"] is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", DETAILS, None),
        ("PUT", DETAILS, {"email": "a@example.nl"}),
        ("POST", VERIFY, {"code": "AAAA-AAAA"}),
        ("PUT", PREFERENCES, {"messages": False}),
        ("DELETE", f"{DETAILS}/email", None),
    ],
)
async def test_every_endpoint_needs_a_citizen_token(
    notifier: Notifier, method: str, path: str, body: dict[str, Any] | None
) -> None:
    async with httpx.AsyncClient(base_url=notifier.process.base_url) as anonymous:
        response = await anonymous.request(method, path, json=body)
    assert response.status_code == 401
