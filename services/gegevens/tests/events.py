"""Gegevens events as a test organisation publishes them: valid unless a test says otherwise."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from gegevens.domain import model
from gegevens.entrypoints import subscriptions
from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, source_for, utc_now
from mijnoverheid.contracts.gegevens import RegistrationChanged, RegistrationRemoved
from mijnoverheid.identity import Organisation
from mijnoverheid.inbound import Accepted
from mijnoverheid.messaging.consumer import InboundDelivery

Event = dict[str, Any]

WOZ_FACTS = [
    {"label": "WOZ-waarde", "value": {"type": "amount", "amount": "312000.00", "currency": "EUR"}},
    {"label": "Waardepeildatum", "value": {"type": "date", "date": "2025-01-01"}},
    {"label": "Adres", "value": {"type": "text", "text": "Dorpsstraat 1, Voorbeeldstad"}},
]


def envelope(organisation: Organisation, event: str, data: Event, **fields: Any) -> Event:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_for(organisation.oin, "test-registratie"),
        "type": f"nl.mijnoverheid.gegevens.{event}",
        "time": utc_now().isoformat(),
        "datacontenttype": "application/json",
        "data": data,
        **fields,
    }


def _first_register(organisation: Organisation) -> str:
    return sorted(organisation.registers)[0] if organisation.registers else "BRP"


def _moment(valid_from: datetime | str | None) -> str:
    if valid_from is None:
        return utc_now().isoformat()
    return valid_from if isinstance(valid_from, str) else valid_from.isoformat()


def registration_changed(
    organisation: Organisation,
    bsn: str,
    *,
    register: str | None = None,
    key: str = "OBJ-1",
    valid_from: datetime | str | None = None,
    facts: list[Event] | None = None,
    url: str | None = None,
    **data: Any,
) -> Event:
    """A valid registration-changed from `organisation`; `data` overrides fields."""
    host = organisation.dossier_hosts[0] if organisation.dossier_hosts else "example.org"
    return envelope(
        organisation,
        "registration-changed",
        {
            "recipient_bsn": bsn,
            "register_code": register or _first_register(organisation),
            "registration_key": key,
            "facts": WOZ_FACTS if facts is None else facts,
            "valid_from": _moment(valid_from),
            "where_to_change": {
                "description": "Klopt er iets niet? Vraag een correctie aan bij het loket.",
                "url": url or f"https://{host}/gegevens/correctie",
            },
            **data,
        },
    )


def registration_removed(
    organisation: Organisation,
    bsn: str,
    *,
    register: str | None = None,
    key: str = "OBJ-1",
    valid_from: datetime | str | None = None,
    **data: Any,
) -> Event:
    return envelope(
        organisation,
        "registration-removed",
        {
            "recipient_bsn": bsn,
            "register_code": register or _first_register(organisation),
            "registration_key": key,
            "valid_from": _moment(valid_from),
            **data,
        },
    )


def route_of(organisation: Organisation, event: Event) -> str:
    """The organisation's own inbound routing key for `event`."""
    removed = event["type"].endswith("registration-removed")
    route = events.REGISTRATION_REMOVED if removed else events.REGISTRATION_CHANGED
    return route.key(organisation.oin)


def delivery(
    organisation: Organisation, event: Event | bytes, routing_key: str = ""
) -> InboundDelivery:
    """The delivery as the broker hands it over: user_id checked, routing key the sender's."""
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    key = routing_key or (route_of(organisation, event) if isinstance(event, dict) else "")
    return InboundDelivery(body, key, organisation.broker_user, None)


# The organisation a version is recorded for when a test does not say.
SOMEONE = Organisation(
    oin="00000001001234567000",
    name="Gemeente Voorbeeldstad",
    broker_user="gemeente-voorbeeldstad",
    registers=frozenset({"WOZ"}),
    dossier_hosts=("a.example",),
)


def version_of(
    data: Event,
    *,
    event_id: str,
    recorded_at: datetime,
    source: str | None = None,
    removed: bool = False,
    sender: Organisation = SOMEONE,
) -> model.Version:
    """The version the service records of an event with this data (as the gate maps it)."""
    contract = RegistrationRemoved if removed else RegistrationChanged
    kind = "registration-removed" if removed else "registration-changed"
    cloud_event = CloudEvent.model_validate(
        envelope(sender, kind, data, id=event_id, source=source or source_for(sender.oin, "reg"))
    )
    accepted = Accepted(sender, cloud_event, contract.model_validate(cloud_event.data))
    command = subscriptions.removed(accepted) if removed else subscriptions.changed(accepted)  # type: ignore[arg-type]
    return model.version_of(command, recorded_at=recorded_at)
