"""RabbitMQ definitions: what each organisation may write and read, and the checked-in file.

Python's `re` stands in for RabbitMQ's PCRE: the patterns use only anchors, groups,
alternation, escapes and `.*`, which behave alike in both. RabbitMQ matches a permission
pattern unanchored (like `re.search`); the patterns anchor themselves.
"""

from __future__ import annotations

import re
from itertools import permutations
from typing import Any

import pytest

from mijnoverheid.contracts import events, routing
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.messaging import topology
from mijnoverheid.provisioning import (
    ADMIN_USER,
    OPERATOR_USER,
    SERVICE_USERS,
    BrokerUsers,
    definitions,
    inbound_write_pattern,
    organisation_queue_prefix,
    outbound_read_pattern,
)
from mijnoverheid.settings import REPOSITORY_ROOT


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    """The real, versioned registry (config/organisations.yaml)."""
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


def allows(pattern: str, resource: str) -> bool:
    return re.search(pattern, resource) is not None


@pytest.fixture(scope="module")
def generated(registry: OrganisationRegistry) -> dict[str, Any]:
    return definitions(registry)


def topic_permission(generated: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        p for p in generated["topic_permissions"] if p["user"] == organisation.broker_user
    ]
    assert len(found) == 1
    return found[0]


def permission(generated: dict[str, Any], user: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in generated["permissions"] if p["user"] == user]
    assert len(found) == 1
    return found[0]


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


def test_an_organisation_configures_only_its_own_queues(
    registry: OrganisationRegistry, generated: dict[str, Any]
) -> None:
    for organisation in registry.organisations:
        grant = permission(generated, organisation.broker_user)
        own = organisation_queue_prefix(organisation.oin) + "inbox"
        assert allows(grant["configure"], own)
        assert allows(grant["read"], own)
        assert allows(grant["write"], own)
        assert allows(grant["read"], routing.EXCHANGE)  # to bind its queue
        assert allows(grant["write"], routing.EXCHANGE)  # to publish
        for forbidden in (
            routing.EXCHANGE,
            routing.DEAD_LETTER_EXCHANGE,
            routing.UNROUTED_QUEUE,
            topology.BERICHTENBOX_MESSAGE_SENT.name,
            topology.BERICHTENBOX_MESSAGE_SENT.dead_letter_name,
            f"org{organisation.oin}.inbox",
            f"x.org.{organisation.oin}.inbox",
        ):
            assert not allows(grant["configure"], forbidden), (organisation.broker_user, forbidden)
        for forbidden in (
            routing.DEAD_LETTER_EXCHANGE,
            routing.UNROUTED_QUEUE,
            topology.BERICHTENBOX_MESSAGE_SENT.name,
        ):
            assert not allows(grant["read"], forbidden), (organisation.broker_user, forbidden)
        for other in registry.organisations:
            if other != organisation:
                theirs = organisation_queue_prefix(other.oin) + "inbox"
                for action in ("configure", "write", "read"):
                    assert not allows(grant[action], theirs), (organisation.broker_user, theirs)


def test_every_work_queue_has_a_policy_with_dead_lettering_and_a_delivery_limit(
    generated: dict[str, Any],
) -> None:
    queues = {queue["name"]: queue for queue in generated["queues"]}
    dead_letter_bindings = {
        (binding["routing_key"], binding["destination"])
        for binding in generated["bindings"]
        if binding["source"] == routing.DEAD_LETTER_EXCHANGE
    }
    work_queues = [q for service in topology.SERVICE_QUEUES.values() for q in service]
    assert work_queues
    for work_queue in work_queues:
        assert queues[work_queue.name]["arguments"]["x-queue-type"] == "quorum"
        applying = [
            policy
            for policy in generated["policies"]
            if policy["apply-to"] == "queues" and allows(policy["pattern"], work_queue.name)
        ]
        assert len(applying) == 1, work_queue.name
        definition = applying[0]["definition"]
        assert definition["dead-letter-exchange"] == routing.DEAD_LETTER_EXCHANGE
        assert isinstance(definition["delivery-limit"], int)
        assert definition["delivery-limit"] > 0
        # the dead letters land in the queue's own dead-letter queue
        assert (definition["dead-letter-routing-key"], work_queue.dead_letter_name) in (
            dead_letter_bindings
        )
        assert queues[work_queue.dead_letter_name]["arguments"]["x-queue-type"] == "quorum"
        # the policy must not also catch the dead-letter queue (a loop of dead letters)
        assert not allows(applying[0]["pattern"], work_queue.dead_letter_name)


def test_every_work_queue_is_bound_to_its_inbound_keys(generated: dict[str, Any]) -> None:
    bindings = {
        (binding["destination"], binding["routing_key"])
        for binding in generated["bindings"]
        if binding["source"] == routing.EXCHANGE
    }
    for service_queues in topology.SERVICE_QUEUES.values():
        for work_queue in service_queues:
            assert (work_queue.name, work_queue.binding_key) in bindings


def test_the_exchange_keeps_unrouted_events(generated: dict[str, Any]) -> None:
    exchanges = {exchange["name"]: exchange for exchange in generated["exchanges"]}
    assert exchanges[routing.EXCHANGE]["type"] == "topic"
    assert exchanges[routing.EXCHANGE]["arguments"]["alternate-exchange"] == (
        routing.UNROUTED_EXCHANGE
    )
    assert exchanges[routing.UNROUTED_EXCHANGE]["type"] == "fanout"
    assert routing.UNROUTED_QUEUE in {queue["name"] for queue in generated["queues"]}
    assert any(
        binding["source"] == routing.UNROUTED_EXCHANGE
        and binding["destination"] == routing.UNROUTED_QUEUE
        for binding in generated["bindings"]
    )


