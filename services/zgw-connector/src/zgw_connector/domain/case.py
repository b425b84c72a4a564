"""A zaak as the ZGW APIs describe it, and which Lopende Zaken statuses it gives: pure rules.

What is reported: every status of the zaak (so a missed or coalesced event loses nothing,
and order does not matter: Lopende Zaken orders statuses by when they took effect), for each
citizen who is its initiator. Only the zaak's current status may make Lopende Zaken e-mail the
citizen, and only when its statustype says so (`StatusType.informeren`); the earlier ones are
history. A zaak that is not complete yet (no status, no initiator) is not yet reportable: the
connector tries again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote


@dataclass(frozen=True)
class Zaak:
    url: str
    identificatie: str
    zaaktype: str
    status: str | None  # the current status's URL; None: no status yet
    einddatum_gepland: date | None


@dataclass(frozen=True)
class ZaakType:
    url: str
    omschrijving: str
    publicatie_indicatie: bool


@dataclass(frozen=True)
class StatusType:
    url: str
    omschrijving: str
    is_eindstatus: bool
    informeren: bool


@dataclass(frozen=True)
class Status:
    url: str
    statustype: StatusType
    datum_status_gezet: datetime
    statustoelichting: str


@dataclass(frozen=True)
class Initiator:
    """A rol with omschrijvingGeneriek initiator; `bsn` only for a natuurlijk persoon."""

    betrokkene_type: str
    bsn: str | None


@dataclass(frozen=True)
class CaseSnapshot:
    """Everything fetched about one zaak at one moment."""

    zaak: Zaak
    zaaktype: ZaakType
    statuses: tuple[Status, ...]
    initiators: tuple[Initiator, ...]


@dataclass(frozen=True)
class StatusToReport:
    """One status for one citizen: the fields of a case-status-changed event."""

    status_url: str
    identificatie: str
    bsn: str
    zaaktype_omschrijving: str
    statustype_code: str
    statustype_omschrijving: str
    statustoelichting: str | None
    datum_status_gezet: datetime
    is_eindstatus: bool
    dossier_url: str
    einddatum_gepland: date | None
    informeren: bool


@dataclass(frozen=True)
class Report:
    statuses: tuple[StatusToReport, ...]


@dataclass(frozen=True)
class NotYet:
    """The zaak is not complete in the ZGW API yet: try again later."""

    reason: str


@dataclass(frozen=True)
class NothingToReport:
    """Complete, but nothing for Lopende Zaken (not a citizen's case, not to be published)."""

    reason: str


Decision = Report | NotYet | NothingToReport


def decide(snapshot: CaseSnapshot, dossier_url: str) -> Decision:
    zaak = snapshot.zaak
    if not snapshot.zaaktype.publicatie_indicatie:
        return NothingToReport("the zaaktype is not to be published (publicatieIndicatie)")
    if zaak.status is None or not snapshot.statuses:
        return NotYet("the zaak has no status yet")
    if zaak.status not in {status.url for status in snapshot.statuses}:
        return NotYet("the zaak's current status is not listed yet")
    if not snapshot.initiators:
        return NotYet("the zaak has no initiator yet")
    bsns = sorted({i.bsn for i in snapshot.initiators if i.betrokkene_type == _CITIZEN and i.bsn})
    if not bsns:
        return NothingToReport("the initiator is not a citizen with a BSN")
    link = dossier_url.replace("{identificatie}", quote(zaak.identificatie, safe=""))
    return Report(
        tuple(
            _to_report(zaak, snapshot.zaaktype, status, bsn, link)
            for bsn in bsns
            for status in sorted(snapshot.statuses, key=_newest_first)
        )
    )


_CITIZEN = "natuurlijk_persoon"


def _newest_first(status: Status) -> tuple[float, str]:
    return (-status.datum_status_gezet.timestamp(), status.url)


def _to_report(
    zaak: Zaak, zaaktype: ZaakType, status: Status, bsn: str, link: str
) -> StatusToReport:
    statustype = status.statustype
    current = status.url == zaak.status
    return StatusToReport(
        status_url=status.url,
        identificatie=zaak.identificatie,
        bsn=bsn,
        zaaktype_omschrijving=zaaktype.omschrijving,
        statustype_code=statustype_code(statustype.url),
        statustype_omschrijving=statustype.omschrijving,
        statustoelichting=status.statustoelichting or None,
        datum_status_gezet=status.datum_status_gezet,
        is_eindstatus=statustype.is_eindstatus,
        dossier_url=link,
        einddatum_gepland=zaak.einddatum_gepland,
        # History is never news for the citizen: only the current status may be announced.
        informeren=current and statustype.informeren,
    )


def statustype_code(statustype_url: str) -> str:
    """A stable code of a statustype within its zaaktype: the last segment of its URL (its
    UUID), which never changes, unlike its texts (docs/zaken.md § 1)."""
    return statustype_url.rstrip("/").rsplit("/", 1)[-1]
