"""Machtigen in the portal, without I/O: the owner's form read strictly, the end of the chosen
day in Dutch time, the announcements as the catalogue defines them, and the proof page naming
the helper of each view."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.portal import GrantGiven, GrantWithdrawn
from portal.grant_form import GrantFormError, end_of_day, parse_grant_form
from portal.outbox import GRANT_GIVEN, GRANT_WITHDRAWN, announcement
from portal.web.render import Renderer
from services.portal.tests.unit.test_portal_templates import PAGES, _request

OWNER, HELPER = "999993653", "999990019"
BELASTINGDIENST, GEMEENTE = "00000001003214345000", "00000001001234567000"
ORGANISATIONS = [BELASTINGDIENST, GEMEENTE]
NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)  # the day summer time starts


def a_form(**overrides: str) -> dict[str, str]:
    form = {
        "bsn": HELPER,
        "bsn_herhaald": HELPER,
        "naam_gemachtigde": "  Piet   de Vries ",
        "uw_naam": "J. Jansen",
        f"org-{BELASTINGDIENST}": "aan",
        "tot": "",
    }
    return {key: value for key, value in {**form, **overrides}.items() if value is not None}


def test_a_valid_form_is_a_grant_until_withdrawn() -> None:
    grant = parse_grant_form(a_form(), OWNER, ORGANISATIONS, NOW)
    assert grant.helper_bsn == HELPER
    assert grant.helper_name == "Piet de Vries"
    assert grant.owner_name == "J. Jansen"
    assert grant.organisation_oins == (BELASTINGDIENST,)
    assert grant.valid_until is None


def test_until_a_day_means_until_its_end_in_the_netherlands() -> None:
    grant = parse_grant_form(a_form(tot="2026-07-01"), OWNER, ORGANISATIONS, NOW)
    assert grant.valid_until == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)  # CEST: UTC+2
    assert end_of_day(date(2026, 12, 31)) == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    today = parse_grant_form(a_form(tot="2026-03-29"), OWNER, ORGANISATIONS, NOW)
    assert today.valid_until == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"bsn": "123456789", "bsn_herhaald": "123456789"}, "grant_bsn"),  # fails the elfproef
        ({"bsn_herhaald": "999990032"}, "grant_bsn"),  # a valid BSN, but not the same twice
        ({"bsn": "", "bsn_herhaald": ""}, "grant_bsn"),
        ({"bsn": OWNER, "bsn_herhaald": OWNER}, "grant_self"),
        ({f"org-{BELASTINGDIENST}": "uit"}, "grant_organisations"),
        ({"org-00000001009999999000": "aan"}, "grant_organisations"),  # sends no post
        ({"naam_gemachtigde": "   "}, "grant_name"),
        ({"uw_naam": "x" * 81}, "grant_name"),
        ({"naam_gemachtigde": "Piet\u0000"}, "grant_name"),
        ({"tot": "2026-03-28"}, "grant_date"),  # yesterday
        ({"tot": "20260-01-01"}, "grant_date"),
        ({"tot": "2031-03-30"}, "grant_date"),  # more than five years ahead
    ],
)
def test_a_form_that_cannot_be_a_grant_says_why(overrides: dict[str, str], reason: str) -> None:
    with pytest.raises(GrantFormError) as refused:
        parse_grant_form(a_form(**overrides), OWNER, ORGANISATIONS, NOW)
    assert refused.value.reason == reason


def test_grants_and_withdrawals_are_announced_as_the_catalogue_says() -> None:
    source = "urn:nld:oin:00000001234567890000:systeem:portal"
    given = {
        "_id": "g-1",
        "type": GRANT_GIVEN,
        "data": {
            "grant_id": "g-1",
            "owner_bsn": OWNER,
            "helper_bsn": HELPER,
            "helper_name": "Piet",  # the owner's own label: it stays in the portal
            "owner_name": "J. Jansen",
            "organisation_oins": [BELASTINGDIENST],
            "valid_until": None,
            "at": NOW,
        },
    }
    route, event = announcement(given, source)
    assert (route, event.id, event.time) == (events.GRANT_GIVEN, "g-1", NOW)
    data = GrantGiven.model_validate(event.data)
    assert (data.grant_id, data.helper_bsn, data.valid_until) == ("g-1", HELPER, None)
    assert "Piet" not in str(event.data)
    withdrawn = {"_id": "w-1", "type": GRANT_WITHDRAWN, "data": {"grant_id": "g-1", "at": NOW}}
    route, event = announcement(withdrawn, source)
    assert route is events.GRANT_WITHDRAWN
    assert GrantWithdrawn.model_validate(event.data).withdrawn_at == NOW


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", ["Bekeken door uw gemachtigde Piet", "Bijlage gedownload door uw gemachtigde Piet"]),
        ("en", ["Viewed by your helper Piet", "Attachment downloaded by your helper Piet"]),
    ],
)
def test_the_proof_page_names_the_helper_of_each_view(language: str, expected: list[str]) -> None:
    context: dict[str, Any] = PAGES["proof.html"]
    body = bytes(Renderer({}).page(_request(language), "proof.html", **context).body).decode()
    for text in expected:
        assert text in body
    assert HELPER not in body
