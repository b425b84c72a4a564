"""A case's status reports and withdrawals as recorded, and the rules for accepting them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from mijnoverheid.kernel import Origin, Refusal, RejectionReason, derived_event_id

StatusKey = tuple[datetime, bool, str]


@dataclass(frozen=True)
class StatusSubmission:
    """A status of a case as an organisation reports it (its contract checked at the gate)."""

    identificatie: str
    bsn: str
    zaaktype_omschrijving: str
    statustype_code: str
    statustype_omschrijving: str
    statustoelichting: str | None
    datum_status_gezet: datetime
    is_eindstatus: bool
    dossier_url: str
    einddatum_gepland: date | None = None
    # False: recorded and shown, never e-mailed (ZGW StatusType.informeren).
    informeren: bool = True


@dataclass(frozen=True)
class ReportStatus:
    origin: Origin
    # The https hosts the organisation registry lets the sender link citizens to.
    link_hosts: tuple[str, ...]
    status: StatusSubmission


@dataclass(frozen=True)
class WithdrawCase:
    origin: Origin
    identificatie: str
    toelichting: str | None


@dataclass(frozen=True)
class AskCaseState:
    request_event_id: str
    request_source: str
    asker_oin: str
    identificaties: tuple[str, ...]


@dataclass(frozen=True)
class StatusReport:
    """One accepted case-status-changed event, as recorded."""

    event_source: str
    event_id: str
    sent_at: datetime
    recorded_at: datetime
    case_id: str
    organisation_oin: str
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
    informeren: bool = True

    @property
    def status_key(self) -> StatusKey:
        """What makes two reports one status reported twice (e.g. resent under a new id).

        It is also the status's place in the order of a case: by effective time, a closing
        status after another at the same time, then by code. Being part of the key, that place
        never changes when a resend corrects a report's other fields.
        """
        return (self.datum_status_gezet, self.is_eindstatus, self.statustype_code)

    @property
    def recency(self) -> tuple[datetime, str, str]:
        """Which of two reports of one status counts (for its texts): the one sent last."""
        return (self.sent_at, self.event_source, self.event_id)


@dataclass(frozen=True)
class Withdrawal:
    event_source: str
    event_id: str
    organisation_oin: str
    identificatie: str
    withdrawn_at: datetime
    toelichting: str | None
    recorded_at: datetime


def case_id_for(organisation_oin: str, identificatie: str, bsn: str) -> str:
    # One case per citizen: a citizen sees only the statuses that were reported for them.
    return derived_event_id(organisation_oin, identificatie, bsn, "case")


def report_id_for(event_source: str, event_id: str) -> str:
    # The storage key: one report per event, whatever the number of deliveries.
    return derived_event_id(event_source, event_id, "case-status")


def stored_time(moment: datetime) -> datetime:
    """UTC at millisecond precision, as BSON stores it, so that keys survive a round trip."""
    utc = moment.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def report(command: ReportStatus, *, now: datetime) -> StatusReport:
    """Raises Refusal for a dossier link outside the organisation's registered hosts."""
    origin, data = command.origin, command.status
    if not may_link_to(command.link_hosts, data.dossier_url):
        raise Refusal(
            RejectionReason.URL_NOT_ALLOWED,
            "dossier_url: the host is not registered for the organisation",
        )
    return StatusReport(
        event_source=origin.event_source,
        event_id=origin.event_id,
        sent_at=stored_time(origin.sent_at),
        recorded_at=stored_time(now),
        case_id=case_id_for(origin.sender_oin, data.identificatie, data.bsn),
        organisation_oin=origin.sender_oin,
        identificatie=data.identificatie,
        bsn=data.bsn,
        zaaktype_omschrijving=data.zaaktype_omschrijving,
        statustype_code=data.statustype_code,
        statustype_omschrijving=data.statustype_omschrijving,
        statustoelichting=data.statustoelichting,
        datum_status_gezet=stored_time(data.datum_status_gezet),
        is_eindstatus=data.is_eindstatus,
        dossier_url=data.dossier_url,
        einddatum_gepland=data.einddatum_gepland,
        informeren=data.informeren,
    )


def withdrawal(command: WithdrawCase, *, now: datetime) -> Withdrawal:
    origin = command.origin
    return Withdrawal(
        event_source=origin.event_source,
        event_id=origin.event_id,
        organisation_oin=origin.sender_oin,
        identificatie=command.identificatie,
        withdrawn_at=stored_time(origin.sent_at),
        toelichting=command.toelichting,
        recorded_at=stored_time(now),
    )


def may_link_to(hosts: tuple[str, ...], url: str) -> bool:
    """A government overview links only to hosts the registry lists for the organisation."""
    host = urlsplit(url).hostname
    return host is not None and host.lower() in (allowed.lower() for allowed in hosts)
