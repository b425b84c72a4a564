"""Domain outcomes as contract events, with deterministic ids."""

from __future__ import annotations

from gegevens.domain.model import Version
from mijnoverheid.contracts import events
from mijnoverheid.contracts import gegevens as contract
from mijnoverheid.contracts.envelope import CloudEvent


def registration_recorded(version: Version, source: str) -> CloudEvent:
    data = contract.RegistrationRecorded(
        registration_id=version.registration_id,
        register_code=version.register_code,
        organisation_oin=version.organisation_oin,
        recipient_bsn=version.recipient_bsn,
        valid_from=version.valid_from,
        change=contract.RegistrationChange(version.change.value),
        registration_event_id=version.event_id,
    )
    # At the stored moment, so that a redelivery re-emits the very same event.
    return events.REGISTRATION_RECORDED.caused_by(
        (version.event_source, version.event_id), data, source=source, time=version.recorded_at
    )
