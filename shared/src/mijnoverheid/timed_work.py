"""Work that comes due at a moment (content that expires, a notification's deadline), keyed so
the store serves it and replicas share it.

An item due at a moment carries a unit key: the hour it is due in, and one of SHARDS shards
(from its id), e.g. "2027-06-01T13/07". A unit is read with one equality lookup on that key
(a declared index on MongoDB, its GIN companion on FerretDB with PostgreSQL), never with a
range, which neither FerretDB backend serves.

Which hours hold any unit is recorded before the items are stored (`<name>_hours`: a document
per task and day, and per task and hour, by `_id`), so a scan walks from where the last one
stopped (`<name>_progress`) over days and hours by `_id` and queries only units that exist. A
unit whose hour ended (plus GRACE, for writes in flight) is marked done once processed without
failures (`<name>_done`) and never read again; the hour in progress is read again by each scan.

Replicas share units by claiming them for a lease period (`<name>_claims`): a claim is an
insert with a unique `_id` (unit and period), so one replica holds a unit in a period; in the
second half of a period the holder claims the next one too, so nobody takes the unit over
while it goes on. A claim is removed after the pass; a crashed replica's claim lapses.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, Protocol, TypeVar

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from mijnoverheid.storage import Document, insert_each

SHARDS = 16  # part of the stored keys: changing it needs the keys rewritten
HOUR = timedelta(hours=1)
GRACE = timedelta(minutes=10)  # a unit's hour must have ended this long ago to be closed
LEASE = timedelta(minutes=2)  # a claim's period
FIRST_SCAN_LOOKBACK = timedelta(days=2)  # where a store's first scan starts
PASS_CONCURRENCY = 16  # items of a page handled at once
_KNOWN_HOURS = 4096

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


@dataclass(frozen=True)
class WorkUnit:
    """A share of one task: the items under one key."""

    task: str
    key: str
    closed: bool  # no item can join it any more: once done, never read again

    @property
    def hour(self) -> datetime:
        return datetime.strptime(self.key.split("/", 1)[0], "%Y-%m-%dT%H").replace(tzinfo=UTC)


class WorkUnits(Protocol):
    """What a scan needs (TimedWork honours it; a fake in unit tests)."""

    async def open_units(self, task: str, now: datetime) -> list[WorkUnit]: ...

    async def hold(self, unit: WorkUnit) -> bool:
        """Whether this replica holds the unit now (claiming it if no replica does); asked
        again between pages, as a claim lasts a lease period."""
        ...

    async def release(self, unit: WorkUnit, *, done: bool) -> None:
        """After a pass; `done`: a closed unit fully processed, never to be read again."""
        ...

    async def advance(self, task: str, now: datetime, open_units: Iterable[WorkUnit]) -> None:
        """Where the next scan starts: at the first unit still open."""
        ...


@dataclass(frozen=True)
class UnitPass(Generic[Outcome]):
    """What one pass over a unit's pages gave: each item's outcome or its exception."""

    outcomes: list[Outcome | BaseException]
    complete: bool  # every page read while this replica held the unit

    @property
    def failures(self) -> list[BaseException]:
        return [outcome for outcome in self.outcomes if isinstance(outcome, BaseException)]


async def pass_over(
    work: WorkUnits,
    unit: WorkUnit,
    pages: AsyncIterable[Sequence[Item]],
    handle: Callable[[Item], Awaitable[Outcome]],
) -> UnitPass[Outcome]:
    """Handle a held unit's items a page at a time, PASS_CONCURRENCY at once, asking between
    pages whether the unit is still held (a claim lasts a lease period): a pass that lost it
    stops there and is not complete, so the unit is never marked done on its strength."""
    limit = asyncio.Semaphore(PASS_CONCURRENCY)

    async def one(item: Item) -> Outcome:
        async with limit:
            return await handle(item)

    outcomes: list[Outcome | BaseException] = []
    async for page in pages:
        outcomes += await asyncio.gather(*(one(item) for item in page), return_exceptions=True)
        if not await work.hold(unit):
            return UnitPass(outcomes, complete=False)
    return UnitPass(outcomes, complete=True)


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def unit_key(due: datetime, item_id: str) -> str:
    """The key of the unit an item due at `due` belongs to."""
    shard = int.from_bytes(hashlib.sha256(item_id.encode()).digest()[:2], "big") % SHARDS
    return f"{hour_of(due):%Y-%m-%dT%H}/{shard:02d}"


def _presence_keys(task: str, key: str) -> tuple[str, str]:
    hour = key.split("/", 1)[0]
    return f"{task}:{hour[:10]}", f"{task}:{hour}"


class HourIndex:
    """Records which days and hours hold units; call it before storing the items in them."""

    def __init__(self, database: AsyncDatabase[Document], name: str) -> None:
        self._hours = database[f"{name}_hours"]
        self._written: OrderedDict[str, None] = OrderedDict()  # durable already

    async def record(self, units: Iterable[tuple[str, str]]) -> None:
        """`units`: (task, unit key) pairs."""
        keys = sorted(
            {k for task, key in units for k in _presence_keys(task, key)} - self._written.keys()
        )
        if not keys:
            return
        outcomes = await insert_each(self._hours, [{"_id": key} for key in keys])
        for key, outcome in zip(keys, outcomes, strict=True):
            if outcome is not None and not isinstance(outcome, DuplicateKeyError):
                raise outcome
            self._written[key] = None
        while len(self._written) > _KNOWN_HOURS:
            self._written.popitem(last=False)


class TimedWork:
    """Which units a scan has to do, and which replica does each."""

    def __init__(
        self,
        database: AsyncDatabase[Document],
        name: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._clock = clock  # the machine's time, for leases (a scan's `now` may be another)
        self._hours = database[f"{name}_hours"]
        self._progress = database[f"{name}_progress"]
        self._done = database[f"{name}_done"]
        self._claims = database[f"{name}_claims"]
        self._replica = uuid.uuid4().hex
        self._held: set[str] = set()

    async def open_units(self, task: str, now: datetime) -> list[WorkUnit]:
        """The units from the last scan's stopping point up to `now` not done yet."""
        progress = await self._progress.find_one({"_id": task})
        start: datetime = progress["hour"] if progress else hour_of(now - FIRST_SCAN_LOOKBACK)
        units: list[WorkUnit] = []
        while start <= now:
            if await self._exists(f"{task}:{start:%Y-%m-%d}"):
                for hour in _hours_of_day(start, now):
                    if await self._exists(f"{task}:{hour:%Y-%m-%dT%H}"):
                        units.extend(await self._not_done(task, hour, now))
            start = (start + timedelta(days=1)).replace(hour=0)
        return units

    async def hold(self, unit: WorkUnit) -> bool:
        """Whether this replica holds the unit in the current lease period (claiming it if
        nobody does); asked again between pages of a long pass."""
        now = self._clock()
        current = _claim_id(unit, now)
        fresh = current not in self._held
        periods = [current]
        if (now.timestamp() % LEASE.total_seconds()) * 2 >= LEASE.total_seconds():
            periods.append(_claim_id(unit, now + LEASE))
        inserted: list[str] = []
        for claim in periods:
            if claim in self._held:
                continue
            try:
                await self._claims.insert_one({"_id": claim, "replica": self._replica, "at": now})
            except DuplicateKeyError:
                # Not held after all: what this call claimed goes back, or it would stay
                # claimed (and remembered here) with nobody working on it.
                for taken in inserted:
                    await self._claims.delete_one({"_id": taken})
                    self._held.discard(taken)
                return False
            inserted.append(claim)
            self._held.add(claim)
        # Claimed anew: another replica may have finished it since this one listed it.
        if fresh and await self._is_done(unit):
            await self.release(unit, done=False)
            return False
        return True

    async def release(self, unit: WorkUnit, *, done: bool) -> None:
        """After a pass; `done`: a closed unit fully processed. Recorded before the claim
        goes, so a replica that claims it next finds it done."""
        if done:
            # A duplicate: two replicas finished it, one after the other's claim lapsed.
            with contextlib.suppress(DuplicateKeyError):
                await self._done.insert_one({"_id": _done_id(unit)})
        for claim in [held for held in self._held if held.startswith(_done_id(unit) + "@")]:
            await self._claims.delete_one({"_id": claim})
            self._held.discard(claim)

    async def advance(self, task: str, now: datetime, open_units: Iterable[WorkUnit]) -> None:
        """Move the next scan's starting point to the first hour with a unit still open;
        never past the hour of `now - GRACE` (an item stamped earlier may be on its way)."""
        latest = hour_of(now - GRACE)
        remaining = [unit for unit in open_units if not await self._is_done(unit)]
        first_open = min((unit.hour for unit in remaining), default=latest)
        # A plain set (two first scans may race on the upsert: either value is safe).
        with contextlib.suppress(DuplicateKeyError):
            await self._progress.update_one(
                {"_id": task}, {"$set": {"hour": min(first_open, latest)}}, upsert=True
            )

    async def _not_done(self, task: str, hour: datetime, now: datetime) -> list[WorkUnit]:
        closed = hour + HOUR + GRACE <= now
        units = [WorkUnit(task, f"{hour:%Y-%m-%dT%H}/{s:02d}", closed) for s in range(SHARDS)]
        return [unit for unit in units if not await self._is_done(unit)]

    async def _exists(self, key: str) -> bool:
        return await self._hours.find_one({"_id": key}, {"_id": 1}) is not None

    async def _is_done(self, unit: WorkUnit) -> bool:
        return await self._done.find_one({"_id": _done_id(unit)}, {"_id": 1}) is not None


def _hours_of_day(first: datetime, now: datetime) -> list[datetime]:
    """The hours from `first` to the end of its day, as far as they have begun by `now`."""
    hours = [first.replace(hour=hour) for hour in range(first.hour, 24)]
    return [hour for hour in hours if hour <= now]


def _done_id(unit: WorkUnit) -> str:
    return f"{unit.task}:{unit.key}"


def _claim_id(unit: WorkUnit, now: datetime) -> str:
    period = int(now.timestamp() // LEASE.total_seconds())
    return f"{_done_id(unit)}@{period}"
