"""A citizen's own contact details: set the address (double opt-in), confirm, preferences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from notifier.domain import throttle
from notifier.domain import verification as v
from notifier.domain.attempt import Accepted
from notifier.domain.contact import Contact, Language, Preferences
from notifier.ports import ContactStore, Mailer, MailSlots, Renderer


class ContactRefusedError(Exception):
    def __init__(
        self, status: int, title: str, detail: str, retry_after: int | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.retry_after = retry_after


_REFUSALS = {
    v.Verdict.WRONG_CODE: (400, "Bad Request", "the code is not right"),
    v.Verdict.EXPIRED: (410, "Gone", "the code has expired: set the address again for a new one"),
    v.Verdict.TOO_MANY_ATTEMPTS: (
        410,
        "Gone",
        "too many wrong codes: set the address again for a new one",
    ),
}


@dataclass(frozen=True, kw_only=True)
class ContactService:
    contacts: ContactStore
    mailer: Mailer
    renderer: Renderer
    clock: Callable[[], datetime]
    verification_valid_for: timedelta
    mail_slots: MailSlots
    mail_limits: tuple[throttle.Limit, ...] = throttle.DEFAULT_LIMITS
    # Development stacks only: an address counts as verified at once, without a mail.
    auto_verify: bool = False

    async def view(self, bsn: str) -> Contact:
        return await self.contacts.find(bsn) or Contact(bsn)

    async def set_email(self, bsn: str, email: str, language: Language | None) -> Contact:
        contact = await self.view(bsn)
        if language is not None and language is not contact.language:
            await self.contacts.set_preferences(bsn, language, contact.preferences)
        if contact.email == email and not contact.undeliverable:
            return await self.view(bsn)  # already verified, and still deliverable
        now = self.clock()
        if self.auto_verify:
            await self.contacts.set_verified(bsn, email, now)
            return await self.view(bsn)
        await self._take_mail_slots(bsn, email, now)
        code = v.new_code()
        verification = v.start(bsn, email, code, now, self.verification_valid_for)
        await self.contacts.start_verification(verification)
        mail = self.renderer.verification(
            v.display(code), verification.expires_at, language or contact.language
        )
        if not isinstance(await self.mailer.send(email, mail, None), Accepted):
            raise ContactRefusedError(
                503, "Service Unavailable", "the confirmation e-mail could not be sent; try again"
            )
        return await self.view(bsn)

    async def _take_mail_slots(self, bsn: str, email: str, now: datetime) -> None:
        for window in throttle.windows(bsn, email, now, self.mail_limits):
            if not await self.mail_slots.take(window):
                wait = max(1, int((window.ends_at - now).total_seconds()))
                raise ContactRefusedError(
                    429,
                    "Too Many Requests",
                    "too many confirmation e-mails for this account or address; try again later",
                    retry_after=wait,
                )

    async def confirm(self, bsn: str, code: str) -> Contact:
        contact = await self.view(bsn)
        pending = contact.pending_verification_id
        verification = await self.contacts.verification(pending) if pending else None
        if verification is None or verification.bsn != bsn:
            raise ContactRefusedError(
                409, "Conflict", "no address is waiting to be confirmed (was the code used?)"
            )
        now = self.clock()
        # A try takes a slot before its code is checked: of any number of concurrent tries only
        # MAX_WRONG_CODES are ever checked. (A right code ends the verification, so the tries
        # before it were all wrong.)
        slot = await self.contacts.take_attempt(
            verification.verification_id, v.MAX_WRONG_CODES, now
        )
        earlier_tries = v.MAX_WRONG_CODES if slot is None else slot - 1
        verdict = v.judge(verification, code, now, earlier_tries)
        if verdict is not v.Verdict.CONFIRMED:
            raise ContactRefusedError(*_REFUSALS[verdict])
        # Single use: of two confirmations racing, only the first insert of the use succeeds.
        if not await self.contacts.use(verification.verification_id, now):
            raise ContactRefusedError(409, "Conflict", "the code has already been used")
        await self.contacts.set_verified(bsn, verification.email, now)
        return await self.view(bsn)

    async def remove_email(self, bsn: str) -> None:
        await self.contacts.remove_email(bsn)

    async def set_preferences(
        self, bsn: str, language: Language, preferences: Preferences
    ) -> Contact:
        await self.contacts.set_preferences(bsn, language, preferences)
        return await self.view(bsn)
