"""One callable per incoming event (or batch of them): accept, decide, save, emit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel

from mijnoverheid.contracts import routing
from mijnoverheid.contracts.envelope import CloudEvent, event_type
from mijnoverheid.contracts.rejection import RejectionReason
from mijnoverheid.contracts.zaken import (
    SERVICE,
    CaseStateRequested,
    CaseStatusChanged,
    CaseWithdrawn,
)
from mijnoverheid.faults import failpoint
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted, Refused, accept_inbound
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.publisher import EventPublisher
from zaken.adapters import outbound
from zaken.domain import model, ordering
from zaken.ports import CaseStore, Recorded

CASE_STATUS_CHANGED_TYPE = event_type(SERVICE, "case-status-changed")
CASE_WITHDRAWN_TYPE = event_type(SERVICE, "case-withdrawn")
CASE_STATE_REQUESTED_TYPE = event_type(SERVICE, "case-state-requested")

DataT = TypeVar("DataT", bound=BaseModel)


class _InboundHandler:
    def __init__(
        self,
        store: CaseStore,
        publisher: EventPublisher,
        registry: OrganisationRegistry,
        source: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._registry = registry
        self._source = source
        self._clock = clock

    async def _accept(
        self, delivery: InboundDelivery, expected_type: str, data_model: type[DataT]
    ) -> Accepted[DataT] | None:
        """The accepted event, or None once the sender has been told why not."""
        outcome = accept_inbound(delivery, self._registry, SERVICE, expected_type, data_model)
        if isinstance(outcome, Refused):
            await self._reject(outcome)
            return None
        return outcome

    async def _reject(self, refused: Refused) -> None:
        await self._publisher.publish(*self._rejection(refused))

    def _rejection(self, refused: Refused) -> tuple[CloudEvent, str]:
        rejected = outbound.event_rejected(refused, self._source, self._clock())
        return rejected, routing.ZAKEN_EVENT_REJECTED.key(refused.sender.oin)


class CaseStatusChangedHandler(_InboundHandler):
    """Record the status; tell the Notifier only about a status newer than the current one."""

    async def __call__(self, delivery: InboundDelivery) -> None:
        accepted = await self._accept(delivery, CASE_STATUS_CHANGED_TYPE, CaseStatusChanged)
        if accepted is None:
            return
        new = self._report(accepted)
        if isinstance(new, Refused):
            await self._reject(new)
            return
        recorded = await self._store.record(new)
        report = recorded.report
        failpoint("zaken.after-store")
        # Decided on the case's reports in the order they were recorded, up to this one: notify
        # when it is newer than all recorded before it. That prefix never changes, so a
        # redelivery decides the same, and the status a case ends in is always notified.
        if not ordering.is_current(report, recorded.known):
            return
        if await self._store.is_withdrawn(report.organisation_oin, report.identificatie):
            return
        trigger = outbound.case_status_recorded(report, self._source)
        claimed_by = await self._store.claim_trigger(ordering.trigger_claim_id(report), trigger.id)
        if claimed_by != trigger.id:
            return  # the same status was reported (and notified) under another event id
        failpoint("zaken.after-claim")
        await self._publish_trigger(trigger, report)

    async def handle_batch(
        self, deliveries: Sequence[InboundDelivery]
    ) -> list[BaseException | None]:
        """The same decisions as for the deliveries one at a time, in the batch's order, with
        the writes made together: the batch's new reports (`record_many`), then its claims.

        Each delivery gets its own outcome: None, or the exception `process()` acts on.
        """
        outcomes: list[BaseException | None] = [None] * len(deliveries)
        work: dict[int, Awaitable[None]] = {}
        reports: list[tuple[int, model.StatusReport]] = []
        for index, delivery in enumerate(deliveries):
            try:
                outcome = accept_inbound(
                    delivery, self._registry, SERVICE, CASE_STATUS_CHANGED_TYPE, CaseStatusChanged
                )
                new = outcome if isinstance(outcome, Refused) else self._report(outcome)
            except Exception as error:  # poison (dead-lettered), or as one at a time would raise
                outcomes[index] = error
                continue
            if isinstance(new, Refused):
                work[index] = self._publisher.publish(*self._rejection(new))
            else:
                reports.append((index, new))
        if reports:
            try:
                triggers = await self._record_and_claim([new for _, new in reports])
            except Exception as error:  # none of them is acked; each is retried
                for index, _ in reports:
                    outcomes[index] = error
            else:
                for (index, _), announce in zip(reports, triggers, strict=True):
                    if announce is not None:
                        work[index] = self._publish_trigger(*announce)
        indices = list(work)
        results = await asyncio.gather(*work.values(), return_exceptions=True)
        for index, result in zip(indices, results, strict=True):
            if isinstance(result, BaseException):
                outcomes[index] = result
        return outcomes

    async def _record_and_claim(
        self, reports: Sequence[model.StatusReport]
    ) -> list[tuple[CloudEvent, model.StatusReport] | None]:
        """Per report, the trigger to publish (and the report it announces), as `__call__`
        decides it, or None."""
        recorded: list[Recorded] = await self._store.record_many(reports)
        failpoint("zaken.after-store")
        current = [
            each.report if ordering.is_current(each.report, each.known) else None
            for each in recorded
        ]
        withdrawn = await self._store.withdrawn_among(
            {(each.organisation_oin, each.identificatie) for each in current if each is not None}
        )
        triggers: list[tuple[CloudEvent, model.StatusReport] | None] = [
            (outbound.case_status_recorded(each, self._source), each)
            if each is not None and (each.organisation_oin, each.identificatie) not in withdrawn
            else None
            for each in current
        ]
        # One claim per status: of the batch's claimants the first (as one at a time would),
        # unless an earlier delivery holds it already.
        claims: dict[str, str] = {}
        for announce in triggers:
            if announce is not None:
                trigger, report = announce
                claims.setdefault(ordering.trigger_claim_id(report), trigger.id)
        if not claims:
            return triggers
        holders = await self._store.claim_triggers(claims)
        won = [
            announce
            if announce is not None
            and holders[ordering.trigger_claim_id(announce[1])] == announce[0].id
            else None
            for announce in triggers
        ]
        if any(announce is not None for announce in won):
            failpoint("zaken.after-claim")
        return won

    def _report(self, accepted: Accepted[CaseStatusChanged]) -> model.StatusReport | Refused:
        event, sender = accepted.event, accepted.sender
        if not model.may_link_to(sender, accepted.data.dossier_url):
            detail = "dossier_url: the host is not registered for the organisation"
            return Refused(sender, event.id, event.type, RejectionReason.URL_NOT_ALLOWED, detail)
        return model.report(
            event_source=event.source,
            event_id=event.id,
            sent_at=event.time,
            organisation_oin=sender.oin,
            data=accepted.data,
            now=self._clock(),
        )

    async def _publish_trigger(self, trigger: CloudEvent, report: model.StatusReport) -> None:
        await self._publisher.publish(
            trigger, routing.CASE_STATUS_RECORDED.key(report.organisation_oin)
        )


class CaseWithdrawnHandler(_InboundHandler):
    """Record the withdrawal: from then on the case is hidden, whatever arrives later."""

    async def __call__(self, delivery: InboundDelivery) -> None:
        accepted = await self._accept(delivery, CASE_WITHDRAWN_TYPE, CaseWithdrawn)
        if accepted is None:
            return
        event = accepted.event
        withdrawal = model.withdrawal(
            event_source=event.source,
            event_id=event.id,
            sent_at=event.time,
            organisation_oin=accepted.sender.oin,
            data=accepted.data,
            now=self._clock(),
        )
        await self._store.add_withdrawal(withdrawal)


class CaseStateRequestedHandler(_InboundHandler):
    """Answer an organisation with what is recorded for its own cases, and only its own."""

    async def __call__(self, delivery: InboundDelivery) -> None:
        accepted = await self._accept(delivery, CASE_STATE_REQUESTED_TYPE, CaseStateRequested)
        if accepted is None:
            return
        oin = accepted.sender.oin
        identificaties = list(dict.fromkeys(accepted.data.identificaties))
        cases, withdrawn = await self._store.cases_of_organisation(oin, identificaties)
        answer = outbound.case_state(
            accepted.event, identificaties, cases, withdrawn, self._source, self._clock()
        )
        await self._publisher.publish(answer, routing.CASE_STATE.key(oin))
