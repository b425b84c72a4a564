"""The rules of a case, on plain values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

from mijnoverheid.kernel import Origin
from zaken.domain.case import Case, CaseLifecycle, cases_of, lifecycle_of, overview
from zaken.domain.model import (
    ReportStatus,
    StatusReport,
    StatusSubmission,
    case_id_for,
    may_link_to,
    report,
    stored_time,
)
from zaken.domain.ordering import current_status, history, is_current, trigger_claim_id

OIN = "00000001001234567000"
BSN = "999993653"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def status(
    code: str,
    at: datetime,
    *,
    closes: bool = False,
    event_id: str | None = None,
    sent_at: datetime = T0,
    identificatie: str = "Z-1",
    bsn: str = BSN,
) -> StatusReport:
    data = StatusSubmission(
        identificatie=identificatie,
        bsn=bsn,
        zaaktype_omschrijving="Aanvraag parkeervergunning",
        statustype_code=code,
        statustype_omschrijving=f"Status {code}",
        statustoelichting=None,
        datum_status_gezet=at,
        is_eindstatus=closes,
        dossier_url="https://loket.voorbeeldstad.example/z",
        einddatum_gepland=date(2026, 4, 1),
    )
    source = f"urn:nld:oin:{OIN}:systeem:zaaksysteem"
    origin = Origin(OIN, "Gemeente", source, event_id or f"{code}-{at.isoformat()}", sent_at)
    return report(ReportStatus(origin, ("loket.voorbeeldstad.example",), data), now=T0)


def test_the_current_status_is_the_one_that_took_effect_last() -> None:
    received = status("ontvangen", T0)
    handled = status("in-behandeling", T0 + timedelta(days=1))
    assert current_status([handled, received]) == handled
    assert history([received, handled]) == (handled, received)


def test_a_status_reported_twice_is_in_the_history_once_as_last_sent() -> None:
    first = status("ontvangen", T0, event_id="a", sent_at=T0)
    correction = replace(
        status("ontvangen", T0, event_id="b", sent_at=T0 + timedelta(hours=1)),
        statustype_omschrijving="Aanvraag ontvangen (gecorrigeerd)",
    )
    assert history([correction, first]) == (correction,)
    assert history([first, correction, first]) == (correction,)


def test_ties_in_time_are_broken_by_closing_status_then_code() -> None:
    closing = status("afgehandeld", T0, closes=True)
    decided = status("besluit", T0)
    other = status("aanvulling", T0)
    assert current_status([decided, closing, other]) == closing
    assert current_status([other, decided]) == decided


def test_a_later_open_status_reopens_a_closed_case() -> None:
    closed = status("afgehandeld", T0, closes=True)
    reopened = status("heropend", T0 + timedelta(days=3))
    [case] = cases_of([closed, reopened], withdrawn=set())
    assert case.lifecycle is CaseLifecycle.OPEN


def test_is_current_counts_the_candidate_itself() -> None:
    old, new = status("ontvangen", T0), status("besluit", T0 + timedelta(days=1))
    assert is_current(new, [old])
    assert not is_current(old, [new])
    assert is_current(replace(new, event_id="resend"), [old, new])


def test_times_are_kept_as_utc_milliseconds_like_bson() -> None:
    local = datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert stored_time(local) == datetime(2026, 3, 2, 9, 0, 0, 123000, tzinfo=UTC)
    assert status("x", local).datum_status_gezet.microsecond == 123000


def test_a_case_is_per_citizen_and_its_ids_are_deterministic() -> None:
    assert case_id_for(OIN, "Z-1", BSN) == case_id_for(OIN, "Z-1", BSN)
    assert case_id_for(OIN, "Z-1", BSN) != case_id_for(OIN, "Z-1", "111222333")
    resend = status("ontvangen", T0, event_id="other")
    assert trigger_claim_id(status("ontvangen", T0)) == trigger_claim_id(resend)
    assert trigger_claim_id(status("besluit", T0)) != trigger_claim_id(resend)


def test_dossier_links_only_to_the_organisations_own_hosts() -> None:
    hosts = ("loket.voorbeeldstad.example",)
    assert may_link_to(hosts, "https://loket.voorbeeldstad.example/zaak/1")
    assert may_link_to(hosts, "https://LOKET.voorbeeldstad.example/zaak/1")
    assert not may_link_to(hosts, "https://mijn.belastingdienst.example/zaak/1")
    assert not may_link_to(hosts, "https://loket.voorbeeldstad.example.evil.example/")
    assert not may_link_to(hosts, "https://evil.example/loket.voorbeeldstad.example")


def _case(identificatie: str, at: datetime, *, closes: bool = False) -> Case:
    [case] = cases_of([status("s", at, closes=closes, identificatie=identificatie)], set())
    return case


def test_overview_open_first_then_newest_change_first_without_withdrawn() -> None:
    old_open = _case("Z-1", T0)
    new_open = _case("Z-2", T0 + timedelta(days=2))
    newest_closed = _case("Z-3", T0 + timedelta(days=5), closes=True)
    old_closed = _case("Z-4", T0 - timedelta(days=5), closes=True)
    hidden = replace(_case("Z-5", T0 + timedelta(days=9)), withdrawn=True)
    shown = overview([old_closed, hidden, old_open, newest_closed, new_open])
    assert shown == [new_open, old_open, newest_closed, old_closed]


def test_withdrawal_covers_the_case_for_every_citizen() -> None:
    reports = [status("s", T0, bsn=BSN), status("s", T0, bsn="111222333")]
    cases = cases_of(reports, withdrawn={(OIN, "Z-1")})
    assert len(cases) == 2
    assert all(case.lifecycle is CaseLifecycle.WITHDRAWN for case in cases)


def test_lifecycle_of_an_identificatie() -> None:
    open_case, closed_case = _case("Z-1", T0), _case("Z-1", T0, closes=True)
    assert lifecycle_of([], withdrawn=False) is CaseLifecycle.NOT_FOUND
    assert lifecycle_of([], withdrawn=True) is CaseLifecycle.WITHDRAWN
    assert lifecycle_of([closed_case, open_case], withdrawn=False) is CaseLifecycle.OPEN
    assert lifecycle_of([closed_case], withdrawn=False) is CaseLifecycle.CLOSED


def test_a_resend_that_changes_whether_it_closes_is_another_status() -> None:
    # Otherwise a correction could move a status's place in the order after it was notified,
    # and the status the case ends in might never be notified.
    closing = status("besluit", T0, closes=True, event_id="a")
    not_closing = status("besluit", T0, closes=False, event_id="b", sent_at=T0 + timedelta(1))
    assert closing.status_key != not_closing.status_key
    assert history([not_closing, closing]) == (closing, not_closing)
