"""What the handlers and the API need from the outside world."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from zaken.domain.case import Case, CaseName, ListedCase
from zaken.domain.model import StatusReport, Withdrawal


@dataclass(frozen=True)
class Recorded:
    report: StatusReport  # as first recorded: a redelivery gets back the original
    known: tuple[StatusReport, ...]  # the case's reports recorded up to and including it


class CaseStore(Protocol):
    async def record(self, report: StatusReport) -> Recorded:
        """Record the report once, however often its event is delivered.

        What it returns never changes for a report: the reports recorded before it stay the
        same, so a redelivery decides as the first delivery did.
        """
        ...

    async def is_withdrawn(self, organisation_oin: str, identificatie: str) -> bool: ...

    async def add_withdrawal(self, withdrawal: Withdrawal) -> None:
        """Record that the case is withdrawn; the first withdrawal recorded is kept."""
        ...

    async def claim_trigger(self, claim_id: str, trigger_event_id: str) -> str:
        """The trigger id that holds the claim: ours if we are first (or were, before a crash).

        An insert on a unique key, so that of concurrent claimants exactly one wins, on
        MongoDB and on FerretDB alike.
        """
        ...

    async def cases_of_organisation(
        self, organisation_oin: str, identificaties: Collection[str]
    ) -> tuple[list[Case], set[CaseName]]:
        """The recorded cases with these identificaties, and which of them are withdrawn."""
        ...


class CaseQueries(Protocol):
    """The citizen's read side."""

    async def listing_page(
        self, bsn: str, *, skip: int, limit: int
    ) -> tuple[list[ListedCase], int]:
        """A page of the citizen's overview (domain.case.overview's order, withdrawn cases
        left out), paged by the store, and how many cases the overview holds."""
        ...

    async def case(self, case_id: str) -> Case | None: ...
