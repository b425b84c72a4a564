"""A thin case event as Open Notificaties delivers it for MijnOverheid, and which zaak it is
about: pure rules, no I/O.

Open Zaak's events carry no case data ("thin": MijnOverheid fetches the case itself): `type`
`nl.overheid.zaken.zaak-gemuteerd` (the case or something of it changed, e.g. a new status),
`zaak-verwijderd` (deleted) or `zaak-geopend` (the citizen opened it at the municipality);
`subject` is the zaak's UUID and `dataref` its URL in the Zaken API (Open Zaak sends the path,
`/zaken/api/v1/zaken/<uuid>`). Which organisation sent it is known from the sender's
credentials only, never from the event (`source`, `data.bronorganisatie` are not trusted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

from mijnoverheid.kernel import derived_event_id

TYPE_PREFIX = "nl.overheid.zaken."
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ThinEventKind(StrEnum):
    GEMUTEERD = "nl.overheid.zaken.zaak-gemuteerd"
    VERWIJDERD = "nl.overheid.zaken.zaak-verwijderd"
    GEOPEND = "nl.overheid.zaken.zaak-geopend"


@dataclass(frozen=True)
class ThinEvent:
    """What the connector keeps of a delivered event (its envelope; `data` is not needed)."""

    id: str
    source: str
    type: str
    time: datetime
    subject: str | None
    dataref: str | None


@dataclass(frozen=True)
class Unacceptable:
    """Why an event is refused at the door (told to Open Notificaties in a 422)."""

    code: str  # stable, for the problem's type
    detail: str  # never echoes the event


@dataclass(frozen=True)
class Accepted:
    kind: ThinEventKind
    zaak_url: str


def accept(event: ThinEvent, zaken_api: str) -> Accepted | Unacceptable:
    """The event's kind and zaak URL, or why not. The zaak must be a zaak of the
    organisation's own Zaken API (`zaken_api`, its registered root): a URL on any other host,
    or outside that API, is refused, so a sender can never make the connector fetch elsewhere.
    """
    try:
        kind = ThinEventKind(event.type)
    except ValueError:
        supported = ", ".join(kind.value for kind in ThinEventKind)
        return Unacceptable("unsupported-event-type", f"type must be one of: {supported}")
    url = zaak_url(event, zaken_api)
    if isinstance(url, Unacceptable):
        return url
    return Accepted(kind, url)


def zaak_url(event: ThinEvent, zaken_api: str) -> str | Unacceptable:
    if event.dataref:
        # Relative (as Open Zaak sends it) against the API's origin, absolute as it is.
        url = urljoin(zaken_api, event.dataref)
    elif event.subject and _UUID.fullmatch(event.subject):
        url = urljoin(zaken_api, f"zaken/{event.subject}")
    else:
        return Unacceptable("no-zaak", "the event names no zaak: no dataref, no zaak UUID subject")
    if not within(url, zaken_api):
        return Unacceptable(
            "url-not-allowed", "the zaak is not in the Zaken API registered for the organisation"
        )
    key = url.rstrip("/").rsplit("/", 1)[-1]
    if not _UUID.fullmatch(key) or url.rstrip("/").rsplit("/", 2)[-2] != "zaken":
        return Unacceptable("no-zaak", "dataref is not the URL of a zaak (…/zaken/<uuid>)")
    if event.subject and event.subject.lower() != key.lower():
        return Unacceptable("no-zaak", "subject and dataref name different zaken")
    return url.rstrip("/")


def within(url: str, root: str) -> bool:
    """Whether `url` lies under the API root `root`: same scheme, host and port, below its
    path, nothing that could climb out of it (`..`), no credentials, query or fragment."""
    try:
        parts, base = urlsplit(url), urlsplit(root)
        same_origin = (parts.scheme, parts.hostname, parts.port) == (
            base.scheme,
            base.hostname,
            base.port,
        )
    except ValueError:
        return False
    return (
        same_origin
        and parts.username is None
        and not parts.query
        and not parts.fragment
        and parts.path.startswith(base.path)
        and "/../" not in f"{parts.path}/"
        and "/./" not in f"{parts.path}/"
    )


def delivery_key(oin: str, source: str, event_id: str) -> str:
    """What identifies a delivered event, both when it is received and when it is handled:
    CloudEvents ids are unique per source, and the sender is the organisation its credentials
    name."""
    return derived_event_id(oin, source, event_id, "zgw-thin-event")
