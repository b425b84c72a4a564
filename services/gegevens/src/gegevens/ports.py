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


class RegistrationQueries(Protocol):
    async def visible_for(self, bsn: str) -> list[Version]:
        """The current, not removed, version of each of the citizen's registrations."""
        ...

    async def visible(self, registration_id: str, bsn: str) -> Version | None:
        """The registration's current version, if it is the citizen's and not removed."""
        ...
