"""The owner's form for a grant (machtigen), read strictly. Pure.

The owner names the helper by BSN in the form (a POST body, never a URL), twice, so that a
typing error that happens to pass the elfproef does not give someone else the post. A grant
covers at least one organisation, and lasts until the end of a chosen day (Dutch time) or
until withdrawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from mijnoverheid.identity import is_valid_bsn

AMSTERDAM: Final = ZoneInfo("Europe/Amsterdam")
MAX_NAME_CHARS: Final = 80
# Far enough for any arrangement; a year like 20260 is a typing error, not a wish.
MAX_YEARS_AHEAD: Final = 5
ORGANISATION_FIELD: Final = "org-"


@dataclass(frozen=True)
class GrantRequest:
    helper_bsn: str
    helper_name: str  # what the owner calls the helper (their pages, the trail)
    owner_name: str  # how the owner lets the helper see them
    organisation_oins: tuple[str, ...]
    valid_until: datetime | None  # None: until withdrawn


class GrantFormError(ValueError):
    """The form cannot become a grant; `reason` names the page that says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def today_in_the_netherlands(now: datetime) -> date:
    return now.astimezone(AMSTERDAM).date()


def end_of_day(day: date) -> datetime:
    """The first moment after `day` in the Netherlands, as UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), AMSTERDAM).astimezone(UTC)


def _name(value: str | None) -> str:
    name = " ".join((value or "").split())
    if not 0 < len(name) <= MAX_NAME_CHARS or not name.isprintable():
        raise GrantFormError("grant_name")
    return name


def _until(value: str | None, today: date) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise GrantFormError("grant_date") from error
    if not today <= day <= today + timedelta(days=round(MAX_YEARS_AHEAD * 365.25)):
        raise GrantFormError("grant_date")
    return end_of_day(day)


def parse_grant_form(
    form: Mapping[str, str], owner_bsn: str, organisations: Sequence[str], now: datetime
) -> GrantRequest:
    """`organisations`: the OINs the owner may choose from (those that send post)."""
    helper_bsn = (form.get("bsn") or "").strip()
    if not is_valid_bsn(helper_bsn) or (form.get("bsn_herhaald") or "").strip() != helper_bsn:
        raise GrantFormError("grant_bsn")
    if helper_bsn == owner_bsn:
        raise GrantFormError("grant_self")
    chosen = tuple(oin for oin in organisations if form.get(ORGANISATION_FIELD + oin) == "aan")
    unknown = [
        key for key in form if key.startswith(ORGANISATION_FIELD) and key[4:] not in organisations
    ]
    if not chosen or unknown:
        raise GrantFormError("grant_organisations")
    return GrantRequest(
        helper_bsn=helper_bsn,
        helper_name=_name(form.get("naam_gemachtigde")),
        owner_name=_name(form.get("uw_naam")),
        organisation_oins=chosen,
        valid_until=_until(form.get("tot"), today_in_the_netherlands(now)),
    )
