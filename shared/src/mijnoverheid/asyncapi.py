"""AsyncAPI 3.0 documents of the services' events, generated from the code.

    python -m mijnoverheid.asyncapi --out docs/asyncapi          # (re)write the documents
    python -m mijnoverheid.asyncapi --out docs/asyncapi --check  # fail if they are stale

Each service's runtime is built exactly as in production, but with dummy settings: building it
connects to nothing. Its subscribers document the events it consumes. The events a service
emits are published dynamically (`RabbitEventPublisher`), so FastStream cannot see them; they
are added here as documentation-only publishers (see `OUTBOUND_EVENTS`), never used to publish.

The services are named by import strings, not imported: shared code must not depend on them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from faststream.rabbit import RabbitBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel

from mijnoverheid.contracts import routing
from mijnoverheid.contracts.berichtenbox import (
    MessageDelivered,
    MessageExpiring,
    MessageRead,
    MessageRejected,
    MessageStatus,
)
from mijnoverheid.contracts.envelope import CONTENT_TYPE, CloudEvent, TypedCloudEvent
from mijnoverheid.contracts.gegevens import GegevensEventRejected, RegistrationRecorded
from mijnoverheid.contracts.notifier import (
    NotificationOverdue,
    NotificationStatus,
    NotificationStatusReport,
)
from mijnoverheid.contracts.routing import EventRoute
from mijnoverheid.contracts.zaken import CaseState, CaseStatusRecorded, ZakenEventRejected
from mijnoverheid.messaging import topology
from mijnoverheid.runtime import ServiceRuntime

# Never connected to: it only names the server and the vhost in the documents.
DUMMY_AMQP_URL = "amqp://asyncapi:unused@localhost:5672/mijnoverheid"
DUMMY_MONGODB_URL = "mongodb://localhost:27017"
OIN_PARAMETER = "oin"
CONTRACT_DOCUMENT = "docs/events.md"


@dataclass(frozen=True)
class ServiceDocument:
    """One service's AsyncAPI document, and where to find the code it is generated from."""

    name: str
    title: str
    summary: str
    create_runtime: str  # "module:function"; returns a ServiceRuntime or (ServiceRuntime, ...)
    settings: str  # "module:class", a mijnoverheid.settings.ServiceSettings


SERVICES: tuple[ServiceDocument, ...] = (
    ServiceDocument(
        name="berichtenbox",
        title="MijnOverheid Berichtenbox",
        summary="Organisations send messages to a citizen's Berichtenbox.",
        create_runtime="berichtenbox.app:create_runtime",
        settings="berichtenbox.settings:BerichtenboxSettings",
    ),
    ServiceDocument(
        name="zaken",
        title="MijnOverheid Lopende Zaken",
        summary="Organisations report the status of a citizen's cases (Lopende Zaken).",
        create_runtime="zaken.app:create_runtime",
        settings="mijnoverheid.settings:PlatformSettings",
    ),
    ServiceDocument(
        name="gegevens",
        title="MijnOverheid Persoonlijke Gegevens",
        summary=(
            "Organisations report what they register about a citizen (Persoonlijke Gegevens)."
        ),
        create_runtime="gegevens.app:create_runtime",
        settings="mijnoverheid.settings:PlatformSettings",
    ),
    ServiceDocument(
        name="notifier",
        title="MijnOverheid Notifier",
        summary=(
            "E-mails a citizen (verified address, double opt-in) about a new message, an "
            "expiring message, a case status or a registration change, and reports every "
            "status of each notification to the organisation the news came from."
        ),
        create_runtime="notifier.app:create_runtime",
        settings="notifier.settings:NotifierSettings",
    ),
)


@dataclass(frozen=True)
class OutboundEvent:
    """An event a service publishes for one organisation, on `<service>.<event>.<OIN>`."""

    route: EventRoute
    data: type[BaseModel]
    # TypedCloudEvent[data]; spelled out because a variable cannot parametrise a generic.
    envelope: type[CloudEvent]
    description: str

    @property
    def routing_key(self) -> str:
        return self.route.key("{" + OIN_PARAMETER + "}")


