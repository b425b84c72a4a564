"""A case as the citizen and the organisation see it: the sum of its reports. Pure, no I/O."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from zaken.domain.model import StatusReport
from zaken.domain.ordering import history


class CaseLifecycle(StrEnum):
    """Where a case stands; the values are those of the public contract."""

    OPEN = "open"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    NOT_FOUND = "not-found"


# (organisation OIN, identificatie): a withdrawal covers the case for every citizen.
CaseName = tuple[str, str]


class _HasCurrent(Protocol):
    @property
    def current(self) -> StatusReport: ...


@dataclass(frozen=True)
class _CaseView:
    """What names a case, and what describes it: taken from its current status, the latest word
    on it (a subclass says where that status comes from)."""

    case_id: str
    organisation_oin: str
    identificatie: str
    bsn: str

    @property
    def zaaktype_omschrijving(self: _HasCurrent) -> str:
        return self.current.zaaktype_omschrijving

    @property
    def dossier_url(self: _HasCurrent) -> str:
        return self.current.dossier_url

    @property
    def einddatum_gepland(self: _HasCurrent) -> date | None:
        return self.current.einddatum_gepland

    @property
    def last_changed(self: _HasCurrent) -> datetime:
        return self.current.datum_status_gezet


@dataclass(frozen=True)
class Case(_CaseView):
    history: tuple[StatusReport, ...]  # never empty, newest first
    withdrawn: bool

    @property
    def current(self) -> StatusReport:
        return self.history[0]

    @property
    def lifecycle(self) -> CaseLifecycle:
        if self.withdrawn:
            return CaseLifecycle.WITHDRAWN
        return CaseLifecycle.CLOSED if self.current.is_eindstatus else CaseLifecycle.OPEN


@dataclass(frozen=True)
class ListedCase(_CaseView):
    """A case as the citizen's overview lists it: where it stands, by its current status."""

    current: StatusReport

    @property
    def closed(self) -> bool:
        return self.current.is_eindstatus


def listed(case: Case) -> ListedCase:
    return ListedCase(
        case.case_id, case.organisation_oin, case.identificatie, case.bsn, case.current
    )


def cases_of(reports: Iterable[StatusReport], withdrawn: Collection[CaseName]) -> list[Case]:
    """The cases the reports add up to, in no particular order."""
    by_case: dict[str, list[StatusReport]] = defaultdict(list)
    for each in reports:
        by_case[each.case_id].append(each)
    cases = []
    for case_id, reports_of_case in by_case.items():
        first = reports_of_case[0]
        cases.append(
            Case(
                case_id=case_id,
                organisation_oin=first.organisation_oin,
                identificatie=first.identificatie,
                bsn=first.bsn,
                history=history(reports_of_case),
                withdrawn=(first.organisation_oin, first.identificatie) in withdrawn,
            )
        )
    return cases


def overview(cases: Iterable[Case]) -> list[Case]:
    """What a citizen sees: withdrawn cases left out, open first, then newest change first.

    (The store pages the same order itself: adapters/listing.py, OVERVIEW_ORDER.)"""
    visible = [case for case in cases if not case.withdrawn]
    visible.sort(key=lambda case: case.case_id)  # the last tie-breaker, for a stable page order
    visible.sort(key=lambda case: case.last_changed, reverse=True)
    visible.sort(key=lambda case: case.lifecycle is CaseLifecycle.CLOSED)
    return visible


def lifecycle_of(cases: Collection[Case], withdrawn: bool) -> CaseLifecycle:
    """One identificatie, possibly reported for several citizens."""
    if withdrawn:
        return CaseLifecycle.WITHDRAWN
    if not cases:
        return CaseLifecycle.NOT_FOUND
    if any(case.lifecycle is CaseLifecycle.OPEN for case in cases):
        return CaseLifecycle.OPEN
    return CaseLifecycle.CLOSED
