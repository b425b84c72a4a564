"""accept_inbound: who may send what, judged without any I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.berichtenbox import MessageSent
from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.contracts.rejection import RejectionReason
from mijnoverheid.identity import Organisation, OrganisationRegistry, ServiceName
from mijnoverheid.inbound import Accepted, Refused, accept_inbound
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.settings import REPOSITORY_ROOT

MESSAGE_SENT_TYPE = "nl.mijnoverheid.berichtenbox.message-sent"
BSN = "999993653"


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    """The real, versioned registry (config/organisations.yaml)."""
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


def _organisation(registry: OrganisationRegistry, broker_user: str) -> Organisation:
    organisation = registry.by_broker_user(broker_user)
    assert organisation is not None, f"{broker_user} is missing from config/organisations.yaml"
    return organisation


@pytest.fixture(scope="module")
def belastingdienst(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "belastingdienst")


@pytest.fixture(scope="module")
def gemeente(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "gemeente-voorbeeldstad")


@pytest.fixture(scope="module")
def rdw(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "rdw")


@pytest.fixture(scope="module")
def stichting(registry: OrganisationRegistry) -> Organisation:
    return _organisation(registry, "stichting-voorbeeld")


def event_document(organisation: Organisation, **overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "specversion": "1.0",
        "id": "evt-0001",
        "source": source_for(organisation.oin, "zaaksysteem"),
        "type": MESSAGE_SENT_TYPE,
        "time": "2026-01-15T10:00:00Z",
        "data": {
            "recipient_bsn": BSN,
            "subject": "Uw aanslag",
            "body": "Geachte heer/mevrouw,",
            "reference": "KENMERK-1",
            "legal_effect": True,
        },
    }
    document.update(overrides)
    return document


def delivery(
    body: dict[str, Any] | bytes,
    *,
    user_id: str | None,
    routing_key: str,
) -> InboundDelivery:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return InboundDelivery(body=raw, routing_key=routing_key, user_id=user_id, message_id="m-1")


def from_(organisation: Organisation, body: dict[str, Any] | bytes) -> InboundDelivery:
    """Published as the organisation would: its own user, its own key."""
    return delivery(
        body,
        user_id=organisation.broker_user,
        routing_key=events.MESSAGE_SENT.key(organisation.oin),
    )


def judge(
    registry: OrganisationRegistry,
    inbound: InboundDelivery,
    service: ServiceName = "berichtenbox",
    max_bytes: int = events.MESSAGE_SENT.max_bytes,
) -> Accepted[MessageSent] | Refused:
    return accept_inbound(inbound, registry, service, MESSAGE_SENT_TYPE, MessageSent, max_bytes)


def refused(outcome: Accepted[MessageSent] | Refused) -> Refused:
    assert isinstance(outcome, Refused), f"expected a refusal, got {outcome!r}"
    return outcome


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


def test_a_routing_key_for_another_oin_is_an_identity_mismatch(
    registry: OrganisationRegistry, belastingdienst: Organisation, gemeente: Organisation
) -> None:
    inbound = delivery(
        event_document(belastingdienst),
        user_id=belastingdienst.broker_user,
        routing_key=events.MESSAGE_SENT.key(gemeente.oin),
    )
    outcome = refused(judge(registry, inbound))
    assert outcome.reason is RejectionReason.IDENTITY_MISMATCH
    assert outcome.sender == belastingdienst  # told on its own key, not the gemeente's
    assert outcome.event_type == MESSAGE_SENT_TYPE


@pytest.mark.parametrize(
    "routing_key",
    [
        "berichtenbox.message-sent",
        "berichtenbox.message-sent.00000001003214345000.extra",
        "",
    ],
)
def test_a_routing_key_without_the_senders_oin_is_an_identity_mismatch(
    registry: OrganisationRegistry, belastingdienst: Organisation, routing_key: str
) -> None:
    inbound = delivery(
        event_document(belastingdienst),
        user_id=belastingdienst.broker_user,
        routing_key=routing_key,
    )
    assert refused(judge(registry, inbound)).reason is RejectionReason.IDENTITY_MISMATCH


def test_a_source_naming_another_oin_is_an_identity_mismatch(
    registry: OrganisationRegistry, belastingdienst: Organisation, gemeente: Organisation
) -> None:
    document = event_document(belastingdienst, source=source_for(gemeente.oin, "zaaksysteem"))
    outcome = refused(judge(registry, from_(belastingdienst, document)))
    assert outcome.reason is RejectionReason.IDENTITY_MISMATCH
    assert outcome.sender == belastingdienst


def test_an_organisation_not_registered_for_the_service_is_refused(
    registry: OrganisationRegistry, rdw: Organisation
) -> None:
    outcome = refused(judge(registry, from_(rdw, event_document(rdw))))
    assert outcome.reason is RejectionReason.SERVICE_NOT_ALLOWED
    assert outcome.sender == rdw
    assert "berichtenbox" in outcome.detail


def test_the_stichting_is_not_registered_for_zaken(
    registry: OrganisationRegistry, stichting: Organisation
) -> None:
    outcome = refused(judge(registry, from_(stichting, event_document(stichting)), "zaken"))
    assert outcome.reason is RejectionReason.SERVICE_NOT_ALLOWED


def test_an_organisation_that_may_not_use_bsns_is_refused(
    registry: OrganisationRegistry, stichting: Organisation
) -> None:
    outcome = refused(judge(registry, from_(stichting, event_document(stichting))))
    assert outcome.reason is RejectionReason.BSN_NOT_ALLOWED
    assert outcome.sender == stichting


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


def test_identity_is_checked_before_the_data(
    registry: OrganisationRegistry, belastingdienst: Organisation, gemeente: Organisation
) -> None:
    document = event_document(belastingdienst, source=source_for(gemeente.oin, "x"))
    document["data"]["recipient_bsn"] = "999993654"
    outcome = refused(judge(registry, from_(belastingdienst, document)))
    assert outcome.reason is RejectionReason.IDENTITY_MISMATCH


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


def test_two_systems_of_one_organisation_using_one_event_id_are_told_apart(
    registry: OrganisationRegistry, belastingdienst: Organisation
) -> None:
    first, second = (
        refused(
            judge(
                registry,
                from_(
                    belastingdienst,
                    event_document(
                        belastingdienst,
                        source=source_for(belastingdienst.oin, system),
                        type="nl.mijnoverheid.berichtenbox.other",
                    ),
                ),
            )
        )
        for system in ("aanslagen", "toeslagen")
    )
    assert first.event_id == second.event_id
    assert first.answer_key != second.answer_key
