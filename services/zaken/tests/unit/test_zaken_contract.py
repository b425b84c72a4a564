"""The Lopende Zaken contract: what is valid, and the reason a sender is given when not."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from mijnoverheid.contracts.rejection import RejectionReason, reason_of
from mijnoverheid.contracts.zaken import (
    MAX_REQUESTED_CASES,
    CaseStateRequested,
    CaseStatusChanged,
    CaseWithdrawn,
)

VALID: dict[str, Any] = {
    "identificatie": "ZAAK-2026-0000123",
    "bsn": "999993653",
    "zaaktype_omschrijving": "Aanvraag parkeervergunning",
    "statustype_code": "in-behandeling",
    "statustype_omschrijving": "In behandeling",
    "statustoelichting": "We beoordelen uw aanvraag.",
    "datum_status_gezet": "2026-03-02T10:15:00+01:00",
    "is_eindstatus": False,
    "dossier_url": "https://loket.voorbeeldstad.example/zaken/ZAAK-2026-0000123",
    "einddatum_gepland": "2026-04-01",
}


def _reason(model: type[BaseModel], data: dict[str, Any]) -> RejectionReason:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return reason_of(caught.value)[0]


def test_a_complete_status_is_valid_and_the_optional_fields_may_be_left_out() -> None:
    assert CaseStatusChanged.model_validate(VALID).is_eindstatus is False
    minimal = {
        k: v for k, v in VALID.items() if k not in {"statustoelichting", "einddatum_gepland"}
    }
    assert CaseStatusChanged.model_validate(minimal).einddatum_gepland is None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"bsn": "123456789"}, RejectionReason.INVALID_BSN),
        ({"dossier_url": "http://loket.voorbeeldstad.example/z"}, RejectionReason.URL_NOT_ALLOWED),
        ({"dossier_url": "javascript:alert(1)"}, RejectionReason.URL_NOT_ALLOWED),
        (
            {"dossier_url": "https://x@loket.voorbeeldstad.example/"},
            RejectionReason.URL_NOT_ALLOWED,
        ),
        (
            {"dossier_url": "https://loket.voorbeeldstad.example:8443/"},
            RejectionReason.URL_NOT_ALLOWED,
        ),
        (
            {"dossier_url": "https://loket.voorbeeldstad.example:99999/"},
            RejectionReason.URL_NOT_ALLOWED,
        ),
        ({"dossier_url": "https:///no-host"}, RejectionReason.URL_NOT_ALLOWED),
        ({"dossier_url": "https://a.example/x y"}, RejectionReason.URL_NOT_ALLOWED),
        ({"dossier_url": "https://a.example/" + "x" * 2000}, RejectionReason.TOO_LARGE),
        ({"identificatie": "Z" * 41}, RejectionReason.TOO_LARGE),
        ({"zaaktype_omschrijving": "x" * 81}, RejectionReason.TOO_LARGE),
        ({"statustoelichting": "x" * 1001}, RejectionReason.TOO_LARGE),
        ({"identificatie": " Z-1"}, RejectionReason.MALFORMED),
        ({"identificatie": "Z-1\n"}, RejectionReason.MALFORMED),
        ({"statustype_code": "in behandeling"}, RejectionReason.MALFORMED),
        ({"datum_status_gezet": "2026-03-02T10:15:00"}, RejectionReason.MALFORMED),
        ({"is_eindstatus": "misschien"}, RejectionReason.MALFORMED),
        ({"einddatum_gepland": "volgende week"}, RejectionReason.MALFORMED),
        ({"kleur": "blauw"}, RejectionReason.MALFORMED),
    ],
)
def test_invalid_statuses_are_refused_with_their_reason(
    overrides: dict[str, Any], reason: RejectionReason
) -> None:
    assert _reason(CaseStatusChanged, {**VALID, **overrides}) is reason


@pytest.mark.parametrize("missing", ["identificatie", "bsn", "datum_status_gezet", "dossier_url"])
def test_a_missing_field_is_malformed(missing: str) -> None:
    data = {k: v for k, v in VALID.items() if k != missing}
    assert _reason(CaseStatusChanged, data) is RejectionReason.MALFORMED


def test_limits_are_inclusive() -> None:
    data = {**VALID, "identificatie": "Z" * 40, "zaaktype_omschrijving": "x" * 80}
    assert CaseStatusChanged.model_validate(data).identificatie == "Z" * 40


def test_reason_texts_do_not_echo_the_input() -> None:
    with pytest.raises(ValidationError) as caught:
        CaseStatusChanged.model_validate({**VALID, "bsn": "123456789"})
    assert "123456789" not in reason_of(caught.value)[1]


def test_withdrawal_and_state_request() -> None:
    assert CaseWithdrawn.model_validate({"identificatie": "Z-1"}).toelichting is None
    assert _reason(CaseWithdrawn, {"identificatie": ""}) is RejectionReason.MALFORMED
    request = CaseStateRequested.model_validate({"identificaties": ["Z-1", "Z-2"]})
    assert request.identificaties == ["Z-1", "Z-2"]
    assert _reason(CaseStateRequested, {"identificaties": []}) is RejectionReason.MALFORMED
    too_many = {"identificaties": [f"Z-{n}" for n in range(MAX_REQUESTED_CASES + 1)]}
    assert _reason(CaseStateRequested, too_many) is RejectionReason.MALFORMED
