"""Nobody can mail-bomb an address from the government's domain: confirmation mails are
throttled per citizen and per address, against the real Notifier and SMTP server."""

from __future__ import annotations

import pytest

from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.notifier import Notifier, start_notifier
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def notifier(platform: Platform) -> Notifier:
    return await start_notifier(platform)


async def test_one_citizen_gets_three_confirmation_mails_an_hour(notifier: Notifier) -> None:
    addresses = [Notifier.address() for _ in range(4)]
    async with notifier.citizen(random_bsn()) as citizen:
        answers = [
            await citizen.put("/api/v1/contact-details", json={"email": address})
            for address in addresses
        ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    await wait_until(
        lambda: all(notifier.platform.smtp.mails_to(a) for a in addresses[:3]),
        what="the three confirmation mails",
    )
    assert notifier.platform.smtp.mails_to(addresses[3]) == []


async def test_many_citizens_cannot_together_bomb_one_address(notifier: Notifier) -> None:
    victim = Notifier.address()
    statuses = []
    for _ in range(5):
        async with notifier.citizen(random_bsn()) as citizen:
            answer = await citizen.put("/api/v1/contact-details", json={"email": victim})
            statuses.append(answer.status_code)
    assert statuses == [200, 200, 200, 429, 429]
    await wait_until(lambda: len(notifier.platform.smtp.mails_to(victim)) == 3, what="3 mails")
    assert victim not in str(statuses)
