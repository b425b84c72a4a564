"""One callable per incoming event: accept, decide, save, emit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel

from mijnoverheid.contracts import routing
from mijnoverheid.contracts.envelope import event_type
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
from zaken.ports import CaseStore

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
        rejected = outbound.event_rejected(refused, self._source, self._clock())
        await self._publisher.publish(
            rejected, routing.ZAKEN_EVENT_REJECTED.key(refused.sender.oin)
        )


class CaseStatusChangedHandler(_InboundHandler):
    """Record the status; tell the Notifier only about a status newer than the current one."""

    async def __call__(self, delivery: InboundDelivery) -> None:
        accepted = await self._accept(delivery, CASE_STATUS_CHANGED_TYPE, CaseStatusChanged)
        if accepted is None:
            return
        event, sender = accepted.event, accepted.sender
        if not model.may_link_to(sender, accepted.data.dossier_url):
            detail = "dossier_url: the host is not registered for the organisation"
            refused = Refused(sender, event.id, event.type, RejectionReason.URL_NOT_ALLOWED, detail)
            await self._reject(refused)
            return
        new = model.report(
            event_source=event.source,
            event_id=event.id,
            sent_at=event.time,
            organisation_oin=sender.oin,
            data=accepted.data,
            now=self._clock(),
        )
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
        await self._publisher.publish(trigger, routing.CASE_STATUS_RECORDED.key(sender.oin))


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
