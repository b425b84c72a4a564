"""Citizens' contact details and address verifications in MongoDB/FerretDB.

A verification code is used once: the use is an insert with the verification's id as unique
key, which both MongoDB and FerretDB v1 enforce (a conditional update FerretDB v1 does not).
Likewise each try of a code takes one of a fixed number of slots, `<verification id>#<n>`: of
concurrent tries only as many as there are slots get one, so only that many codes are checked.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.storage import Document, coalesced_lookup
from notifier.domain.contact import Contact, Language, Preferences
from notifier.domain.verification import Verification

CONTACT_DETAILS = "contact_details"
VERIFICATIONS = "email_verifications"
VERIFICATION_USES = "email_verification_uses"
# One document per try of a code (the name is older than the slots).
ATTEMPTS = "email_verification_wrong_codes"


async def create_indexes(database: AsyncDatabase[Document]) -> None:
    await database[ATTEMPTS].create_index([("verification_id", ASCENDING)], name="by_verification")


class ContactRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._contacts = database[CONTACT_DETAILS]
        self._verifications = database[VERIFICATIONS]
        self._uses = database[VERIFICATION_USES]
        self._attempts = database[ATTEMPTS]
        # Every notification reads its citizen's details: batched, like the inserts.
        self._lookup = coalesced_lookup(self._contacts)

    async def find(self, bsn: str) -> Contact | None:
        document = await self._lookup(bsn)
        return None if document is None else _to_contact(document)

    async def mark_undeliverable(self, bsn: str, address: str, sent_at: datetime) -> None:
        # Only while it is still the citizen's address; idempotent, so a plain update is safe.
        await self._contacts.update_one(
            {"_id": bsn, "email": address}, {"$set": {"undeliverable_since": sent_at}}
        )

    async def set_preferences(self, bsn: str, language: Language, preferences: Preferences) -> None:
        await self._contacts.update_one(
            {"_id": bsn},
            {"$set": {"language": language.value, "preferences": vars(preferences)}},
            upsert=True,
        )

    async def set_verified(self, bsn: str, email: str, now: datetime) -> None:
        await self._contacts.update_one(
            {"_id": bsn},
            {
                "$set": {"email": email, "verified_at": now},
                "$unset": {"pending_email": "", "pending_verification_id": ""},
            },
            upsert=True,
        )

    async def remove_email(self, bsn: str) -> None:
        fields = ("email", "verified_at", "pending_email", "pending_verification_id")
        await self._contacts.update_one({"_id": bsn}, {"$unset": dict.fromkeys(fields, "")})

    async def start_verification(self, verification: Verification) -> None:
        await self._verifications.insert_one(
            {
                "_id": verification.verification_id,
                "bsn": verification.bsn,
                "email": verification.email,
                "code_hash": verification.code_hash,
                "created_at": verification.created_at,
                "expires_at": verification.expires_at,
            }
        )
        await self._contacts.update_one(
            {"_id": verification.bsn},
            {
                "$set": {
                    "pending_email": verification.email,
                    "pending_verification_id": verification.verification_id,
                }
            },
            upsert=True,
        )

    async def verification(self, verification_id: str) -> Verification | None:
        document = await self._verifications.find_one({"_id": verification_id})
        if document is None:
            return None
        fields = {
            key: document[key] for key in ("bsn", "email", "code_hash", "created_at", "expires_at")
        }
        return Verification(verification_id=verification_id, **fields)

    async def take_attempt(self, verification_id: str, limit: int, now: datetime) -> int | None:
        """The number (1..limit) of the slot this try of a code took; None when all are taken.

        The count only says where to start looking (it also counts the tries recorded before
        there were slots, with random ids); the unique `_id` of the slot is what decides.
        """
        taken = await self._attempts.count_documents({"verification_id": verification_id})
        for slot in range(taken + 1, limit + 1):
            document = {"_id": f"{verification_id}#{slot}", "verification_id": verification_id}
            try:
                await self._attempts.insert_one({**document, "at": now})
            except DuplicateKeyError:
                continue
            return slot
        return None

    async def use(self, verification_id: str, now: datetime) -> bool:
        """True for the first use only."""
        try:
            await self._uses.insert_one({"_id": verification_id, "used_at": now})
        except DuplicateKeyError:
            return False
        return True


def _to_contact(document: Document) -> Contact:
    preferences = document.get("preferences") or {}
    return Contact(
        bsn=document["_id"],
        email=document.get("email"),
        verified_at=document.get("verified_at"),
        undeliverable_since=document.get("undeliverable_since"),
        language=Language(document.get("language", Language.NL.value)),
        preferences=Preferences(**preferences),
        pending_email=document.get("pending_email"),
        pending_verification_id=document.get("pending_verification_id"),
    )