OUTBOUND_EVENTS: dict[str, tuple[OutboundEvent, ...]] = {
    "berichtenbox": (
        OutboundEvent(
            routing.MESSAGE_DELIVERED,
            MessageDelivered,
            TypedCloudEvent[MessageDelivered],
            "The message of a berichtenbox.message-sent event is in the citizen's Berichtenbox. "
            "Published for the sending organisation (the OIN in the routing key); the Notifier "
            "consumes it too. A redelivered message-sent re-emits this event with the same id.",
        ),
        OutboundEvent(
            routing.MESSAGE_REJECTED,
            MessageRejected,
            TypedCloudEvent[MessageRejected],
            "An event an organisation published to the Berichtenbox (message-sent, "
            "message-status-requested) was refused, with a reason code. Published for that "
            "organisation (the OIN in the routing key).",
        ),
        OutboundEvent(
            routing.MESSAGE_STATUS,
            MessageStatus,
            TypedCloudEvent[MessageStatus],
            "The answer to berichtenbox.message-status-requested: the status (and optionally "
            "the trail) of the asking organisation's own messages. Published for the asker.",
        ),
        OutboundEvent(
            routing.MESSAGE_READ,
            MessageRead,
            TypedCloudEvent[MessageRead],
            "The citizen opened the message, reported once to the organisation that sent it.",
        ),
        OutboundEvent(
            routing.MESSAGE_EXPIRING,
            MessageExpiring,
            TypedCloudEvent[MessageExpiring],
            "An unread message's content will soon be removed: the Notifier's trigger for a "
            "warning e-mail. Routed with the sending organisation's OIN.",
        ),
    ),
    "zaken": (
        OutboundEvent(
            routing.CASE_STATUS_RECORDED,
            CaseStatusRecorded,
            TypedCloudEvent[CaseStatusRecorded],
            "A status newer than every status of its case recorded before it was recorded: the "
            "Notifier's trigger. No free text. Published for the organisation the case is from; "
            "the id is derived from its case-status-changed event, so a redelivery re-emits the "
            "same event. See docs/zaken.md.",
        ),
        OutboundEvent(
            routing.CASE_STATE,
            CaseState,
            TypedCloudEvent[CaseState],
            "The answer to zaken.case-state-requested: what is recorded for the asking "
            "organisation's own cases (others' are not-found). Published for the asker.",
        ),
        OutboundEvent(
            routing.ZAKEN_EVENT_REJECTED,
            ZakenEventRejected,
            TypedCloudEvent[ZakenEventRejected],
            "An event to Lopende Zaken was refused, with a reason code (e.g. url-not-allowed "
            "for a dossier link outside the organisation's registered hosts). For the sender.",
        ),
    ),
    "gegevens": (
        OutboundEvent(
            routing.REGISTRATION_RECORDED,
            RegistrationRecorded,
            TypedCloudEvent[RegistrationRecorded],
            "A version that changes what the citizen sees was recorded in a register whose "
            "changes are e-mailed (notify_registers in the registry): the Notifier's trigger. "
            "No facts. Published for the organisation the registration is from; the id is "
            "derived from its event, so a redelivery re-emits the same event. See "
            "docs/gegevens.md.",
        ),
        OutboundEvent(
            routing.GEGEVENS_EVENT_REJECTED,
            GegevensEventRejected,
            TypedCloudEvent[GegevensEventRejected],
            "A gegevens.registration-changed or -removed event was refused, with a reason code "
            "(e.g. register-not-allowed, url-not-allowed). Published for the sender.",
        ),
    ),
    "notifier": (
        OutboundEvent(
            routing.NOTIFICATION_STATUS,
            NotificationStatus,
            TypedCloudEvent[NotificationStatus],
            "Every change of a notification (an e-mail telling the citizen about news from "
            "the organisation): created, sending, sent, delivered, temporary-failure, "
            "permanent-failure, bounced or no-contact. For the organisation the news came from.",
        ),
        OutboundEvent(
            routing.NOTIFICATION_OVERDUE,
            NotificationOverdue,
            TypedCloudEvent[NotificationOverdue],
            "A notification was not sent successfully within the deadline (48 hours by "
            "default): the organisation can fall back to paper.",
        ),
        OutboundEvent(
            routing.NOTIFICATION_STATUS_REPORT,
            NotificationStatusReport,
            TypedCloudEvent[NotificationStatusReport],
            "The answer to notification-status-requested: the histories of the asking "
            "organisation's own notifications.",
        ),
    ),
}


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def build_broker(service: ServiceDocument) -> RabbitBroker:
    """The service's broker with its subscribers, built as in production; connects nothing."""
    settings = _load(service.settings)(amqp_url=DUMMY_AMQP_URL, mongodb_url=DUMMY_MONGODB_URL)
    built = _load(service.create_runtime)(settings)
    # Some factories return the runtime together with what their app needs besides it.
    parts = built if isinstance(built, tuple) else (built,)
    runtime = next((part for part in parts if isinstance(part, ServiceRuntime)), None)
    if runtime is None:
        raise TypeError(f"{service.create_runtime} returned no ServiceRuntime")
    return runtime.broker


