"""accept_inbound, judged without any I/O: who may send, on which key, for which service, and
which system of an organisation sent an event."""

from __future__ import annotations

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.contracts.rejection import RejectionReason
from mijnoverheid.identity import Organisation, OrganisationRegistry
from shared.tests.unit.inbound.judging import (
    MESSAGE_SENT_TYPE,
    delivery,
    event_document,
    from_,
    judge,
    refused,
)


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


def test_identity_is_checked_before_the_data(
    registry: OrganisationRegistry, belastingdienst: Organisation, gemeente: Organisation
) -> None:
    document = event_document(belastingdienst, source=source_for(gemeente.oin, "x"))
    document["data"]["recipient_bsn"] = "999993654"
    outcome = refused(judge(registry, from_(belastingdienst, document)))
    assert outcome.reason is RejectionReason.IDENTITY_MISMATCH


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
