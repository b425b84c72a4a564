"""The Gegevens contract: typed values, limits and the reason codes of what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mijnoverheid.contracts.gegevens import (
    MAX_DESCRIPTION_CHARS,
    MAX_FACTS,
    MAX_KEY_CHARS,
    MAX_LABEL_CHARS,
    MAX_TEXT_CHARS,
    AmountValue,
    DateValue,
    RegistrationChanged,
    RegistrationRemoved,
)
from mijnoverheid.contracts.rejection import reason_of

URL = "https://loket.voorbeeldstad.example/woz"


def text(label: str = "Adres", value: str = "Dorpsstraat 1") -> dict[str, Any]:
    return {"label": label, "value": {"type": "text", "text": value}}


def changed(**overrides: Any) -> dict[str, Any]:
    return {
        "recipient_bsn": "999993653",
        "register_code": "WOZ",
        "registration_key": "0518-0000-1234",
        "facts": [text()],
        "valid_from": "2026-01-01T00:00:00+01:00",
        "where_to_change": {"description": "Bezwaar maken", "url": URL},
        **overrides,
    }


def reason(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        RegistrationChanged.model_validate(data)
    return reason_of(caught.value)[0].value


def test_typed_values_keep_their_type_and_amounts_stay_decimal_strings() -> None:
    event = RegistrationChanged.model_validate(
        changed(
            facts=[
                {"label": "WOZ-waarde", "value": {"type": "amount", "amount": "312000.00"}},
                {"label": "Peildatum", "value": {"type": "date", "date": "2025-01-01"}},
                text(),
            ]
        )
    )
    amount, day, _ = (fact.value for fact in event.facts)
    assert isinstance(amount, AmountValue)
    assert (amount.amount, amount.currency) == ("312000.00", "EUR")
    assert isinstance(day, DateValue)
    assert event.model_dump(mode="json")["facts"][1]["value"] == {
        "type": "date",
        "date": "2025-01-01",
    }


@pytest.mark.parametrize(
    "label", ["a.b", "$set", "prijs in $", "🚗 kenteken", "Straße", "\u202eRTL", "x" * 100]
)
def test_labels_are_free_text(label: str) -> None:
    event = RegistrationChanged.model_validate(changed(facts=[text(label=label)]))
    assert event.facts[0].label == label


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"recipient_bsn": "999993654"}, "invalid-bsn", id="bsn"),
        pytest.param({"facts": [text()] * (MAX_FACTS + 1)}, "too-large", id="facts"),
        pytest.param({"facts": []}, "malformed", id="no-facts"),
        pytest.param({"facts": [text(label="x" * (MAX_LABEL_CHARS + 1))]}, "too-large", id="label"),
        pytest.param({"facts": [text(value="x" * (MAX_TEXT_CHARS + 1))]}, "too-large", id="text"),
        pytest.param({"facts": [text(label=" ")]}, "malformed", id="blank-label"),
        pytest.param({"registration_key": "k" * (MAX_KEY_CHARS + 1)}, "too-large", id="key"),
        pytest.param({"register_code": "x" * 41}, "too-large", id="register"),
        pytest.param(
            {"where_to_change": {"description": "d" * (MAX_DESCRIPTION_CHARS + 1), "url": URL}},
            "too-large",
            id="description",
        ),
        pytest.param({"valid_from": "2026-01-01T00:00:00"}, "malformed", id="naive-moment"),
        pytest.param({"valid_from": "9999-12-31T23:59:59-01:00"}, "malformed", id="far-future"),
        pytest.param({"valid_from": "0001-01-01T00:00:00+01:00"}, "malformed", id="far-past"),
        pytest.param({"priority": 1}, "malformed", id="extra-field"),
    ],
)
def test_invalid_changes_get_their_reason(overrides: dict[str, Any], expected: str) -> None:
    assert reason(changed(**overrides)) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"type": "amount", "amount": 312000.0},  # a float: never for money
        {"type": "amount", "amount": "312000.001"},
        {"type": "amount", "amount": "1e5"},
        {"type": "amount", "amount": "0312"},
        {"type": "amount", "amount": "12", "currency": "USD"},
        {"type": "date", "date": 1767225600},
        {"type": "date", "date": "2026-01-01T00:00:00Z"},
        {"type": "date", "date": "2026-02-30"},
        {"type": "colour", "colour": "red"},
        {"text": "no type"},
    ],
)
def test_values_must_be_of_a_known_type_and_form(value: dict[str, Any]) -> None:
    assert reason(changed(facts=[{"label": "l", "value": value}])) == "malformed"


@pytest.mark.parametrize("amount", ["0", "-12.5", "312000.00", "999999999999999.99"])
def test_amount_forms(amount: str) -> None:
    facts = [{"label": "l", "value": {"type": "amount", "amount": amount}}]
    RegistrationChanged.model_validate(changed(facts=facts))


def test_limits_are_inclusive() -> None:
    RegistrationChanged.model_validate(
        changed(
            facts=[text(label="l" * MAX_LABEL_CHARS, value="t" * MAX_TEXT_CHARS)] * MAX_FACTS,
            registration_key="k" * MAX_KEY_CHARS,
            where_to_change={
                "description": "d" * MAX_DESCRIPTION_CHARS,
                "url": "https://loket.voorbeeldstad.example:443/woz",
            },
        )
    )


def test_a_removal_names_the_registration_and_its_moment() -> None:
    removed = RegistrationRemoved.model_validate(
        {
            "recipient_bsn": "999993653",
            "register_code": "WOZ",
            "registration_key": "k",
            "valid_from": "2026-02-01T00:00:00Z",
        }
    )
    assert removed.register_code == "WOZ"
    with pytest.raises(ValidationError):
        RegistrationRemoved.model_validate({**removed.model_dump(), "facts": []})