def register_outbound(broker: RabbitBroker, events: Sequence[OutboundEvent]) -> None:
    """Documentation-only publishers, with the properties `RabbitEventPublisher` publishes with."""
    for event in events:
        broker.publisher(
            exchange=topology.EXCHANGE,
            routing_key=event.routing_key,
            mandatory=True,
            persist=True,
            content_type=CONTENT_TYPE,
            title=f"{event.route.service}.{event.route.event}",
            description=event.description,
            schema=event.envelope,
        )


def _description(service: ServiceDocument) -> str:
    lines = [service.summary, ""]
    inbound = [route for route in routing.INBOUND if route.service == service.name]
    if inbound:
        lines.append("Inbound, published by organisations (the OIN is the sender's):")
        lines += [f"- `{route.key('<OIN>')}`" for route in inbound]
    outbound = OUTBOUND_EVENTS.get(service.name, ())
    if outbound:
        lines.append("Outbound, for one organisation (the OIN is the receiver's):")
        lines += [f"- `{event.route.key('<OIN>')}`" for event in outbound]
    lines += [
        "",
        f"All events travel on the topic exchange `{routing.EXCHANGE}` as CloudEvents 1.0 in "
        f"structured JSON (content type `{CONTENT_TYPE}`). The server below is the local "
        f"development stack. Identity rules, limits and examples: {CONTRACT_DOCUMENT}.",
    ]
    return "\n".join(lines)


def _virtual_host(amqp_url: str) -> str:
    path = urlsplit(amqp_url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def _corrected(document: dict[str, Any]) -> dict[str, Any]:
    """Fix what FastStream's AsyncAPI output gets wrong for these services.

    - `defaultContentType` is always application/json; every event here is a structured-mode
      CloudEvent, application/cloudevents+json.
    - The AMQP bindings give the vhost as the URL path (`/mijnoverheid`); the vhost is the path
      without its leading slash (`mijnoverheid`).
    - A channel address with `{oin}` needs that parameter declared.
    """
    document["defaultContentType"] = CONTENT_TYPE
    vhost = _virtual_host(DUMMY_AMQP_URL)
    for channel in document.get("channels", {}).values():
        amqp = channel.get("bindings", {}).get("amqp", {})
        for part in ("exchange", "queue"):
            if isinstance(amqp.get(part), dict) and "vhost" in amqp[part]:
                amqp[part]["vhost"] = vhost
        if "{" + OIN_PARAMETER + "}" in channel.get("address", ""):
            channel["parameters"] = {
                OIN_PARAMETER: {
                    "description": "OIN (20 digits) of the organisation the event is for",
                }
            }
    return document


def generate(service: ServiceDocument) -> str:
    """The service's AsyncAPI 3.0 document as stable JSON text."""
    broker = build_broker(service)
    register_outbound(broker, OUTBOUND_EVENTS.get(service.name, ()))
    specification = AsyncAPI(
        broker,
        title=service.title,
        version=version(service.name),
        description=_description(service),
        schema_version="3.0.0",
    ).to_specification()
    document = _corrected(specification.to_jsonable())
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="directory of the documents")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a document is stale"
    )
    arguments = parser.parse_args(argv)
    out: Path = arguments.out
    # Everything is generated before anything is written: a failure leaves no half-updated set.
    documents = {out / f"{service.name}.json": generate(service) for service in SERVICES}
    stale: list[Path] = []
    for target, text in documents.items():
        if arguments.check:
            current = target.read_text(encoding="utf-8") if target.is_file() else None
            if current != text:
                stale.append(target)
        else:
            out.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if stale:
        names = ", ".join(str(path) for path in stale)
        print(
            f"stale AsyncAPI documents: {names}; regenerate with "
            f"`python -m mijnoverheid.asyncapi --out {out}` (make asyncapi)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
