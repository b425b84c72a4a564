"""Who is in the seeded store and what happened to them: deterministic per citizen.

Citizen number `c` always has the same BSN, messages, cases, registrations and contact
details, whatever N is: a store seeded to 100,000 messages holds the first citizens of the
1,000,000 store, and seeding on resumes where an interrupted or smaller run stopped. About
one citizen in a hundred is a heavy receiver (100-250 messages; the rest 1-16: ~10.2 on
average, so 1,000,000 messages reach ~98,000 citizens). Twenty organisations send, the tax
office most. Everything happens before NOW (a fixed moment, so a store seeded today reads
the same next month); a thin slice is due right around NOW, for the retention and overdue
scans to find.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.identity import is_valid_bsn

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ORGANISATIONS = [f"0000000100{n:010d}" for n in range(1, 21)]
ORGANISATION_WEIGHTS = [30, 12, 10, 8] + [40 / 16] * 16  # the tax office sends most
NAMES = {oin: f"Organisatie {n}" for n, oin in enumerate(ORGANISATIONS, start=1)}
KINDS = ["aanslag", "beschikking", "herinnering", "besluit", "informatie"]
REGISTERS = [("BRP", ORGANISATIONS[1]), ("WOZ", ORGANISATIONS[2]), ("KENTEKEN", ORGANISATIONS[3])]
BODY = (
    "Geachte heer/mevrouw,\n\nHierbij ontvangt u informatie over uw aanvraag. "
    "Lees deze brief zorgvuldig. " * 12
)
DEFAULT_RETENTION = timedelta(days=548)
READ_SHARE, CONTACT_SHARE, ARCHIVE_SHARE = 0.7, 0.8, 0.1


def bsn_of(citizen: int) -> str:
    """Eight digits from the number (and a leading digit that makes the elfproef work out),
    then the check digit."""
    for first in range(2, 10):
        prefix = f"{first}{citizen:07d}"
        check = sum(int(d) * w for d, w in zip(prefix, range(9, 1, -1), strict=True)) % 11
        if check < 10 and is_valid_bsn(candidate := f"{prefix}{check}"):
            return candidate
    raise ValueError(f"no BSN for citizen {citizen}")  # citizen < 10**7 always has one


def source_of(oin: str) -> str:
    return source_for(oin, "seed")


@dataclass(frozen=True)
class PlannedMessage:
    number: int  # within the citizen
    sender_oin: str
    delivered_at: datetime
    expires_at: datetime
    read_at: datetime | None
    archived: bool
    legal_effect: bool
    kind: str
    due_now: bool  # expires just before NOW, not yet expired: the retention scan's work


@dataclass(frozen=True)
class PlannedCase:
    number: int
    organisation_oin: str
    statuses: list[tuple[datetime, bool]]  # (effective time, closes), in order
    withdrawn: bool


@dataclass(frozen=True)
class PlannedRegistration:
    register_code: str
    organisation_oin: str
    key: str
    versions: list[datetime]  # valid_from of each version; the last one current


@dataclass
class Citizen:
    number: int
    bsn: str
    email: str | None
    activated_at: datetime
    messages: list[PlannedMessage] = field(default_factory=list)
    cases: list[PlannedCase] = field(default_factory=list)
    registrations: list[PlannedRegistration] = field(default_factory=list)


def citizen(number: int) -> Citizen:
    rng = random.Random(hashlib.sha256(f"citizen-{number}".encode()).digest())
    heavy = rng.random() < 0.01
    email = f"burger-{number}@example.nl" if rng.random() < CONTACT_SHARE else None
    who = Citizen(number, bsn_of(number), email, NOW - rng.uniform(800, 3000) * DAY)
    count = rng.randint(100, 250) if heavy else rng.randint(1, 16)
    who.messages = [_message(rng, n) for n in range(count)]
    who.cases = [_case(rng, n) for n in range(_small_count(rng, mean=2.0))]
    who.registrations = _registrations(rng, number)
    return who


def _message(rng: random.Random, number: int) -> PlannedMessage:
    due_now = rng.random() < 0.005
    if due_now:  # its retention ends in the last hour: the next scan expires it
        expires = NOW - timedelta(minutes=rng.uniform(1, 50))
        delivered = expires - (
            DEFAULT_RETENTION if rng.random() < 0.8 else rng.uniform(30, 500) * DAY
        )
    else:
        delivered = NOW - rng.uniform(0, 730) * DAY
        chosen = rng.random() < 0.2  # the sender chose the retention
        expires = delivered + (rng.uniform(30, 3650) * DAY if chosen else DEFAULT_RETENTION)
    read = rng.random() < READ_SHARE
    read_at = min(delivered + rng.uniform(0.01, 20) * DAY, NOW) if read else None
    return PlannedMessage(
        number=number,
        sender_oin=rng.choices(ORGANISATIONS, ORGANISATION_WEIGHTS)[0],
        delivered_at=_millis(delivered),
        expires_at=_millis(expires),
        read_at=_millis(read_at) if read_at else None,
        archived=rng.random() < ARCHIVE_SHARE,
        legal_effect=rng.random() < 0.2,
        kind=rng.choice(KINDS),
        due_now=due_now,
    )


def _case(rng: random.Random, number: int) -> PlannedCase:
    start = NOW - rng.uniform(1, 700) * DAY
    steps = rng.randint(1, 6)
    closes = rng.random() < 0.6
    moments = sorted(start + rng.uniform(0, 120) * DAY for _ in range(steps))
    statuses = [(_millis(min(at, NOW)), closes and n == steps - 1) for n, at in enumerate(moments)]
    return PlannedCase(number, rng.choice(ORGANISATIONS[:8]), statuses, rng.random() < 0.01)


def _registrations(rng: random.Random, number: int) -> list[PlannedRegistration]:
    plans = [("BRP", f"a-{number:09d}")]
    if rng.random() < 0.6:
        plans.append(("WOZ", f"0518-{number:09d}"))
    plans += [("KENTEKEN", f"XX-{number:06d}-{n}") for n in range(rng.randint(0, 2))]
    found = []
    for code, key in plans:
        oin = dict(REGISTERS)[code]
        first = NOW - rng.uniform(30, 2000) * DAY
        versions = sorted(first + rng.uniform(0, 900) * DAY for _ in range(rng.randint(1, 3)))
        found.append(PlannedRegistration(code, oin, key, [_millis(min(v, NOW)) for v in versions]))
    return found


def _small_count(rng: random.Random, mean: float) -> int:
    """Poisson by counting exponential gaps (no numpy)."""
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def _millis(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
