"""RabbitMQ definitions: each organisation's own queues, their policies (dead-lettering, a
delivery limit) and bindings, unrouted events kept, replays and the operator's rights."""

from __future__ import annotations

from typing import Any

from mijnoverheid.contracts import routing
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging import topology
from mijnoverheid.provisioning import (
    OPERATOR_USER,
    organisation_queue_prefix,
)
from shared.tests.unit.provisioning.lookups import (
    allows,
    permission,
)


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
