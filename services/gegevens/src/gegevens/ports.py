"""What the handlers and the API need from the outside world."""

from __future__ import annotations

from typing import Protocol

from gegevens.domain.model import Version, VersionRef


class RegistrationStore(Protocol):
    async def by_event(self, event_source: str, event_id: str) -> Version | None: ...

    async def history(self, registration_id: str) -> list[VersionRef]:
        """Every recorded version of the registration, in any order."""
        ...

    async def add(self, version: Version) -> bool:
        """Store the version once; False when it already was (nothing is changed then)."""
        ...

    async def mark_notified(self, version_id: str) -> None:
        """registration-recorded for this version is confirmed by the broker."""
        ...


class RegistrationQueries(Protocol):
    async def visible_for(self, bsn: str) -> list[Version]:
        """The current, not removed, version of each of the citizen's registrations."""
        ...

    async def visible(self, registration_id: str, bsn: str) -> Version | None:
        """The registration's current version, if it is the citizen's and not removed."""
        ...
