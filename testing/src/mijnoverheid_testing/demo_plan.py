"""What `make demo` publishes as its two organisations: messages (one with an attachment, one to
an invalid BSN), cases with their statuses and registrations; and, for each publication, the
answer that says it was handled."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid.contracts.routing import EventRoute
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid_testing.organisation import Event, OrganisationClient, about, message_sent

JANSEN, DE_VRIES = "999993653", "999990019"
NOT_A_BSN = "123456789"
MINIMAL_PDF = base64.b64encode(b"%PDF-1.4\n% demo\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
# A notification is over when it reached one of these (created and sending are steps).
FINAL = {"sent", "delivered", "no-contact", "permanent-failure", "bounced"}


@dataclass(frozen=True)
class Publication:
    broker_user: str
    event: Event
    route: EventRoute
    handled: Callable[[OrganisationClient], bool]


def _message_handled(event: Event) -> Callable[[OrganisationClient], bool]:
    """Rejected, or delivered and its e-mail notification came to an outcome."""

    def handled(client: OrganisationClient) -> bool:
        if client.events("message-rejected", about(event["id"])):
            return True
        delivered = client.events("message-delivered", about(event["id"]))
        return bool(delivered) and bool(
            client.events(
                "notification-status",
                lambda e: (
                    e["data"].get("message_id") == delivered[0]["data"]["message_id"]
                    and e["data"]["status"] in FINAL
                ),
            )
        )

    return handled


def _answered(kind: str, field: str, event: Event) -> Callable[[OrganisationClient], bool]:
    return lambda client: bool(client.events(kind, lambda e: e["data"].get(field) == event["id"]))


def _envelope(organisation: Organisation, system: str, route: EventRoute, data: Any) -> Event:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_for(organisation.oin, system),
        "type": route.type,
        "time": utc_now().isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }


def _case(
    organisation: Organisation, bsn: str, case: str, kind: str, statuses: list[tuple[str, int]]
) -> list[Publication]:
    """One case with its statuses (code, days ago), the last one closing it when it is
    'besluit'; handled once the newest status is recorded."""
    route = events.CASE_STATUS_CHANGED
    now = datetime.now(UTC)
    published = []
    for position, (code, days_ago) in enumerate(statuses):
        data = {
            "identificatie": case,
            "bsn": bsn,
            "zaaktype_omschrijving": kind,
            "statustype_code": code,
            "statustype_omschrijving": code.replace("-", " ").capitalize(),
            "datum_status_gezet": (now - timedelta(days=days_ago)).isoformat(),
            "is_eindstatus": code == "besluit",
            "dossier_url": f"https://{organisation.dossier_hosts[0]}/zaken/{case}",
        }
        event = _envelope(organisation, "zaaksysteem", route, data)
        last = position == len(statuses) - 1
        handled = (
            _answered("case-status-recorded", "status_event_id", event)
            if last
            else (lambda client: True)
        )
        published.append(Publication(organisation.broker_user, event, route, handled))
    return published


def _registration(
    organisation: Organisation, bsn: str, register: str, key: str, facts: list[dict[str, Any]]
) -> Publication:
    """Handled once recorded, for a register whose changes are e-mailed; otherwise at once
    (the portal page shows it when Gegevens has it)."""
    route = events.REGISTRATION_CHANGED
    data = {
        "recipient_bsn": bsn,
        "register_code": register,
        "registration_key": key,
        "facts": facts,
        "valid_from": (datetime.now(UTC) - timedelta(days=30)).isoformat(),
        "where_to_change": {
            "description": "Klopt er iets niet? Vraag een correctie aan bij het loket.",
            "url": f"https://{organisation.dossier_hosts[0]}/gegevens/correctie",
        },
    }
    event = _envelope(organisation, "registratie", route, data)
    if register in organisation.notify_registers:
        handled = _answered("registration-recorded", "registration_event_id", event)
    else:
        handled = lambda client: True  # noqa: E731 - nothing to wait for
    return Publication(organisation.broker_user, event, route, handled)


def _text(label: str, text: str) -> dict[str, Any]:
    return {"label": label, "value": {"type": "text", "text": text}}


def plan(registry: OrganisationRegistry) -> list[Publication]:
    belastingdienst = registry.by_broker_user("belastingdienst")
    gemeente = registry.by_broker_user("gemeente-voorbeeldstad")
    assert belastingdienst is not None
    assert gemeente is not None
    deadline = (date.today() + timedelta(weeks=6)).isoformat()
    pdf = {
        "file_name": "aanslag-2025.pdf",
        "media_type": "application/pdf",
        "content": MINIMAL_PDF.decode(),
    }
    messages = [
        (belastingdienst, JANSEN, "Aanslag inkomstenbelasting 2025", "U moet € 1.234 betalen.",
         {"kind": "aanslag", "legal_effect": True, "deadline": deadline, "attachments": [pdf]}),
        (belastingdienst, DE_VRIES, "Voorlopige aanslag 2026", "Uw voorlopige aanslag.",
         {"kind": "aanslag", "legal_effect": True}),
        (gemeente, DE_VRIES, "Uw parkeervergunning",
         "Uw parkeervergunning is verlengd tot 31-12-2027.",
         {"kind": "brief", "legal_effect": False}),
        (gemeente, JANSEN, "Beschikking WOZ-waarde 2026",
         "De WOZ-waarde van uw woning is vastgesteld.", {"kind": "besluit", "legal_effect": True}),
        (gemeente, NOT_A_BSN, "Dit wordt geweigerd", "Geen geldig BSN.", {}),
    ]  # fmt: skip
    published = []
    for organisation, bsn, subject, body, fields in messages:
        event = message_sent(organisation, bsn, subject=subject, body=body, **fields)
        published.append(
            Publication(
                organisation.broker_user, event, events.MESSAGE_SENT, _message_handled(event)
            )
        )
    suffix = uuid.uuid4().hex[:6].upper()  # a new case on every run of the demo
    published += _case(
        gemeente, JANSEN, f"Z-PARK-{suffix}", "Aanvraag parkeervergunning",
        [("ontvangen", 10), ("in-behandeling", 5), ("besluit", 1)],
    )  # fmt: skip
    published += _case(
        belastingdienst, JANSEN, f"BZW-2024-{suffix}", "Bezwaar aanslag 2024",
        [("ontvangen", 3)],
    )  # fmt: skip
    woz = [
        {"label": "WOZ-waarde", "value": {"type": "amount", "amount": "312000.00"}},
        {"label": "Waardepeildatum", "value": {"type": "date", "date": "2025-01-01"}},
        _text("Adres", "Dorpsstraat 1, Voorbeeldstad"),
    ]
    address = [_text("Adres", "Dorpsstraat 1, 1234 AB Voorbeeldstad"), _text("Sinds", "2019")]
    published += [
        _registration(gemeente, JANSEN, "WOZ", "WOZ-0363-000123", woz),
        _registration(gemeente, JANSEN, "BRP", "BRP-ADRES", address),
        _registration(
            belastingdienst, JANSEN, "tax", "IB-2025", [_text("Verzamelinkomen 2025", "€ 48.000")]
        ),
    ]
    return published
