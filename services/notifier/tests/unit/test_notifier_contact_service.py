"""Confirming an address (ContactService with an in-memory store): a code dies after
MAX_WRONG_CODES wrong tries, also when the tries come all at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from notifier.domain import verification as v
from notifier.domain.attempt import Accepted, Outcome, smtp_reply
from notifier.domain.contact import Contact, Language, Preferences
from notifier.domain.email import Email
from notifier.domain.request import NotificationRequest
from notifier.domain.throttle import Window
from notifier.domain.verification import Verification
from notifier.handlers.contacts import ContactRefusedError, ContactService

BSN = "999993653"
ADDRESS = "burger@example.nl"
NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


class Contacts:
    """Honours ports.ContactStore. Like the database's unique `_id`, a slot is taken once; every
    call yields to the event loop, so concurrent requests interleave at each step."""

    def __init__(self) -> None:
        self.contacts: dict[str, Contact] = {}
        self.verifications: dict[str, Verification] = {}
        self.slots: set[str] = set()
        self.uses: set[str] = set()

    async def find(self, bsn: str) -> Contact | None:
        await asyncio.sleep(0)
        return self.contacts.get(bsn)

    async def set_preferences(self, bsn: str, language: Language, preferences: Preferences) -> None:
        contact = self.contacts.get(bsn) or Contact(bsn)
        self.contacts[bsn] = replace(contact, language=language, preferences=preferences)

    async def set_verified(self, bsn: str, email: str, now: datetime) -> None:
        contact = self.contacts.get(bsn) or Contact(bsn)
        self.contacts[bsn] = replace(
            contact, email=email, verified_at=now, pending_email=None, pending_verification_id=None
        )

    async def remove_email(self, bsn: str) -> None:
        self.contacts[bsn] = Contact(bsn)

    async def start_verification(self, verification: Verification) -> None:
        self.verifications[verification.verification_id] = verification
        contact = self.contacts.get(verification.bsn) or Contact(verification.bsn)
        self.contacts[verification.bsn] = replace(
            contact,
            pending_email=verification.email,
            pending_verification_id=verification.verification_id,
        )

    async def verification(self, verification_id: str) -> Verification | None:
        await asyncio.sleep(0)
        return self.verifications.get(verification_id)

    async def take_attempt(self, verification_id: str, limit: int, now: datetime) -> int | None:
        for slot in range(1, limit + 1):
            await asyncio.sleep(0)  # a round trip per insert
            key = f"{verification_id}#{slot}"
            if key not in self.slots:
                self.slots.add(key)
                return slot
        return None

    async def use(self, verification_id: str, now: datetime) -> bool:
        await asyncio.sleep(0)
        if verification_id in self.uses:
            return False
        self.uses.add(verification_id)
        return True


class MailSlots:
    """Honours ports.MailSlots: a slot of a window is taken once."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    async def take(self, window: Window) -> bool:
        for number in range(1, window.mails + 1):
            await asyncio.sleep(0)
            if (key := f"{window.key}#{number}") not in self.taken:
                self.taken.add(key)
                return True
        return False


@dataclass
class Mailer:
    sent: list[str] = field(default_factory=list)

    async def send(self, to: str, email: Email, notification_id: str | None) -> Outcome:
        self.sent.append(to)
        return Accepted(smtp_reply(250, "2.0.0 Ok"))


@dataclass
class Renderer:
    codes: list[str] = field(default_factory=list)

    def notification(self, request: NotificationRequest, language: Language) -> Email:
        raise AssertionError("no notification here")

    def verification(self, code: str, expires_at: datetime, language: Language) -> Email:
        self.codes.append(code)
        return Email("Bevestig uw e-mailadres", code, f"<p>{code}</p>")


@pytest.fixture
def contacts() -> Contacts:
    return Contacts()


@pytest.fixture
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture
def service(contacts: Contacts, renderer: Renderer) -> ContactService:
    return ContactService(
        contacts=contacts,
        mailer=Mailer(),
        renderer=renderer,
        clock=lambda: NOW,
        verification_valid_for=timedelta(hours=24),
        mail_slots=MailSlots(),
    )


def wrong_code_for(code: str) -> str:
    first = "A" if code[0] != "A" else "B"
    return first + code[1:]


async def answer(service: ContactService, code: str) -> int:
    """The HTTP status the API would give."""
    try:
        await service.confirm(BSN, code)
    except ContactRefusedError as refused:
        return refused.status
    return 200


async def test_the_right_code_after_fewer_wrong_ones_than_the_limit_confirms(
    service: ContactService, renderer: Renderer
) -> None:
    await service.set_email(BSN, ADDRESS, None)
    [code] = renderer.codes
    wrong = [await answer(service, wrong_code_for(code)) for _ in range(v.MAX_WRONG_CODES - 1)]
    assert wrong == [400] * (v.MAX_WRONG_CODES - 1)
    assert await answer(service, code) == 200
    assert (await service.view(BSN)).email == ADDRESS


async def test_after_the_limit_of_wrong_codes_even_the_right_one_is_refused(
    service: ContactService, renderer: Renderer
) -> None:
    await service.set_email(BSN, ADDRESS, None)
    [code] = renderer.codes
    wrong = [await answer(service, wrong_code_for(code)) for _ in range(v.MAX_WRONG_CODES + 1)]
    assert wrong == [400] * v.MAX_WRONG_CODES + [410]
    assert await answer(service, code) == 410
    assert (await service.view(BSN)).email is None


async def test_concurrent_tries_check_no_more_codes_than_the_limit(
    service: ContactService, renderer: Renderer
) -> None:
    """Many guesses at once all used to see fewer than the limit of wrong codes so far, and were
    all checked: the right one among them confirmed the address."""
    await service.set_email(BSN, ADDRESS, None)
    [code] = renderer.codes
    guesses = [wrong_code_for(code)] * 30 + [code]
    answers = await asyncio.gather(*(answer(service, guess) for guess in guesses))
    assert answers.count(400) == v.MAX_WRONG_CODES
    assert answers.count(410) == len(guesses) - v.MAX_WRONG_CODES
    assert answers[-1] == 410, "the right code came after the limit"
    assert (await service.view(BSN)).email is None
    assert await answer(service, code) == 410


async def test_concurrent_confirmations_with_the_right_code_confirm_once(
    service: ContactService, renderer: Renderer
) -> None:
    await service.set_email(BSN, ADDRESS, None)
    [code] = renderer.codes
    answers = await asyncio.gather(*(answer(service, code) for _ in range(3)))
    assert sorted(answers) == [200, 409, 409]
    assert (await service.view(BSN)).email == ADDRESS
