"""Domain outcomes as contract events, with deterministic ids."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mijnoverheid.contracts import routing
from mijnoverheid.contracts import zaken as contract
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, event_type, new_event
from mijnoverheid.inbound import Refused, rejection_event
from zaken.domain.case import Case, CaseName, lifecycle_of
from zaken.domain.model import StatusReport

CASE_STATUS_RECORDED_TYPE = event_type(contract.SERVICE, "case-status-recorded")
CASE_STATE_TYPE = event_type(contract.SERVICE, "case-state")


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
    return new_event(
        source=source,
        type_=CASE_STATUS_RECORDED_TYPE,
        data=data,
        id_=derived_event_id(report.event_source, report.event_id, "case-status-recorded"),
        time=report.recorded_at,  # as stored: a redelivery re-emits an identical event
    )


def case_state(
    request: CloudEvent,
    identificaties: Sequence[str],
    cases: Sequence[Case],
    withdrawn: set[CaseName],
    source: str,
    now: datetime,
) -> CloudEvent:
    answers = []
    for identificatie in identificaties:
        found = [case for case in cases if case.identificatie == identificatie]
        is_withdrawn = (request.source_oin, identificatie) in withdrawn
        answers.append(
            contract.RequestedCase(
                identificatie=identificatie,
                state=lifecycle_of(found, is_withdrawn),
                citizens=[_citizen_case(case) for case in found],
            )
        )
    return new_event(
        source=source,
        type_=CASE_STATE_TYPE,
        data=contract.CaseState(request_id=request.id, cases=answers),
        id_=derived_event_id(request.source, request.id, "case-state"),
        time=now,
    )


def event_rejected(refused: Refused, source: str, now: datetime) -> CloudEvent:
    return rejection_event(
        refused,
        route=routing.ZAKEN_EVENT_REJECTED,
        data_model=contract.ZakenEventRejected,
        source=source,
        now=now,
    )


def _citizen_case(case: Case) -> contract.CitizenCase:
    history = [_status(report) for report in case.history]
    return contract.CitizenCase(
        case_id=case.case_id,
        bsn=case.bsn,
        state=case.lifecycle,
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
