"""The processing log's pure parts: the slot count, the months, the pseudonyms, the settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mijnoverheid.processing_log.activities import ACTIONS, ACTIVITIES
from mijnoverheid.processing_log.model import months_back
from mijnoverheid.processing_log.settings import DEV_SUBJECT_KEY, ProcessingLogSettings
from mijnoverheid.processing_log.store import filled_slots
from mijnoverheid.processing_log.subjects import SUBJECT_ID_TYPE_PREFIX, SubjectPseudonyms

KEY = b"k" * 32


@given(filled=st.integers(0, 5000), at_least=st.integers(0, 5000))
async def test_the_count_of_a_gapless_sequence_is_found_in_logarithmic_lookups(
    filled: int, at_least: int
) -> None:
    at_least = min(at_least, filled)
    probes: list[int] = []

    async def exists(slot: int) -> bool:
        probes.append(slot)
        return slot < filled

    assert await filled_slots(exists, at_least) == filled
    assert len(probes) <= 2 * max(filled - at_least, 1).bit_length() + 2


def test_the_months_kept_run_back_over_the_turn_of_the_year() -> None:
    now = datetime(2026, 2, 10, tzinfo=UTC)
    assert months_back(now, 3) == ["2026-02", "2026-01", "2025-12", "2025-11"]


def test_a_pseudonym_is_the_same_for_a_key_and_differs_between_keys_and_citizens() -> None:
    one, other = SubjectPseudonyms(KEY), SubjectPseudonyms(b"o" * 32)
    assert one.of("999993653") == SubjectPseudonyms(KEY).of("999993653")
    assert one.of("999993653") != one.of("999990019")
    assert one.of("999993653") != other.of("999993653")
    assert "999993653" not in one.of("999993653")
    assert one.id_type.startswith(SUBJECT_ID_TYPE_PREFIX)
    assert one.id_type != other.id_type
    with pytest.raises(ValueError, match="32 bytes"):
        SubjectPseudonyms(b"short")


def test_every_action_belongs_to_a_registered_activity_with_a_purpose() -> None:
    assert len({activity.code for activity in ACTIVITIES}) == len(ACTIVITIES)
    for action in ACTIONS.values():
        assert action.activity in ACTIVITIES
        assert action.label.nl
        assert action.label.en
        assert action.activity.purpose.nl
        assert action.activity.legal_basis


@pytest.mark.parametrize(
    ("environment", "values", "expected"),
    [
        ("development", {}, []),
        ("production", {}, ["PROCESSING_LOG_SUBJECT_KEY is the committed development key"]),
        ("production", {"processing_log_subject_key": "s" * 40}, []),
        (
            "production",
            {
                "processing_log_subject_key": "s" * 40,
                "otel_exporter_otlp_endpoint": "http://c:4318",
            },
            ["OTEL_EXPORTER_OTLP_ENDPOINT is not https"],
        ),
        (
            "development",
            {"otel_exporter_otlp_endpoint": "http://c:4318", "otel_exporter_otlp_protocol": "grpc"},
            ["OTEL_EXPORTER_OTLP_PROTOCOL is 'grpc'"],
        ),
    ],
)
def test_the_settings_fail_closed_in_production(
    monkeypatch: pytest.MonkeyPatch, environment: str, values: dict[str, str], expected: list[str]
) -> None:
    monkeypatch.setenv("MIJNOVERHEID_ENVIRONMENT", environment)
    settings = ProcessingLogSettings(**values)  # type: ignore[arg-type]
    problems = settings.problems()
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start)
    assert DEV_SUBJECT_KEY not in " ".join(problems)
