"""Confirmation mails are throttled per citizen and per address (a victim's address cannot be
mail-bombed from the government's domain), also when the requests come all at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from notifier.domain import throttle
from notifier.handlers.contacts import ContactRefusedError, ContactService
from services.notifier.tests.unit.test_notifier_contact_service import (
    Contacts,
    Mailer,
    MailSlots,
    Renderer,
)

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
VICTIM = "slachtoffer@example.nl"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def contact_service(mailer: Mailer, clock: Clock, slots: MailSlots) -> ContactService:
    return ContactService(
        contacts=Contacts(),
        mailer=mailer,
        renderer=Renderer(),
        clock=clock,
        verification_valid_for=timedelta(hours=24),
        mail_slots=slots,
    )


async def status(call: object) -> int:
    try:
        await call  # type: ignore[misc]
    except ContactRefusedError as refused:
        return refused.status
    return 200


async def test_a_citizen_gets_three_confirmation_mails_an_hour_then_429_until_the_hour_ends() -> (
    None
):
    mailer, clock, slots = Mailer(), Clock(), MailSlots()
    service = contact_service(mailer, clock, slots)
    answers = [
        await status(service.set_email("999993653", f"adres{n}@example.nl", None)) for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]
    assert len(mailer.sent) == 3
    clock.now = NOW.replace(minute=0) + timedelta(hours=1)
    assert await status(service.set_email("999993653", "adres9@example.nl", None)) == 200


async def test_many_citizens_cannot_together_bomb_one_address_even_at_once() -> None:
    mailer, clock, slots = Mailer(), Clock(), MailSlots()
    service = contact_service(mailer, clock, slots)
    bsns = [f"citizen-{n}" for n in range(12)]
    answers = await asyncio.gather(*(status(service.set_email(b, VICTIM, None)) for b in bsns))
    assert answers.count(200) == 3
    assert answers.count(429) == 9
    assert mailer.sent.count(VICTIM) == 3


async def test_a_429_says_when_to_try_again() -> None:
    service = contact_service(Mailer(), Clock(), MailSlots())
    for n in range(3):
        await service.set_email("999993653", f"adres{n}@example.nl", None)
    with pytest.raises(ContactRefusedError) as refused:
        await service.set_email("999993653", "adres3@example.nl", None)
    assert refused.value.status == 429
    assert refused.value.retry_after == 30 * 60  # NOW is 09:30; the hour's window ends 10:00


async def test_the_address_is_never_part_of_a_throttle_key() -> None:
    for window in throttle.windows("999993653", VICTIM, NOW):
        assert "example" not in window.key
        assert "999993653" not in window.key
    upper = throttle.windows("999993653", "Slachtoffer@Example.NL ", NOW)
    assert upper == throttle.windows("999993653", VICTIM, NOW), "one address, one throttle"


async def test_a_day_allows_ten_however_they_are_spread() -> None:
    mailer, clock, slots = Mailer(), Clock(), MailSlots()
    service = contact_service(mailer, clock, slots)
    sent = 0
    for hour in range(24):
        clock.now = NOW.replace(hour=0, minute=5) + timedelta(hours=hour)
        for n in range(3):
            sent += await status(service.set_email("999993653", f"a{hour}-{n}@ex.nl", None)) == 200
    assert sent == 10
