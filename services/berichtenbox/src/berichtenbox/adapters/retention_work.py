"""The retention scan's work, keyed so the store serves it and replicas share it.

Every message carries two unit keys (`expiry_unit`, `warning_unit`): the hour in which its
content expires, and the hour from which its expiry warning is due, each with one of SHARDS
shards (from its id), e.g. "2027-06-01T13/07". A unit is read with one equality lookup (a
declared index on MongoDB, its GIN companion on FerretDB with PostgreSQL): never a range,
which neither FerretDB backend serves.

Which hours hold any unit is recorded before the messages are stored (`retention_hours`: a
document per task and day, and per task and hour, by `_id`), so a scan walks from where the
last one stopped (`retention_progress`) over days and hours by `_id` and queries only units
that exist. A unit whose hour ended (plus GRACE, for writes in flight) is marked done once
processed without failures (`retention_done`) and never read again; the hour in progress is
read again by each scan (one hour of messages at most, without bodies).

Replicas share units by claiming them for a lease period: a claim is an insert with a unique
`_id` (unit and period), so exactly one replica holds a unit in a period, and a replica
working on a large unit claims each next period before it goes on. A claim is removed after
the pass; a crashed replica's claim lapses with its period.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from berichtenbox.domain.expiry import warning_due_at
from berichtenbox.domain.message import Message
from berichtenbox.ports import RetentionTask, WorkUnit
from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid.storage import Document, insert_each

HOURS = "retention_hours"
PROGRESS = "retention_progress"
DONE = "retention_done"
CLAIMS = "retention_claims"

SHARDS = 16  # part of the stored keys: changing it needs the keys rewritten
HOUR = timedelta(hours=1)
GRACE = timedelta(minutes=10)  # a unit's hour must have ended this long ago to be closed
LEASE = timedelta(minutes=2)  # a claim's period
FIRST_SCAN_LOOKBACK = timedelta(days=2)  # where a store's first scan starts
_KNOWN_HOURS = 4096

UNIT_FIELD = {RetentionTask.EXPIRE: "expiry_unit", RetentionTask.WARN: "warning_unit"}


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _shard(message_id: str) -> int:
    return int.from_bytes(hashlib.sha256(message_id.encode()).digest()[:2], "big") % SHARDS


def unit_key(hour: datetime, shard: int) -> str:
    return f"{hour:%Y-%m-%dT%H}/{shard:02d}"


def unit_fields(message: Message, warn_before: timedelta) -> dict[str, str]:
    """The unit keys stored with a message."""
    shard = _shard(message.message_id)
    warn_from = warning_due_at(message, warn_before)
    return {
        UNIT_FIELD[RetentionTask.EXPIRE]: unit_key(_hour(message.expires_at), shard),
        UNIT_FIELD[RetentionTask.WARN]: unit_key(_hour(warn_from), shard),
    }


def _hours_of(task: RetentionTask, unit: str) -> tuple[str, str]:
    """The presence keys (day, hour) of a unit key."""
    hour = unit.split("/", 1)[0]
    return f"{task.value}:{hour[:10]}", f"{task.value}:{hour}"


class RetentionHours:
    """Records which days and hours hold units, before the messages in them are stored."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._hours = database[HOURS]
        self._written: OrderedDict[str, None] = OrderedDict()

    async def record(self, documents: Sequence[Document]) -> None:
        keys = {
            key
            for document in documents
            for task in RetentionTask
            for key in _hours_of(task, document[UNIT_FIELD[task]])
            if key not in self._written
        }
        if not keys:
            return
        ordered = sorted(keys)
        outcomes = await insert_each(self._hours, [{"_id": key} for key in ordered])
        for key, outcome in zip(ordered, outcomes, strict=True):
            if outcome is not None and not isinstance(outcome, DuplicateKeyError):
                raise outcome
            self._written[key] = None
        while len(self._written) > _KNOWN_HOURS:
            self._written.popitem(last=False)


