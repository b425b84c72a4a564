"""Subscribers: take the delivery off the broker and hand it to its handler, nothing else."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from mijnoverheid.contracts.zaken import CaseStateRequested, CaseStatusChanged, CaseWithdrawn
from mijnoverheid.messaging import topology
from mijnoverheid.messaging.consumer import Handler
from mijnoverheid.messaging.subscriptions import subscribe


def register(
    broker: RabbitBroker,
    *,
    on_status_changed: Handler,
    on_withdrawn: Handler,
    on_state_requested: Handler,
) -> None:
    subscribe(
        broker,
        topology.ZAKEN_CASE_STATUS_CHANGED,
        on_status_changed,
        data=CaseStatusChanged,
        description="An organisation reports a status of a citizen's case. Recorded once per "
        "event; a status newer than the case's current one is announced on "
        "zaken.case-status-recorded.<OIN>. Refused with zaken.event-rejected.<OIN>.",
    )
    subscribe(
        broker,
        topology.ZAKEN_CASE_WITHDRAWN,
        on_withdrawn,
        data=CaseWithdrawn,
        description="An organisation withdraws a case (e.g. opened in error): it disappears "
        "from the citizen's overview for good. Refused with zaken.event-rejected.<OIN>.",
    )
    subscribe(
        broker,
        topology.ZAKEN_CASE_STATE_REQUESTED,
        on_state_requested,
        data=CaseStateRequested,
        description="An organisation asks what is recorded for some of its own cases. "
        "Answered with zaken.case-state.<OIN>, or refused with zaken.event-rejected.<OIN>.",
    )
