"""What Lopende Zaken consumes, and each contract as the command its handler takes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mijnoverheid.contracts import events
from mijnoverheid.contracts.zaken import CaseStateRequested, CaseStatusChanged, CaseWithdrawn
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted, Relay
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.gate import AnswerRefusal, FromOrganisations, Subscription
from zaken.domain.model import AskCaseState, ReportStatus, StatusSubmission, WithdrawCase


@dataclass(frozen=True)
class Handlers:
    status_changed: Callable[[ReportStatus], Awaitable[None]]
    withdrawn: Callable[[WithdrawCase], Awaitable[None]]
    state_requested: Callable[[AskCaseState], Awaitable[None]]


def subscriptions(
    handlers: Handlers,
    registry: OrganisationRegistry,
    reject: AnswerRefusal,
    relay: Relay | None = None,
) -> tuple[Subscription, ...]:
    """`relay`: the ZGW connector, which may report statuses and withdrawals (never ask for
    case states) for the organisations it serves."""
    return (
        FromOrganisations(
            topology.ZAKEN_CASE_STATUS_CHANGED,
            events.CASE_STATUS_CHANGED,
            "An organisation reports a status of a citizen's case. Recorded once per "
            "event; a status newer than the case's current one is announced on "
            "zaken.case-status-recorded.<OIN>. Refused with zaken.event-rejected.<OIN>.",
            registry,
            "zaken",
            reject,
            command=report_status,
            handle=handlers.status_changed,
            relay=relay,
        ),
        FromOrganisations(
            topology.ZAKEN_CASE_WITHDRAWN,
            events.CASE_WITHDRAWN,
            "An organisation withdraws a case (e.g. opened in error): it disappears "
            "from the citizen's overview for good. Refused with zaken.event-rejected.<OIN>.",
            registry,
            "zaken",
            reject,
            command=withdraw_case,
            handle=handlers.withdrawn,
            relay=relay,
        ),
        FromOrganisations(
            topology.ZAKEN_CASE_STATE_REQUESTED,
            events.CASE_STATE_REQUESTED,
            "An organisation asks what is recorded for some of its own cases. "
            "Answered with zaken.case-state.<OIN>, or refused with zaken.event-rejected.<OIN>.",
            registry,
            "zaken",
            reject,
            command=ask_case_state,
            handle=handlers.state_requested,
        ),
    )


def report_status(accepted: Accepted[CaseStatusChanged]) -> ReportStatus:
    # The submission has the contract's fields, as plain values.
    status = StatusSubmission(**accepted.data.model_dump())
    return ReportStatus(accepted.origin, accepted.sender.dossier_hosts, status)


def withdraw_case(accepted: Accepted[CaseWithdrawn]) -> WithdrawCase:
    return WithdrawCase(accepted.origin, accepted.data.identificatie, accepted.data.toelichting)


def ask_case_state(accepted: Accepted[CaseStateRequested]) -> AskCaseState:
    return AskCaseState(
        request_event_id=accepted.event.id,
        request_source=accepted.event.source,
        asker_oin=accepted.sender.oin,
        identificaties=tuple(accepted.data.identificaties),
    )