class MongoRetentionWork:
    """Honours ports.RetentionWork."""

    def __init__(
        self, database: AsyncDatabase[Document], clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._clock = clock  # the machine's time, for leases (a scan's `now` may be another)
        self._hours = database[HOURS]
        self._progress = database[PROGRESS]
        self._done = database[DONE]
        self._claims = database[CLAIMS]
        self._replica = uuid.uuid4().hex
        self._held: set[str] = set()

    async def open_units(self, task: RetentionTask, now: datetime) -> list[WorkUnit]:
        """The units from the last scan's stopping point up to `now` not done yet."""
        progress = await self._progress.find_one({"_id": task.value})
        start = progress["hour"] if progress else _hour(now - FIRST_SCAN_LOOKBACK)
        units: list[WorkUnit] = []
        while start <= now:
            if await self._exists(f"{task.value}:{start:%Y-%m-%d}"):
                for hour in _hours_of_day(start, now):
                    if await self._exists(f"{task.value}:{hour:%Y-%m-%dT%H}"):
                        units.extend(await self._not_done(task, hour, now))
            start = (start + timedelta(days=1)).replace(hour=0)
        return units

    async def _not_done(self, task: RetentionTask, hour: datetime, now: datetime) -> list[WorkUnit]:
        closed = hour + HOUR + GRACE <= now
        units = [WorkUnit(task, unit_key(hour, shard), closed) for shard in range(SHARDS)]
        return [unit for unit in units if not await self._exists_done(unit)]

    async def hold(self, unit: WorkUnit) -> bool:
        """Whether this replica holds the unit in the current lease period (claiming it if
        nobody does). In the second half of a period the next one is claimed too, so while
        this replica goes on, no other can take the unit at the turn of the period."""
        now = self._clock()
        fresh = not any(claim.startswith(_done_id(unit) + "@") for claim in self._held)
        periods = [_claim_id(unit, now)]
        if (now.timestamp() % LEASE.total_seconds()) * 2 >= LEASE.total_seconds():
            periods.append(_claim_id(unit, now + LEASE))
        for claim in periods:
            if claim in self._held:
                continue
            try:
                await self._claims.insert_one({"_id": claim, "replica": self._replica, "at": now})
            except DuplicateKeyError:
                return False
            self._held.add(claim)
        # Claimed anew: another replica may have finished it since this one listed it.
        if fresh and await self._exists_done(unit):
            await self.release(unit, done=False)
            return False
        return True

    async def release(self, unit: WorkUnit, *, done: bool) -> None:
        """After a pass: done (a closed unit processed without failures) is recorded first,
        so a replica that claims it next finds it done."""
        if done:
            # A duplicate: two replicas finished it, one after the other's claim lapsed.
            with contextlib.suppress(DuplicateKeyError):
                await self._done.insert_one({"_id": _done_id(unit)})
        for claim in [held for held in self._held if held.startswith(_done_id(unit) + "@")]:
            await self._claims.delete_one({"_id": claim})
            self._held.discard(claim)

    async def advance(
        self, task: RetentionTask, now: datetime, open_units: Iterable[WorkUnit]
    ) -> None:
        """Move the next scan's starting point to the first hour with a unit still open."""
        # Never past the hour of `now - GRACE`: a message stamped in an earlier hour may still
        # be on its way into the store.
        latest = _hour(now - GRACE)
        remaining = [unit for unit in open_units if not await self._exists_done(unit)]
        first_open = min((_unit_hour(unit) for unit in remaining), default=latest)
        # A plain set (two first scans may race on the upsert: either value is safe).
        with contextlib.suppress(DuplicateKeyError):
            await self._progress.update_one(
                {"_id": task.value}, {"$set": {"hour": min(first_open, latest)}}, upsert=True
            )

    async def _exists(self, key: str) -> bool:
        return await self._hours.find_one({"_id": key}, {"_id": 1}) is not None

    async def _exists_done(self, unit: WorkUnit) -> bool:
        return await self._done.find_one({"_id": _done_id(unit)}, {"_id": 1}) is not None


def _hours_of_day(first: datetime, now: datetime) -> list[datetime]:
    """The hours from `first` to the end of its day, as far as they have begun by `now`."""
    hours = [first.replace(hour=h) for h in range(first.hour, 24)]
    return [hour for hour in hours if hour <= now]


def _done_id(unit: WorkUnit) -> str:
    return f"{unit.task.value}:{unit.key}"


def _claim_id(unit: WorkUnit, now: datetime) -> str:
    period = int(now.timestamp() // LEASE.total_seconds())
    return f"{_done_id(unit)}@{period}"


def _unit_hour(unit: WorkUnit) -> datetime:
    return datetime.strptime(unit.key.split("/", 1)[0], "%Y-%m-%dT%H").replace(tzinfo=UTC)
