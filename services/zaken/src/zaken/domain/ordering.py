"""What a set of status reports adds up to, whatever the order they were recorded in.

Case systems report late, twice and out of order, and competing consumers record in any order.
So nothing here depends on arrival: the state of a case is a function of the *set* of reports
recorded for it. The current status is the one with the latest `datum_status_gezet`; ties are
broken by `is_eindstatus` (closing last) and then by `statustype_code`, so every order agrees.
"""

from __future__ import annotations

from collections.abc import Iterable

from mijnoverheid.kernel import derived_event_id
from zaken.domain.model import StatusKey, StatusReport


def history(reports: Iterable[StatusReport]) -> tuple[StatusReport, ...]:
    """Each status once (its report sent last), newest first."""
    latest: dict[StatusKey, StatusReport] = {}
    for each in reports:
        known = latest.get(each.status_key)
        if known is None or each.recency > known.recency:
            latest[each.status_key] = each
    return tuple(sorted(latest.values(), key=lambda each: each.status_key, reverse=True))


def current_status(reports: Iterable[StatusReport]) -> StatusReport | None:
    statuses = history(reports)
    return statuses[0] if statuses else None


def is_current(candidate: StatusReport, reports: Iterable[StatusReport]) -> bool:
    """Whether `candidate` is (a report of) the current status once it is recorded."""
    current = current_status([candidate, *reports])
    return current is not None and current.status_key == candidate.status_key


def trigger_claim_id(candidate: StatusReport) -> str:
    """One notification per status of a case, whichever of its reports gets there first."""
    moment, closes, code = candidate.status_key
    return derived_event_id(candidate.case_id, moment.isoformat(), str(closes), code, "notified")
