"""A citizen's own contact details: set the address (double opt-in), confirm, preferences."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from notifier.domain import verification as v
from notifier.domain.attempt import Accepted
from notifier.domain.contact import Contact, Language, Preferences
from notifier.ports import ContactStore, Mailer, Renderer


class ContactRefusedError(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


_REFUSALS = {
    v.Verdict.WRONG_CODE: (400, "Bad Request", "the code is not right"),
    v.Verdict.EXPIRED: (410, "Gone", "the code has expired: set the address again for a new one"),
    v.Verdict.TOO_MANY_ATTEMPTS: (
        410,
        "Gone",
        "too many wrong codes: set the address again for a new one",
    ),
}


class ContactService:
    def __init__(
        self,
        *,
        contacts: ContactStore,
        mailer: Mailer,
        renderer: Renderer,
        clock: Callable[[], datetime],
        verification_valid_for: timedelta,
        auto_verify: bool = False,
    ) -> None:
        self._contacts = contacts
        self._mailer = mailer
        self._renderer = renderer
        self._clock = clock
        self._valid_for = verification_valid_for
        # Development stacks only: an address counts as verified at once, without a mail.
        self._auto_verify = auto_verify

    async def view(self, bsn: str) -> Contact:
        return await self._contacts.find(bsn) or Contact(bsn)

    async def set_email(self, bsn: str, email: str, language: Language | None) -> Contact:
        contact = await self.view(bsn)
        if language is not None and language is not contact.language:
            await self._contacts.set_preferences(bsn, language, contact.preferences)
        if contact.email == email and not contact.undeliverable:
            return await self.view(bsn)  # already verified, and still deliverable
        now = self._clock()
        if self._auto_verify:
            await self._contacts.set_verified(bsn, email, now)
            return await self.view(bsn)
        code = v.new_code()
        verification = v.start(bsn, email, code, now, self._valid_for)
        await self._contacts.start_verification(verification)
        mail = self._renderer.verification(
            v.display(code), verification.expires_at, language or contact.language
        )
        if not isinstance(await self._mailer.send(email, mail, None), Accepted):
            raise ContactRefusedError(
                503, "Service Unavailable", "the confirmation e-mail could not be sent; try again"
            )
        return await self.view(bsn)

    async def confirm(self, bsn: str, code: str) -> Contact:
        contact = await self.view(bsn)
        pending = contact.pending_verification_id
        verification = await self._contacts.verification(pending) if pending else None
        if verification is None or verification.bsn != bsn:
            raise ContactRefusedError(
                409, "Conflict", "no address is waiting to be confirmed (was the code used?)"
            )
        now = self._clock()
        # A try takes a slot before its code is checked: of any number of concurrent tries only
        # MAX_WRONG_CODES are ever checked. (A right code ends the verification, so the tries
        # before it were all wrong.)
        slot = await self._contacts.take_attempt(
            verification.verification_id, v.MAX_WRONG_CODES, now
        )
        earlier_tries = v.MAX_WRONG_CODES if slot is None else slot - 1
        verdict = v.judge(verification, code, now, earlier_tries)
        if verdict is not v.Verdict.CONFIRMED:
            raise ContactRefusedError(*_REFUSALS[verdict])
        # Single use: of two confirmations racing, only the first insert of the use succeeds.
        if not await self._contacts.use(verification.verification_id, now):
            raise ContactRefusedError(409, "Conflict", "the code has already been used")
        await self._contacts.set_verified(bsn, verification.email, now)
        return await self.view(bsn)

    async def remove_email(self, bsn: str) -> None:
        await self._contacts.remove_email(bsn)

    async def set_preferences(
        self, bsn: str, language: Language, preferences: Preferences
    ) -> Contact:
        await self._contacts.set_preferences(bsn, language, preferences)
        return await self.view(bsn)
