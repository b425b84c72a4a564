"""Status reports and withdrawals as the domain records them, for tests of the store."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mijnoverheid.kernel import Origin
from zaken.domain.model import (
    ReportStatus,
    StatusReport,
    StatusSubmission,
    Withdrawal,
    WithdrawCase,
    report,
    withdrawal,
)

GEMEENTE_OIN = "00000001001234567000"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSTS = ("loket.voorbeeldstad.example",)


def status_report(
    identificatie: str,
    bsn: str,
    code: str,
    at: datetime,
    *,
    event_id: str,
    closes: bool = False,
    sent_at: datetime = T0,
    now: datetime = T0,
    oin: str = GEMEENTE_OIN,
    planned: date | None = None,
) -> StatusReport:
    status = StatusSubmission(
        identificatie=identificatie,
        bsn=bsn,
        zaaktype_omschrijving="Aanvraag parkeervergunning",
        statustype_code=code,
        statustype_omschrijving=f"Status {code}",
        statustoelichting=None,
        datum_status_gezet=at,
        is_eindstatus=closes,
        dossier_url="https://loket.voorbeeldstad.example/z",
        einddatum_gepland=planned,
    )
    origin = Origin(oin, "Gemeente", f"urn:nld:oin:{oin}:systeem:zaaksysteem", event_id, sent_at)
    return report(ReportStatus(origin, HOSTS, status), now=now)


def case_withdrawal(identificatie: str, event_id: str, oin: str = GEMEENTE_OIN) -> Withdrawal:
    origin = Origin(oin, "Gemeente", "urn:nld:oin:x:systeem:y", event_id, T0)
    return withdrawal(WithdrawCase(origin, identificatie, None), now=T0)
