"""A seeded citizen's cases (Lopende Zaken) and registrations (Persoonlijke Gegevens), and
the notifications of their latest changes, as the services' own adapters store them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from benchmarks.seeding.berichtenbox_docs import OVERDUE_AFTER, Write, settle
from benchmarks.seeding.berichtenbox_docs import _notification_writes as notification_writes
from benchmarks.seeding.population import NAMES, NOW, Citizen, PlannedCase, source_of
from gegevens.adapters import mongo as registration_documents
from gegevens.domain.model import (
    Fact,
    RegistrationChange,
    Version,
    WhereToChange,
    registration_id_for,
    version_id_for,
)
from mijnoverheid.contracts.envelope import derived_event_id
from notifier.domain.notification import new_notification
from notifier.domain.request import NotificationRequest, Template
from zaken.adapters import listing as listing_documents
from zaken.adapters.mongo import _withdrawal_id as withdrawal_id
from zaken.adapters.status_slots import _report_document as slot_document
from zaken.domain.model import StatusReport, Withdrawal, case_id_for, report_id_for

ZAKEN_SOURCE = source_of("00000001234567890000").replace(":seed", ":zaken")
DOSSIER = "https://loket.example.nl/zaken/"


def case_writes(who: Citizen) -> Iterator[Write]:
    for planned in who.cases:
        yield from _case_writes(who, planned)
    for registration in who.registrations:
        yield from _registration_writes(who, registration)


def _case_writes(who: Citizen, planned: PlannedCase) -> Iterator[Write]:
    identificatie = f"Z-{who.number}-{planned.number}"
    case_id = case_id_for(planned.organisation_oin, identificatie, who.bsn)
    reports = [
        _report(who, planned, identificatie, case_id, step, at, closes)
        for step, (at, closes) in enumerate(planned.statuses)
    ]
    for slot, report in enumerate(reports):
        report_id = report_id_for(report.event_source, report.event_id)
        yield "zaken", "case_statuses", slot_document(report, report_id, f"{case_id}#{slot}")
    row: dict[str, Any] = listing_documents._row(reports, planned.withdrawn)
    yield "zaken", "case_listing", {"_id": case_id, **row}
    if planned.withdrawn:
        withdrawal = Withdrawal(
            source_of(planned.organisation_oin),
            f"{identificatie}-withdrawn",
            planned.organisation_oin,
            identificatie,
            NOW - timedelta(days=1),
            None,
            NOW - timedelta(days=1),
        )
        document = asdict(withdrawal)
        document["_id"] = withdrawal_id(planned.organisation_oin, identificatie)
        yield "zaken", "case_withdrawals", document
    if who.email:  # the notification of the case's latest status
        last = reports[-1]
        request = NotificationRequest(
            template=Template.CASE_STATUS,
            trigger_source=ZAKEN_SOURCE,
            trigger_event_id=derived_event_id(last.event_source, last.event_id, "recorded"),
            trigger_event_type="nl.mijnoverheid.zaken.case-status-recorded",
            organisation_oin=planned.organisation_oin,
            organisation_name=NAMES[planned.organisation_oin],
            recipient_bsn=who.bsn,
            case_id=case_id,
            reference=identificatie,
        )
        created = last.recorded_at + timedelta(seconds=1)
        notification = new_notification(request, created, OVERDUE_AFTER)
        yield from notification_writes(settle(notification, created, who.email, failed=False))


def _report(
    who: Citizen,
    planned: PlannedCase,
    identificatie: str,
    case_id: str,
    step: int,
    at: Any,
    closes: bool,
) -> StatusReport:
    return StatusReport(
        event_source=source_of(planned.organisation_oin),
        event_id=f"{identificatie}-s{step}",
        sent_at=at,
        recorded_at=at + timedelta(seconds=2),
        case_id=case_id,
        organisation_oin=planned.organisation_oin,
        identificatie=identificatie,
        bsn=who.bsn,
        zaaktype_omschrijving="Aanvraag parkeervergunning",
        statustype_code=f"stap-{step}" if not closes else "afgehandeld",
        statustype_omschrijving="In behandeling" if not closes else "Afgehandeld",
        statustoelichting=None,
        datum_status_gezet=at,
        is_eindstatus=closes,
        dossier_url=f"{DOSSIER}{identificatie}",
        einddatum_gepland=None,
    )


def _registration_writes(who: Citizen, planned: Any) -> Iterator[Write]:
    registration_id = registration_id_for(
        planned.organisation_oin, planned.register_code, planned.key, who.bsn
    )
    for slot, valid_from in enumerate(planned.versions):
        source = source_of(planned.organisation_oin)
        event_id = f"{registration_id}-v{slot}"
        version = Version(
            version_id=version_id_for(source, event_id),
            registration_id=registration_id,
            event_source=source,
            event_id=event_id,
            organisation_oin=planned.organisation_oin,
            register_code=planned.register_code,
            registration_key=planned.key,
            recipient_bsn=who.bsn,
            change=RegistrationChange.CHANGED,
            valid_from=valid_from,
            recorded_at=valid_from + timedelta(minutes=1),
            facts=(
                Fact("Adres", {"type": "text", "text": f"Voorbeeldstraat {who.number}"}),
                Fact("Waarde", {"type": "amount", "amount": "312000.00", "currency": "EUR"}),
            ),
            where_to_change=WhereToChange("Klopt het niet? Neem contact op.", DOSSIER),
            notify=True,
            notified=True,
            slot=slot,
        )
        yield "gegevens", "registration_versions", registration_documents._to_document(version)
