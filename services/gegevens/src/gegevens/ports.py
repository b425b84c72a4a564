"""What the handlers and the API need from the outside world."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from gegevens.domain.model import Version, VersionRef

Decide = Callable[[Sequence[VersionRef]], bool]
"""Whether a version is announced, given the versions recorded before it (its slots' prefix)."""


@dataclass(frozen=True)
class Recorded:
    # As stored, with its slot and decision; for an event recorded before, the first version.
    version: Version
    # A concurrent delivery of the same event took the slot this one tried: that delivery
    # announces it (or, if it crashes, its own redelivery does).
    concurrent: bool = False


class RegistrationStore(Protocol):
    async def record(self, version: Version, announce: Decide) -> Recorded:
        """Record the version once, however often its event is delivered.

        The registration's versions sit in numbered slots, filled without gaps in the order
        recorded: a new version takes the first free slot, with `notify` set to `announce` of
        the versions in the slots before it (deciding again for the next slot when a
        concurrent writer takes it first). An event recorded before finds its own slot, and
        gets back that version with the decision taken then.
        """
        ...

    async def mark_notified(self, version: Version) -> None:
        """registration-recorded for this (recorded) version is confirmed by the broker."""
        ...


@dataclass(frozen=True)
class Listed:
    """A registration the citizen's overview shows, without its facts: enough to order and
    group it, and to load it for the page it falls on."""

    registration_id: str
    organisation_oin: str
    register_code: str
    registration_key: str
    version_key: str  # the store's key of its current version


class RegistrationQueries(Protocol):
    async def visible_for(self, bsn: str) -> list[Version]:
        """The current, not removed, version of each of the citizen's registrations."""
        ...

    async def listed_for(self, bsn: str) -> list[Listed]:
        """The same registrations, without their facts (reading only what ordering needs)."""
        ...

    async def versions_of(self, listed: Sequence[Listed]) -> list[Version]:
        """The versions of those listed, in their order (one lookup by key each)."""
        ...

    async def visible(self, registration_id: str, bsn: str) -> Version | None:
        """The registration's current version, if it is the citizen's and not removed."""
        ...
