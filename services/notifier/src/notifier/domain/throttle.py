"""How many confirmation mails a citizen may cause, and an address may get. Pure, no I/O.

A confirmation mail goes to any address a citizen types in, from the government's own domain:
unthrottled, one logged-in person could mail-bomb a victim, or many could. Each mail takes a
slot in every window of the citizen and of the address; when a window is full, the next mail
waits until the window ends. Slots are unique keys, so replicas cannot together exceed a limit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limit:
    per: timedelta
    mails: int


@dataclass(frozen=True)
class Window:
    """One fixed window of one subject: up to `mails` slots named `<key>#<n>`."""

    key: str
    mails: int
    ends_at: datetime


DEFAULT_LIMITS = (Limit(timedelta(hours=1), 3), Limit(timedelta(days=1), 10))


def subject_key(kind: str, value: str) -> str:
    # The address is kept out of the throttle's keys (they are ids, not personal data).
    return f"{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]}"


def windows(
    bsn: str, address: str, now: datetime, limits: tuple[Limit, ...] = DEFAULT_LIMITS
) -> list[Window]:
    """Every window a confirmation mail to `address` for `bsn` must find a slot in."""
    found = []
    for subject in (subject_key("citizen", bsn), subject_key("address", address)):
        for limit in limits:
            seconds = int(limit.per.total_seconds())
            start = int(now.timestamp()) // seconds * seconds
            ends_at = datetime.fromtimestamp(start + seconds, tz=now.tzinfo)
            found.append(Window(f"{subject}:{seconds}:{start}", limit.mails, ends_at))
    return found
