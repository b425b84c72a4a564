"""RabbitMQ definitions: what each organisation may write and read on the exchange, and nothing
of another organisation's, wildcards and look-alike keys included."""

from __future__ import annotations

from itertools import permutations
from typing import Any

import pytest

from mijnoverheid.contracts import events, routing
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.provisioning import (
    inbound_write_pattern,
    outbound_read_pattern,
)
from shared.tests.unit.provisioning.lookups import (
    allows,
    topic_permission,
)


def all_keys(oin: str) -> list[str]:
    return [route.key(oin) for route in (*events.INBOUND, *events.OUTBOUND)]


def test_every_organisation_has_topic_permissions_on_the_exchange(
    registry: OrganisationRegistry, generated: dict[str, Any]
) -> None:
    for organisation in registry.organisations:
        permission_ = topic_permission(generated, organisation)
        assert permission_["exchange"] == routing.EXCHANGE
        assert permission_["write"] == inbound_write_pattern(organisation.oin)
        assert permission_["read"] == outbound_read_pattern(organisation.oin)


def test_an_organisation_writes_exactly_its_own_inbound_keys(
    registry: OrganisationRegistry, generated: dict[str, Any]
) -> None:
    for organisation in registry.organisations:
        write = topic_permission(generated, organisation)["write"]
        own_inbound = {route.key(organisation.oin) for route in events.INBOUND}
        for key in all_keys(organisation.oin):
            assert allows(write, key) is (key in own_inbound), (organisation.broker_user, key)


def test_an_organisation_reads_exactly_its_own_outbound_keys(
    registry: OrganisationRegistry, generated: dict[str, Any]
) -> None:
    for organisation in registry.organisations:
        read = topic_permission(generated, organisation)["read"]
        own_outbound = {route.key(organisation.oin) for route in events.OUTBOUND}
        for key in all_keys(organisation.oin):
            assert allows(read, key) is (key in own_outbound), (organisation.broker_user, key)


def test_no_organisation_may_write_or_read_another_organisations_keys(
    registry: OrganisationRegistry, generated: dict[str, Any]
) -> None:
    for organisation, other in permutations(registry.organisations, 2):
        grant = topic_permission(generated, organisation)
        for key in all_keys(other.oin):
            assert not allows(grant["write"], key), (organisation.broker_user, key)
            assert not allows(grant["read"], key), (organisation.broker_user, key)


@pytest.mark.parametrize(
    "key",
    [
        "berichtenbox.message-sent.*",
        "berichtenbox.message-sent.#",
        "#",
        "berichtenbox.*.{oin}",
        "*.message-sent.{oin}",
        "berichtenbox.message-sent.{oin}.extra",
        "xberichtenbox.message-sent.{oin}",
        "berichtenboxXmessage-sent.{oin}",
        "berichtenbox.message-sentX{oin}",
        "berichtenbox.message-sent.{oin}0",
        "berichtenbox.message-sent.0{oin}",
        "berichtenbox.message-delivered.*",
        "berichtenbox.message-delivered.#",
        "notifier.notification-status.*",
    ],
)
def test_wildcards_and_look_alike_keys_are_neither_writable_nor_readable(
    registry: OrganisationRegistry, generated: dict[str, Any], key: str
) -> None:
    for organisation in registry.organisations:
        grant = topic_permission(generated, organisation)
        resource = key.format(oin=organisation.oin)
        assert not allows(grant["write"], resource), (organisation.broker_user, resource)
        assert not allows(grant["read"], resource), (organisation.broker_user, resource)
