"""accept_inbound, judged without any I/O: what may be sent: the event type, the data against
the contract (never coerced) and the size and depth of the body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.contracts.rejection import RejectionReason
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.inbound import Accepted
from mijnoverheid.kernel import UnprocessableEventError
from shared.tests.unit.inbound.judging import (
    MESSAGE_SENT_TYPE,
    event_document,
    from_,
    judge,
    refused,
)


@pytest.mark.parametrize(
    "type_",
    [
        "nl.mijnoverheid.berichtenbox.message-delivered",
        "nl.mijnoverheid.zaken.case-status-changed",
        "nl.mijnoverheid.berichtenbox.message-sent.v2",
        "com.example.message-sent",
    ],
)
def test_another_event_type_is_unsupported(
    registry: OrganisationRegistry, belastingdienst: Organisation, type_: str
) -> None:
    document = event_document(belastingdienst, type=type_)
    outcome = refused(judge(registry, from_(belastingdienst, document)))
    assert outcome.reason is RejectionReason.UNSUPPORTED_EVENT_TYPE
    assert outcome.event_type == type_


@pytest.mark.parametrize(
    ("data_overrides", "reason"),
    [
        ({"recipient_bsn": "999993654"}, RejectionReason.INVALID_BSN),
        ({"subject": "x" * 201}, RejectionReason.TOO_LARGE),
        ({"unexpected": True}, RejectionReason.MALFORMED),
    ],
)
def test_invalid_data_is_refused_with_its_reason(
    registry: OrganisationRegistry,
    belastingdienst: Organisation,
    data_overrides: dict[str, Any],
    reason: RejectionReason,
) -> None:
    document = event_document(belastingdienst)
    document["data"].update(data_overrides)
    outcome = refused(judge(registry, from_(belastingdienst, document)))
    assert outcome.reason is reason
    assert outcome.event_id == "evt-0001"
    assert outcome.event_type == MESSAGE_SENT_TYPE
    assert "999993654" not in outcome.detail


def test_data_that_is_not_an_object_is_malformed(
    registry: OrganisationRegistry, belastingdienst: Organisation
) -> None:
    document = event_document(belastingdienst, data="bericht")
    outcome = refused(judge(registry, from_(belastingdienst, document)))
    assert outcome.reason is RejectionReason.MALFORMED


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("legal_effect", "yes"),
        ("legal_effect", "true"),
        ("legal_effect", 1),
        ("deadline", 20260301),
        ("deadline", "2026-03-01T00:00:00Z"),
        ("subject", 42),
        ("recipient_bsn", 999993653),
    ],
)
def test_a_json_value_of_the_wrong_type_is_malformed_never_coerced(
    registry: OrganisationRegistry, belastingdienst: Organisation, field: str, value: Any
) -> None:
    document = event_document(belastingdienst)
    document["data"][field] = value
    outcome = refused(judge(registry, from_(belastingdienst, document)))
    assert outcome.reason is RejectionReason.MALFORMED
    assert outcome.detail.startswith(f"{field}:"), outcome.detail


def test_an_envelope_time_given_as_a_number_is_malformed(
    registry: OrganisationRegistry, belastingdienst: Organisation
) -> None:
    document = event_document(belastingdienst, time=1768471200)
    outcome = refused(judge(registry, from_(belastingdienst, document)))
    assert outcome.reason is RejectionReason.MALFORMED
    assert "time" in outcome.detail


def test_a_body_over_the_routes_limit_is_refused_as_too_large_before_it_is_parsed(
    registry: OrganisationRegistry, belastingdienst: Organisation
) -> None:
    document = event_document(belastingdienst)
    document["data"]["body"] = "x" * 5000
    body = json.dumps(document).encode()
    outcome = refused(judge(registry, from_(belastingdienst, body), max_bytes=len(body) - 1))
    assert outcome.reason is RejectionReason.TOO_LARGE
    assert outcome.event_id == "evt-0001"
    assert outcome.event_source == source_for(belastingdienst.oin, "zaaksysteem")
    assert str(len(body) - 1) in outcome.detail
    assert isinstance(judge(registry, from_(belastingdienst, body), max_bytes=len(body)), Accepted)


def test_an_oversize_body_without_an_id_is_poison(
    registry: OrganisationRegistry, belastingdienst: Organisation
) -> None:
    with pytest.raises(UnprocessableEventError):
        judge(registry, from_(belastingdienst, b"[" * 2000), max_bytes=1000)


def test_deeply_nested_json_is_refused_as_malformed_not_a_crash(
    registry: OrganisationRegistry, belastingdienst: Organisation
) -> None:
    # Deeper than any JSON parser recurses (json.loads raised RecursionError here before).
    nested = "[" * 100_000 + "]" * 100_000
    document = json.dumps(event_document(belastingdienst, data=None)).replace("null", nested)
    outcome = refused(judge(registry, from_(belastingdienst, document.encode())))
    assert outcome.reason is RejectionReason.MALFORMED
    assert outcome.event_id == "evt-0001"
