"""The Gegevens contract: only plain https links, and refusal texts that never echo input."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mijnoverheid.contracts.gegevens import MAX_URL_CHARS, RegistrationChanged
from mijnoverheid.contracts.rejection import reason_of
from services.gegevens.tests.unit.test_gegevens_contract import changed, reason, text


@pytest.mark.parametrize(
    "url",
    [
        "http://loket.voorbeeldstad.example/woz",
        "ftp://loket.voorbeeldstad.example/",
        "https:///pad",
        "https://user@loket.voorbeeldstad.example/",
        "https://loket.voorbeeldstad.example:8443/",
        "https://loket.voorbeeldstad.example/a b",
        "https://[loket/",
        "javascript:alert(1)",
        "//loket.voorbeeldstad.example/",
        "https://loket.voorbeeldstad.example/" + "a" * MAX_URL_CHARS,
    ],
)
def test_only_plain_https_urls_are_allowed(url: str) -> None:
    expected = "too-large" if len(url) > MAX_URL_CHARS else "url-not-allowed"
    data = changed(where_to_change={"description": "d", "url": url})
    assert reason(data) == expected


SECRET = "GEHEIM-7731"


@pytest.mark.parametrize(
    "overrides",
    [
        {"facts": [text(label=SECRET * 20)]},
        {"facts": [text(value=SECRET * 200)]},
        {"where_to_change": {"description": "d", "url": f"http://{SECRET}.example"}},
        {"facts": [{"label": "l", "value": {"type": "amount", "amount": SECRET}}]},
        {"registration_key": SECRET * 30},
    ],
)
def test_reason_texts_never_contain_the_input(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        RegistrationChanged.model_validate(changed(**overrides))
    assert SECRET not in reason_of(caught.value)[1]
