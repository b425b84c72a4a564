"""Double opt-in: a code (also in a link) mailed to the new address proves it is the citizen's.

The code is stored only as a hash; it expires; it can be used once (the single use itself is
recorded by the store as an insert with a unique key). Pure, no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# No 0/O, 1/I/L: the code is read from a mail and typed in. 32^8 ≈ 10^12 codes.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_WRONG_CODES = 5


@dataclass(frozen=True)
class Verification:
    verification_id: str
    bsn: str
    email: str
    code_hash: str
    created_at: datetime
    expires_at: datetime


class Verdict(StrEnum):
    CONFIRMED = "confirmed"
    WRONG_CODE = "wrong-code"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too-many-attempts"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalised(code: str) -> str:
    return "".join(character for character in code.upper() if character.isalnum())


def code_hash(verification_id: str, code: str) -> str:
    return hashlib.sha256(f"{verification_id}:{normalised(code)}".encode()).hexdigest()


def start(bsn: str, email: str, code: str, now: datetime, valid_for: timedelta) -> Verification:
    verification_id = secrets.token_hex(16)
    return Verification(
        verification_id=verification_id,
        bsn=bsn,
        email=email,
        code_hash=code_hash(verification_id, code),
        created_at=now,
        expires_at=now + valid_for,
    )


def judge(verification: Verification, code: str, now: datetime, wrong_so_far: int) -> Verdict:
    if wrong_so_far >= MAX_WRONG_CODES:
        return Verdict.TOO_MANY_ATTEMPTS
    if now >= verification.expires_at:
        return Verdict.EXPIRED
    if not hmac.compare_digest(
        code_hash(verification.verification_id, code), verification.code_hash
    ):
        return Verdict.WRONG_CODE
    return Verdict.CONFIRMED
