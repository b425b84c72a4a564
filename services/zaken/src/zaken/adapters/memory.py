"""In-memory adapters with the same semantics as the MongoDB ones.

For the unit tests (handlers on fakes, the cosmicpython way) and for trying rules out without a
database. Every call yields to the event loop once, as real I/O does, so that handlers run
concurrently on them interleave like competing consumers.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from mijnoverheid.contracts.envelope import CloudEvent
from zaken.adapters.slots import record_in_order
from zaken.domain.case import Case, CaseName, cases_of
from zaken.domain.model import StatusReport, Withdrawal
from zaken.ports import Recorded


@dataclass
class MemoryCaseStore:
    by_case: dict[str, list[StatusReport]] = field(default_factory=lambda: defaultdict(list))
    withdrawn: dict[CaseName, Withdrawal] = field(default_factory=dict)
    claims: dict[str, str] = field(default_factory=dict)

    @property
    def statuses(self) -> list[StatusReport]:
        """Every recorded report, per case in the order recorded."""
        return [report for reports in self.by_case.values() for report in reports]

    async def record(self, report: StatusReport) -> Recorded:
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
                    results[index] = await self.record(reports[index])
                continue
            recorded, new = record_in_order(known, [reports[index] for index in indices])
            self.by_case[case_id].extend(new)
            results.update(zip(indices, recorded, strict=True))
        return [results[index] for index in range(len(reports))]

    async def is_withdrawn(self, organisation_oin: str, identificatie: str) -> bool:
        await asyncio.sleep(0)
        return (organisation_oin, identificatie) in self.withdrawn

    async def withdrawn_among(self, names: Collection[CaseName]) -> set[CaseName]:
        await asyncio.sleep(0)
        return set(names) & set(self.withdrawn)

    async def add_withdrawal(self, withdrawal: Withdrawal) -> None:
        await asyncio.sleep(0)
        self.withdrawn.setdefault(
            (withdrawal.organisation_oin, withdrawal.identificatie), withdrawal
        )

    async def claim_trigger(self, claim_id: str, trigger_event_id: str) -> str:
        await asyncio.sleep(0)
        return self.claims.setdefault(claim_id, trigger_event_id)

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
