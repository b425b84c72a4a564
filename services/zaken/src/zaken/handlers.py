"""One callable per incoming event: decide, save, emit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mijnoverheid.contracts import events
from mijnoverheid.faults import failpoint
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.processing_log import activities
from mijnoverheid.processing_log.recorder import ProcessingLog, record_query
from zaken.adapters import outbound
from zaken.domain import model, ordering
from zaken.ports import CaseStore


@dataclass(frozen=True)
class CaseStatusChangedHandler:
    """Record the status; tell the Notifier only about a status newer than the current one."""

    store: CaseStore
    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]

    async def __call__(self, command: model.ReportStatus) -> None:
        recorded = await self.store.record(model.report(command, now=self.clock()))
        report = recorded.report
        failpoint("zaken.after-store")
        # Decided on the case's reports in the order they were recorded, up to this one: notify
        # when it is newer than all recorded before it. That prefix never changes, so a
        # redelivery decides the same, and the status a case ends in is always notified.
        if not ordering.is_current(report, recorded.known):
            return
        if not report.informeren:
            return  # shown, but the organisation does not want the citizen told of it
        if await self.store.is_withdrawn(report.organisation_oin, report.identificatie):
            return
        trigger = outbound.case_status_recorded(report, self.source)
        claimed_by = await self.store.claim_trigger(ordering.trigger_claim_id(report), trigger.id)
        if claimed_by != trigger.id:
            return  # the same status was reported (and notified) under another event id
        failpoint("zaken.after-claim")
        key = events.CASE_STATUS_RECORDED.key(report.organisation_oin)
        await self.publisher.publish(trigger, key)


@dataclass(frozen=True)
class CaseWithdrawnHandler:
    """Record the withdrawal: from then on the case is hidden, whatever arrives later."""

    store: CaseStore
    clock: Callable[[], datetime]

    async def __call__(self, command: model.WithdrawCase) -> None:
        await self.store.add_withdrawal(model.withdrawal(command, now=self.clock()))


@dataclass(frozen=True)
class CaseStateRequestedHandler:
    """Answer an organisation with what is recorded for its own cases, and only its own."""

    store: CaseStore
    publisher: EventPublisher
    source: str
    clock: Callable[[], datetime]
    processing_log: ProcessingLog

    async def __call__(self, question: model.AskCaseState) -> None:
        oin = question.asker_oin
        identificaties = list(dict.fromkeys(question.identificaties))
        cases, withdrawn = await self.store.cases_of_organisation(oin, identificaties)
        action, bsns = activities.CASE_STATE_QUERIED, [case.bsn for case in cases]
        await record_query(self.processing_log, action, oin, question.request_source, bsns)
        answer = outbound.case_state(
            question, identificaties, cases, withdrawn, self.source, self.clock()
        )
        await self.publisher.publish(answer, events.CASE_STATE.key(oin))
