"""AsyncAPI 3.0 documents of the services' events, generated from the code (a dev tool).

    python -m mijnoverheid_devtools.asyncapi --out docs/asyncapi          # (re)write them
    python -m mijnoverheid_devtools.asyncapi --out docs/asyncapi --check  # fail if stale

Each service is composed exactly as in production (its `compose`), but with dummy settings:
composing connects to nothing. Its subscriptions document the events it consumes. The events a
service emits are published dynamically (`RabbitEventPublisher`), so FastStream cannot see
them; they are added as documentation-only publishers from the event catalogue
(`mijnoverheid.contracts.events`), never used to publish.
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

from faststream.specification import AsyncAPI

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CONTENT_TYPE, TypedCloudEvent
from mijnoverheid.contracts.routing import EXCHANGE, Direction, EventRoute
from mijnoverheid.messaging import topology
from mijnoverheid.runtime import Service

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
    compose: str  # "module:function", the service's composition root
    settings: str  # "module:class", a mijnoverheid.settings.ServiceSettings


SERVICES: tuple[ServiceDocument, ...] = (
    ServiceDocument(
        name="berichtenbox",
        title="MijnOverheid Berichtenbox",
        summary="Organisations send messages to a citizen's Berichtenbox.",
        compose="berichtenbox.app:compose",
        settings="berichtenbox.settings:BerichtenboxSettings",
    ),
    ServiceDocument(
        name="zaken",
        title="MijnOverheid Lopende Zaken",
        summary="Organisations report the status of a citizen's cases (Lopende Zaken).",
        compose="zaken.app:compose",
        settings="zaken.settings:ZakenSettings",
    ),
    ServiceDocument(
        name="gegevens",
        title="MijnOverheid Persoonlijke Gegevens",
        summary=(
            "Organisations report what they register about a citizen (Persoonlijke Gegevens)."
        ),
        compose="gegevens.app:compose",
        settings="mijnoverheid.settings:PlatformSettings",
    ),
    ServiceDocument(
        name="notifier",
        title="MijnOverheid Notifier",
        summary=(
            "E-mails a citizen (verified address, double opt-in) about a new message, an "
            "expiring message, a message left unread (one reminder), a case status or a "
            "registration change, and reports every "
            "status of each notification to the organisation the news came from."
        ),
        compose="notifier.app:compose",
        settings="notifier.settings:NotifierSettings",
    ),
    ServiceDocument(
        name="zgw-connector",
        title="MijnOverheid ZGW connector",
        summary=(
            "Relays Open Zaak's thin case events (delivered over HTTPS by the organisation's "
            "Open Notificaties, docs/zgw-connector.md) into Lopende Zaken: it publishes "
            "case-status-changed and case-withdrawn on the organisation's behalf, as a relay "
            "the broker and Zaken's gate limit to the organisations configured for it."
        ),
        compose="zgw_connector.app:compose",
        settings="zgw_connector.settings:ConnectorSettings",
    ),
)


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def composed(document: ServiceDocument) -> Service[Any]:
    """The service as its composition root builds it; connects nothing."""
    settings = _load(document.settings)(amqp_url=DUMMY_AMQP_URL, mongodb_url=DUMMY_MONGODB_URL)
    service: Service[Any] = _load(document.compose)(settings)
    return service


def register_outbound(service: Service[Any]) -> None:
    """Documentation-only publishers, with the properties `RabbitEventPublisher` publishes with."""
    for route in service.publishes:
        service.runtime.broker.publisher(
            exchange=topology.EXCHANGE,
            routing_key=route.key("{" + OIN_PARAMETER + "}"),
            mandatory=True,
            persist=True,
            content_type=CONTENT_TYPE,
            title=route.name,
            description=route.description,
            schema=TypedCloudEvent[route.data],  # type: ignore[name-defined]
        )


def _description(document: ServiceDocument, outbound: Sequence[EventRoute]) -> str:
    lines = [document.summary, ""]
    inbound = [route for route in events.INBOUND if route.service == document.name]
    if inbound:
        lines.append("Inbound, published by organisations (the OIN is the sender's):")
        lines += [f"- `{route.key('<OIN>')}`" for route in inbound]
    relayed = [route for route in outbound if route.direction is Direction.INBOUND]
    outbound = [route for route in outbound if route.direction is not Direction.INBOUND]
    if outbound:
        lines.append("Outbound, for one organisation (the OIN is the receiver's):")
        lines += [f"- `{route.key('<OIN>')}`" for route in outbound]
    if relayed:
        lines.append("Relayed, on an organisation's behalf (the OIN is that organisation's):")
        lines += [f"- `{route.key('<OIN>')}`" for route in relayed]
    lines += [
        "",
        f"All events travel on the topic exchange `{EXCHANGE}` as CloudEvents 1.0 in "
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


def generate(document: ServiceDocument) -> str:
    """The service's AsyncAPI 3.0 document as stable JSON text."""
    service = composed(document)
    register_outbound(service)
    specification = AsyncAPI(
        service.runtime.broker,
        title=document.title,
        version=version(document.name),
        description=_description(document, service.publishes),
        schema_version="3.0.0",
    ).to_specification()
    corrected = _corrected(specification.to_jsonable())
    return json.dumps(corrected, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


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
            f"`python -m mijnoverheid_devtools.asyncapi --out {out}` (make asyncapi)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
