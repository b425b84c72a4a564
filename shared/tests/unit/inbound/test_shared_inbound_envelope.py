"""accept_inbound, judged without any I/O: a valid event is accepted; a body without a usable id is
poison, one with an id but an invalid envelope is refused as malformed."""

from __future__ import annotations

from typing import Any

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.berichtenbox import MessageSent
from mijnoverheid.contracts.rejection import RejectionReason
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.inbound import Accepted
from mijnoverheid.kernel import UnprocessableEventError
from shared.tests.unit.inbound.judging import (
    BSN,
    delivery,
    event_document,
    from_,
    judge,
    refused,
)


def test_a_valid_event_from_a_registered_organisation_is_accepted(
    registry: OrganisationRegistry, belastingdienst: Organisation
) -> None:
    outcome = judge(registry, from_(belastingdienst, event_document(belastingdienst)))
    assert isinstance(outcome, Accepted)
    assert outcome.sender == belastingdienst
    assert outcome.event.id == "evt-0001"
    assert outcome.event.source_oin == belastingdienst.oin
    assert isinstance(outcome.data, MessageSent)
    assert outcome.data.recipient_bsn == BSN


def test_the_gemeente_is_accepted_too(
    registry: OrganisationRegistry, gemeente: Organisation
) -> None:
    outcome = judge(registry, from_(gemeente, event_document(gemeente)))
    assert isinstance(outcome, Accepted)
    assert outcome.sender == gemeente


@pytest.mark.parametrize("user_id", [None, "", "guest", "berichtenbox", "Belastingdienst"])
def test_an_unknown_publisher_is_poison(
    registry: OrganisationRegistry, belastingdienst: Organisation, user_id: str | None
) -> None:
    inbound = delivery(
        event_document(belastingdienst),
        user_id=user_id,
        routing_key=events.MESSAGE_SENT.key(belastingdienst.oin),
    )
    with pytest.raises(UnprocessableEventError):
        judge(registry, inbound)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"{",
        b"\xff\xfe\x00garbage",
        b"<event/>",
    ],
)
def test_a_body_that_is_not_json_is_poison(
    registry: OrganisationRegistry, belastingdienst: Organisation, body: bytes
) -> None:
    with pytest.raises(UnprocessableEventError):
        judge(registry, from_(belastingdienst, body))


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'"evt-1"',
        b"null",
        b"42",
        b"{}",
        b'{"specversion": "1.0"}',
        b'{"id": ""}',
        b'{"id": 42, "specversion": "1.0"}',
        b'{"id": null}',
    ],
)
def test_json_without_an_id_is_poison(
    registry: OrganisationRegistry, belastingdienst: Organisation, body: bytes
) -> None:
    with pytest.raises(UnprocessableEventError):
        judge(registry, from_(belastingdienst, body))


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"specversion": "0.3"}, id="specversion"),
        pytest.param({"source": "https://belastingdienst.example"}, id="source"),
        pytest.param({"time": "2026-01-15T10:00:00"}, id="naive-time"),
        pytest.param({"type": ""}, id="empty-type"),
        pytest.param({"time": None}, id="no-time"),
    ],
)
def test_an_id_with_an_invalid_envelope_is_refused_as_malformed(
    registry: OrganisationRegistry, belastingdienst: Organisation, overrides: dict[str, Any]
) -> None:
    outcome = refused(
        judge(registry, from_(belastingdienst, event_document(belastingdienst, **overrides)))
    )
    assert outcome.reason is RejectionReason.MALFORMED
    assert outcome.sender == belastingdienst
    assert outcome.event_id == "evt-0001"
    assert outcome.event_type is None  # the envelope could not be trusted
    assert outcome.detail


def test_the_quoted_id_of_a_malformed_envelope_is_bounded(
    registry: OrganisationRegistry, belastingdienst: Organisation
) -> None:
    long_id = "x" * 1000  # too long for the envelope, still quoted back (truncated)
    outcome = refused(
        judge(registry, from_(belastingdienst, event_document(belastingdienst, id=long_id)))
    )
    assert outcome.reason is RejectionReason.MALFORMED
    assert outcome.event_id == long_id[:200]


def test_an_id_that_cannot_be_encoded_is_poison(
    registry: OrganisationRegistry, belastingdienst: Organisation
) -> None:
    # Python's json accepts a lone surrogate escape, pydantic does not; no answer could quote
    # such an id (derived ids and the rejection event must be UTF-8), so it is dead-lettered.
    body = b'{"specversion": "1.0", "id": "\\ud800"}'
    with pytest.raises(UnprocessableEventError):
        judge(registry, from_(belastingdienst, body))
