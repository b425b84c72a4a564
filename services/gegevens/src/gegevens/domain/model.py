"""A registration as a set of versions, and which version is current: pure rules, no I/O.

Every accepted event is one immutable version (a removal too). The current state is derived,
never maintained: the version with the latest `valid_from` wins, ties broken by event id and
then source, so any order of arrival, with any duplicates, gives the same result.

Whether recording a version is announced depends on what was recorded before it: a registration's
versions are recorded one after another in numbered slots (0, 1, 2, ...), and a version is
judged against the slots before its own. That view never changes, so the decision is the same
however often its event is delivered, and concurrent deliveries decide as one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import groupby

from mijnoverheid.kernel import Origin, derived_event_id

Order = tuple[datetime, str, str]


class RegistrationChange(StrEnum):
    """The values are those of the public contract."""

    CHANGED = "changed"
    REMOVED = "removed"


@dataclass(frozen=True)
class Fact:
    """One fact as the organisation labelled it; its typed value as the contract gives it
    (e.g. {"type": "amount", "amount": "312000.00", "currency": "EUR"}): carried, not read."""

    label: str
    value: Mapping[str, str]


@dataclass(frozen=True)
class WhereToChange:
    description: str
    url: str


@dataclass(frozen=True)
class Sender:
    """What the organisation registry lets the sending organisation do here."""

    registers: frozenset[str]
    notify_registers: frozenset[str]
    link_hosts: tuple[str, ...]


@dataclass(frozen=True)
class RecordVersion:
    """A registration-changed (with facts and where to change them) or -removed event."""

    origin: Origin
    sender: Sender
    change: RegistrationChange
    recipient_bsn: str
    register_code: str
    registration_key: str
    valid_from: datetime
    facts: tuple[Fact, ...] = ()
    where_to_change: WhereToChange | None = None


@dataclass(frozen=True)
class VersionRef:
    """What ordering needs of a version."""

    version_id: str
    registration_id: str
    event_source: str
    event_id: str
    valid_from: datetime
    change: RegistrationChange

    @property
    def order(self) -> Order:
        return (self.valid_from, self.event_id, self.event_source)


@dataclass(frozen=True)
class Version:
    version_id: str
    registration_id: str
    event_source: str
    event_id: str
    organisation_oin: str
    register_code: str
    registration_key: str
    recipient_bsn: str
    change: RegistrationChange
    valid_from: datetime
    recorded_at: datetime
    facts: tuple[Fact, ...] = ()
    where_to_change: WhereToChange | None = None
    # Decided once, against the versions in the slots before this one, and stored with it: a
    # redelivery re-emits registration-recorded exactly when the first delivery was meant to.
    notify: bool = False
    notified: bool = False
    # Its place among the registration's versions, in the order recorded: None until recorded.
    slot: int | None = None

    @property
    def ref(self) -> VersionRef:
        return VersionRef(
            self.version_id,
            self.registration_id,
            self.event_source,
            self.event_id,
            self.valid_from,
            self.change,
        )


def registration_id_for(oin: str, register_code: str, key: str, bsn: str) -> str:
    # The citizen is part of the identity: two owners of one house each have their own WOZ
    # registration under the same key, and a version for one never changes the other's.
    return derived_event_id("registration", oin, register_code, key, bsn)


def version_id_for(event_source: str, event_id: str) -> str:
    return derived_event_id(event_source, event_id, "registration-version")


def instant(moment: datetime) -> datetime:
    """UTC with millisecond precision: what BSON keeps, so stored and fresh versions compare."""
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def version_of(command: RecordVersion, *, recorded_at: datetime) -> Version:
    origin = command.origin
    return Version(
        version_id=version_id_for(origin.event_source, origin.event_id),
        registration_id=registration_id_for(
            origin.sender_oin,
            command.register_code,
            command.registration_key,
            command.recipient_bsn,
        ),
        event_source=origin.event_source,
        event_id=origin.event_id,
        organisation_oin=origin.sender_oin,
        register_code=command.register_code,
        registration_key=command.registration_key,
        recipient_bsn=command.recipient_bsn,
        change=command.change,
        valid_from=instant(command.valid_from),
        recorded_at=instant(recorded_at),
        facts=command.facts,
        where_to_change=command.where_to_change,
    )


def latest(versions: Iterable[VersionRef]) -> VersionRef | None:
    return max(versions, key=lambda version: version.order, default=None)


def current(versions: Iterable[VersionRef]) -> VersionRef | None:
    """The version the citizen sees; None when there is none or the latest is a removal."""
    winner = latest(versions)
    return winner if winner is not None and winner.change is RegistrationChange.CHANGED else None


def visible(versions: Iterable[VersionRef]) -> list[VersionRef]:
    """The current version of every registration among `versions` that is not removed."""
    ordered = sorted(versions, key=lambda version: version.registration_id)
    found = (current(group) for _, group in groupby(ordered, lambda v: v.registration_id))
    return [version for version in found if version is not None]


def announces(new: VersionRef, before: Iterable[VersionRef]) -> bool:
    """Whether recording `new` after the versions `before` it changes what the citizen sees: it
    is newer than every one of them, and it shows something or takes away something shown.

    `before` is the registration's versions in the slots before the one `new` is recorded in:
    a fixed view, so a redelivery decides the same, and of two versions recorded at once the
    later slot is judged with the earlier one in view (never both without the other).
    """
    previous = latest(version for version in before if version.version_id != new.version_id)
    if previous is not None and previous.order >= new.order:
        return False  # stale: a later version was recorded first
    if new.change is RegistrationChange.REMOVED:
        return previous is not None and previous.change is RegistrationChange.CHANGED
    return True
