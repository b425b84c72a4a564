"""Domain outcomes as contract events, with deterministic ids."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mijnoverheid.contracts import events
from mijnoverheid.contracts import zaken as contract
from mijnoverheid.contracts.envelope import CloudEvent
from zaken.domain.case import Case, CaseName, lifecycle_of
from zaken.domain.model import AskCaseState, StatusReport


def case_status_recorded(report: StatusReport, source: str) -> CloudEvent:
    data = contract.CaseStatusRecorded(
        case_id=report.case_id,
        status_event_id=report.event_id,
        organisation_oin=report.organisation_oin,
        identificatie=report.identificatie,
        recipient_bsn=report.bsn,
        statustype_code=report.statustype_code,
        datum_status_gezet=report.datum_status_gezet,
        is_eindstatus=report.is_eindstatus,
        recorded_at=report.recorded_at,
    )
    return events.CASE_STATUS_RECORDED.caused_by(
        (report.event_source, report.event_id),
        data,
        source=source,
        time=report.recorded_at,  # as stored: a redelivery re-emits an identical event
    )


def case_state(
    question: AskCaseState,
    identificaties: Sequence[str],
    cases: Sequence[Case],
    withdrawn: set[CaseName],
    source: str,
    now: datetime,
) -> CloudEvent:
    answers = []
    for identificatie in identificaties:
        found = [case for case in cases if case.identificatie == identificatie]
        is_withdrawn = (question.asker_oin, identificatie) in withdrawn
        answers.append(
            contract.RequestedCase(
                identificatie=identificatie,
                state=contract.CaseLifecycle(lifecycle_of(found, is_withdrawn).value),
                citizens=[_citizen_case(case) for case in found],
            )
        )
    return events.CASE_STATE.caused_by(
        (question.request_source, question.request_event_id),
        contract.CaseState(request_id=question.request_event_id, cases=answers),
        source=source,
        time=now,
    )


def _citizen_case(case: Case) -> contract.CitizenCase:
    history = [_status(report) for report in case.history]
    return contract.CitizenCase(
        case_id=case.case_id,
        bsn=case.bsn,
        state=contract.CaseLifecycle(case.lifecycle.value),
        zaaktype_omschrijving=case.zaaktype_omschrijving,
        dossier_url=case.dossier_url,
        einddatum_gepland=case.einddatum_gepland,
        current_status=history[0],
        history=history,
    )


def _status(report: StatusReport) -> contract.RecordedStatus:
    return contract.RecordedStatus(
        status_event_id=report.event_id,
        statustype_code=report.statustype_code,
        statustype_omschrijving=report.statustype_omschrijving,
        statustoelichting=report.statustoelichting,
        datum_status_gezet=report.datum_status_gezet,
        is_eindstatus=report.is_eindstatus,
    )
