"""In-memory adapters with the same semantics as the MongoDB ones, for the unit tests.

Every call yields to the event loop once, as real I/O does, so that handlers run concurrently
on them interleave like competing consumers; and calls that arrive together are served in
batches (Coalescers), as the MongoDB adapter serves them.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mijnoverheid.coalescing import Coalescer
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.gate import FromOrganisations, RejectWith
from mijnoverheid_testing.processing_log import ReadsInMemory
from zaken.adapters.slots import record_in_order
from zaken.domain.case import Case, CaseName, ListedCase, cases_of, listed, overview
from zaken.domain.model import StatusReport, Withdrawal
from zaken.entrypoints.subscriptions import Handlers, subscriptions
from zaken.handlers import (
    CaseStateRequestedHandler,
    CaseStatusChangedHandler,
    CaseWithdrawnHandler,
)
from zaken.ports import Recorded

SOURCE = "urn:nld:oin:00000001234567890000:systeem:zaken"


@dataclass
class MemoryCaseStore:
    by_case: dict[str, list[StatusReport]] = field(default_factory=lambda: defaultdict(list))
    withdrawn: dict[CaseName, Withdrawal] = field(default_factory=dict)
    claims: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.record = Coalescer(self.record_many)
        self._claim = Coalescer(self._claim_each)
        self._withdrawn_lookup = Coalescer(self._withdrawn_each)

    @property
    def statuses(self) -> list[StatusReport]:
        """Every recorded report, per case in the order recorded."""
        return [report for reports in self.by_case.values() for report in reports]

    async def record_one(self, report: StatusReport) -> Recorded:
        await asyncio.sleep(0)
        reports = self.by_case[report.case_id]
        for position, known in enumerate(reports):
            if (known.event_source, known.event_id) == (report.event_source, report.event_id):
                return Recorded(known, tuple(reports[: position + 1]))
        reports.append(report)
        return Recorded(report, tuple(reports))

    async def record_many(self, reports: Sequence[StatusReport]) -> list[Recorded]:
        """As the MongoDB store does it: read each case once, then write its new reports
        together; a case another writer added to in between is recorded again one by one."""
        await asyncio.sleep(0)
        by_case: dict[str, list[int]] = {}
        for index, report in enumerate(reports):
            by_case.setdefault(report.case_id, []).append(index)
        read = {case_id: tuple(self.by_case.get(case_id, ())) for case_id in by_case}
        await asyncio.sleep(0)  # between the read and the write, as on a real database
        results: dict[int, Recorded] = {}
        for case_id, indices in by_case.items():
            known = read[case_id]
            if len(self.by_case.get(case_id, ())) != len(known):  # a competing writer came first
                for index in indices:
                    results[index] = await self.record_one(reports[index])
                continue
            recorded, new = record_in_order(known, [reports[index] for index in indices])
            self.by_case[case_id].extend(new)
            results.update(zip(indices, recorded, strict=True))
        return [results[index] for index in range(len(reports))]

    async def is_withdrawn(self, organisation_oin: str, identificatie: str) -> bool:
        return await self._withdrawn_lookup((organisation_oin, identificatie))

    async def _withdrawn_each(self, names: Sequence[CaseName]) -> list[bool]:
        found = await self.withdrawn_among(names)
        return [name in found for name in names]

    async def withdrawn_among(self, names: Collection[CaseName]) -> set[CaseName]:
        await asyncio.sleep(0)
        return set(names) & set(self.withdrawn)

    async def add_withdrawal(self, withdrawal: Withdrawal) -> None:
        await asyncio.sleep(0)
        self.withdrawn.setdefault(
            (withdrawal.organisation_oin, withdrawal.identificatie), withdrawal
        )

    async def claim_trigger(self, claim_id: str, trigger_event_id: str) -> str:
        return await self._claim((claim_id, trigger_event_id))

    async def _claim_each(self, claims: Sequence[tuple[str, str]]) -> list[str]:
        first: dict[str, str] = {}
        for claim_id, ours in claims:
            first.setdefault(claim_id, ours)
        holders = await self.claim_triggers(first)
        return [holders[claim_id] for claim_id, _ in claims]

    async def claim_triggers(self, claims: Mapping[str, str]) -> dict[str, str]:
        await asyncio.sleep(0)
        return {claim: self.claims.setdefault(claim, ours) for claim, ours in claims.items()}

    async def cases_of_organisation(
        self, organisation_oin: str, identificaties: Collection[str]
    ) -> tuple[list[Case], set[CaseName]]:
        await asyncio.sleep(0)
        wanted = {(organisation_oin, identificatie) for identificatie in identificaties}
        reports = [r for r in self.statuses if (r.organisation_oin, r.identificatie) in wanted]
        withdrawn = set(self.withdrawn) & wanted
        return cases_of(reports, withdrawn), withdrawn

    async def cases_of_citizen(self, bsn: str) -> list[Case]:
        await asyncio.sleep(0)
        return cases_of([r for r in self.statuses if r.bsn == bsn], set(self.withdrawn))

    async def listing_page(
        self, bsn: str, *, skip: int, limit: int
    ) -> tuple[list[ListedCase], int]:
        visible = overview(await self.cases_of_citizen(bsn))
        return [listed(case) for case in visible[skip : skip + limit]], len(visible)

    async def case(self, case_id: str) -> Case | None:
        await asyncio.sleep(0)
        found = cases_of(self.by_case.get(case_id, []), set(self.withdrawn))
        return found[0] if found else None


@dataclass
class MemoryPublisher:
    """Records what would have been published, in order, with its routing key."""

    published: list[tuple[CloudEvent, str]] = field(default_factory=list)

    async def publish(self, event: CloudEvent, routing_key: str) -> None:
        await asyncio.sleep(0)
        self.published.append((event, routing_key))

    def of_type(self, suffix: str) -> list[CloudEvent]:
        return [event for event, _ in self.published if event.type.endswith(f".{suffix}")]


Gate = FromOrganisations[Any, Any]


@dataclass(frozen=True)
class Gates:
    """The three subscriptions' gates in front of the real handlers, on in-memory adapters."""

    status_changed: Gate
    withdrawn: Gate
    state_requested: Gate


def gates(
    store: MemoryCaseStore,
    publisher: MemoryPublisher,
    registry: OrganisationRegistry,
    clock: Callable[[], datetime],
    source: str = SOURCE,
) -> Gates:
    handlers = Handlers(
        status_changed=CaseStatusChangedHandler(store, publisher, source, clock),
        withdrawn=CaseWithdrawnHandler(store, clock),
        state_requested=CaseStateRequestedHandler(store, publisher, source, clock, ReadsInMemory()),
    )
    reject = RejectWith(events.ZAKEN_EVENT_REJECTED, publisher, source, clock)
    found = subscriptions(handlers, registry, reject)
    assert all(isinstance(gate, FromOrganisations) for gate in found)
    return Gates(*found)  # type: ignore[arg-type]


async def concurrently(gate: Gate, deliveries: Sequence[InboundDelivery]) -> list[Any]:
    """Deliveries handled at once, as a consumer with prefetch does: the outcome of each."""
    outcomes = await asyncio.gather(*(gate(each) for each in deliveries), return_exceptions=True)
    return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]
