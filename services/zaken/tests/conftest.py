"""Event factories for the Lopende Zaken tests (unit and integration).

Fixtures rather than importable helpers: test modules are imported by path (importlib mode).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.identity import Organisation
from mijnoverheid.messaging.consumer import InboundDelivery

Event = dict[str, Any]
EventFactory = Callable[..., Event]
DeliveryFactory = Callable[..., InboundDelivery]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _envelope(organisation: Organisation, event: str, data: Event, event_id: str | None) -> Event:
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": source_for(organisation.oin, "zaaksysteem"),
        "type": f"nl.mijnoverheid.zaken.{event}",
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }


@pytest.fixture(scope="session")
def status_event() -> EventFactory:
    """A valid case-status-changed event; keyword arguments override data fields."""

    def build(
        organisation: Organisation,
        bsn: str,
        identificatie: str,
        *,
        code: str = "ontvangen",
        at: datetime = T0,
        closes: bool = False,
        event_id: str | None = None,
        **data: Any,
    ) -> Event:
        host = organisation.dossier_hosts[0] if organisation.dossier_hosts else "example.org"
        fields: Event = {
            "identificatie": identificatie,
            "bsn": bsn,
            "zaaktype_omschrijving": "Aanvraag parkeervergunning",
            "statustype_code": code,
            "statustype_omschrijving": f"Status {code}",
            "datum_status_gezet": at.isoformat(),
            "is_eindstatus": closes,
            "dossier_url": f"https://{host}/zaken/{identificatie}",
            **data,
        }
        return _envelope(organisation, "case-status-changed", fields, event_id)

    return build


@pytest.fixture(scope="session")
def withdrawn_event() -> EventFactory:
    def build(organisation: Organisation, identificatie: str, **data: Any) -> Event:
        fields = {"identificatie": identificatie, "toelichting": "ten onrechte aangemaakt", **data}
        return _envelope(organisation, "case-withdrawn", fields, None)

    return build


@pytest.fixture(scope="session")
def state_requested_event() -> EventFactory:
    def build(organisation: Organisation, *identificaties: str) -> Event:
        fields = {"identificaties": list(identificaties)}
        return _envelope(organisation, "case-state-requested", fields, None)

    return build


@pytest.fixture(scope="session")
def delivery() -> DeliveryFactory:
    """The InboundDelivery of `event` as `organisation` publishes it on the event's own key."""
    routes = {
        "case-status-changed": events.CASE_STATUS_CHANGED,
        "case-withdrawn": events.CASE_WITHDRAWN,
        "case-state-requested": events.CASE_STATE_REQUESTED,
    }

    def build(organisation: Organisation, event: Event | bytes) -> InboundDelivery:
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        kind = str(event["type"]).rsplit(".", 1)[-1] if isinstance(event, dict) else ""
        route = routes.get(kind, events.CASE_STATUS_CHANGED)
        return InboundDelivery(
            body=body,
            routing_key=route.key(organisation.oin),
            user_id=organisation.broker_user,
            message_id=event.get("id") if isinstance(event, dict) else None,
        )

    return build


@pytest.fixture(scope="session")
def gemeente(registry: Any) -> Organisation:
    found: Organisation = registry.by_broker_user("gemeente-voorbeeldstad")
    return found


@pytest.fixture(scope="session")
def belastingdienst(registry: Any) -> Organisation:
    found: Organisation = registry.by_broker_user("belastingdienst")
    return found
