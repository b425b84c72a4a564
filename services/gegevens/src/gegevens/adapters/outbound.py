"""Domain outcomes as contract events, with deterministic ids."""

from __future__ import annotations

from datetime import datetime

from gegevens.domain.model import Version
from mijnoverheid.contracts import gegevens as contract
from mijnoverheid.contracts import routing
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, event_type, new_event
from mijnoverheid.inbound import Refused, rejection_event

REGISTRATION_RECORDED_TYPE = event_type(contract.SERVICE, "registration-recorded")


def registration_recorded(version: Version, source: str) -> CloudEvent:
    data = contract.RegistrationRecorded(
        registration_id=version.registration_id,
        register_code=version.register_code,
        organisation_oin=version.organisation_oin,
        recipient_bsn=version.recipient_bsn,
        valid_from=version.valid_from,
        change=version.change,
        registration_event_id=version.event_id,
    )
    return new_event(
        source=source,
        type_=REGISTRATION_RECORDED_TYPE,
        data=data,
        id_=derived_event_id(version.event_source, version.event_id, "registration-recorded"),
        # The stored moment, so that a redelivery re-emits the very same event.
        time=version.recorded_at,
    )


def event_rejected(refused: Refused, source: str, now: datetime) -> CloudEvent:
    return rejection_event(
        refused,
        route=routing.GEGEVENS_EVENT_REJECTED,
        data_model=contract.GegevensEventRejected,
        source=source,
        now=now,
    )