def test_a_replay_reaches_exactly_the_queue_it_died_in(generated: dict[str, Any]) -> None:
    exchanges = {exchange["name"]: exchange for exchange in generated["exchanges"]}
    assert exchanges[routing.REPLAY_EXCHANGE]["type"] == "headers"
    replay = [b for b in generated["bindings"] if b["source"] == routing.REPLAY_EXCHANGE]
    work_queues = [q for service in topology.SERVICE_QUEUES.values() for q in service]
    assert sorted((b["destination"], b["arguments"][routing.REPLAY_HEADER]) for b in replay) == (
        sorted((q.name, q.name) for q in work_queues)
    )
    assert {b["arguments"]["x-match"] for b in replay} == {"all"}
    # RabbitMQ ignores x- headers when it matches: the header must not be one.
    assert not routing.REPLAY_HEADER.startswith("x-")


def test_the_operator_reads_dead_letters_and_writes_replays_only(
    registry: OrganisationRegistry, generated: dict[str, Any]
) -> None:
    users = {user["name"]: user for user in generated["users"]}
    assert users[OPERATOR_USER]["tags"] == ["impersonator"]  # keeps a replay's user_id
    grant = permission(generated, OPERATOR_USER)
    work_queues = [q for service in topology.SERVICE_QUEUES.values() for q in service]
    for queue in work_queues:
        assert allows(grant["read"], queue.dead_letter_name)
        assert not allows(grant["read"], queue.name)
        assert not allows(grant["write"], queue.name)
    assert allows(grant["write"], routing.REPLAY_EXCHANGE)
    for exchange in (routing.EXCHANGE, routing.DEAD_LETTER_EXCHANGE, "amq.default"):
        assert not allows(grant["write"], exchange)
    assert not allows(grant["configure"], work_queues[0].dead_letter_name)
    # and no organisation may replay
    for organisation in registry.organisations:
        assert not allows(permission(generated, organisation.broker_user)["write"], (
            routing.REPLAY_EXCHANGE
        ))  # fmt: skip


PLATFORM_DN = "CN={},SERIALNUMBER=00000001234567890000,O=MijnOverheid (TEST),C=NL"


@pytest.fixture(scope="module")
def with_certificates(registry: OrganisationRegistry) -> dict[str, Any]:
    services = {service: PLATFORM_DN.format(service) for service in SERVICE_USERS}
    return definitions(
        registry, users=BrokerUsers(local_passwords=False, service_certificates=services)
    )


def test_a_tls_broker_gets_certificate_users_only_and_none_has_a_password(
    registry: OrganisationRegistry, with_certificates: dict[str, Any]
) -> None:
    names = [user["name"] for user in with_certificates["users"]]
    expected = [PLATFORM_DN.format(service) for service in SERVICE_USERS]
    expected += [dn for org in registry.organisations for dn in org.certificate_users]
    assert names == expected
    # An empty hash matches no password: EXTERNAL (the certificate) is the only way in.
    assert all(user["password_hash"] == "" for user in with_certificates["users"])
    assert all(user["tags"] == [] for user in with_certificates["users"])  # no administrator


def test_a_certificate_user_has_exactly_its_organisations_permissions(
    registry: OrganisationRegistry, with_certificates: dict[str, Any], generated: dict[str, Any]
) -> None:
    for org in registry.organisations:
        (dn,) = org.certificate_users
        by_password = topic_permission(generated, org)
        by_certificate = [p for p in with_certificates["topic_permissions"] if p["user"] == dn]
        assert [{**p, "user": org.broker_user} for p in by_certificate] == [by_password]
        assert {**permission(with_certificates, dn), "user": org.broker_user} == permission(
            generated, org.broker_user
        )


def test_services_with_certificates_keep_the_platforms_permissions(
    with_certificates: dict[str, Any],
) -> None:
    for service in SERVICE_USERS:
        granted = permission(with_certificates, PLATFORM_DN.format(service))
        assert (granted["configure"], granted["write"], granted["read"]) == (".*", ".*", ".*")


def test_an_administrator_with_a_given_password_instead_of_the_local_one(
    registry: OrganisationRegistry,
) -> None:
    users = BrokerUsers(local_passwords=False, admin_password="s3cret-from-the-init")
    (admin,) = definitions(registry, users=users)["users"]
    assert admin["name"] == ADMIN_USER
    assert admin["tags"] == ["administrator"]
    assert admin["password_hash"] not in ("", definitions(registry)["users"][0]["password_hash"])


def test_certificates_of_unknown_services_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown services"):
        BrokerUsers(service_certificates={"berichtenbox-2": PLATFORM_DN.format("x")})


def test_a_tls_broker_may_have_an_operator_with_a_certificate(
    registry: OrganisationRegistry,
) -> None:
    operator = "CN=ops,SERIALNUMBER=00000001234567890000,O=MijnOverheid (TEST),C=NL"
    users = BrokerUsers(local_passwords=False, operator_certificate=operator)
    generated = definitions(registry, users=users)
    (user,) = generated["users"]
    assert (user["name"], user["tags"], user["password_hash"]) == (operator, ["impersonator"], "")
    assert {**permission(generated, operator), "user": OPERATOR_USER} == permission(
        definitions(registry), OPERATOR_USER
    )
