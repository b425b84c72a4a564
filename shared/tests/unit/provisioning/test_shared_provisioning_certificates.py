"""RabbitMQ definitions for a TLS broker: certificate users only, each with exactly its
organisation's (or the platform's) permissions, and no password."""

from __future__ import annotations

from typing import Any

import pytest

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.provisioning import (
    ADMIN_USER,
    OPERATOR_USER,
    SERVICE_USERS,
    BrokerUsers,
    definitions,
)
from shared.tests.unit.provisioning.lookups import (
    permission,
    topic_permission,
)

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
