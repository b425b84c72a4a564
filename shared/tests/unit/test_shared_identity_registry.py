"""The organisation registry: loading, lookups, refusals and certificate users."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from mijnoverheid.identity import (
    Organisation,
    OrganisationRegistry,
    is_valid_oin,
)


def test_the_registry_loads_the_demo_organisations(registry: OrganisationRegistry) -> None:
    users = {org.broker_user for org in registry.organisations}
    assert {"belastingdienst", "gemeente-voorbeeldstad", "rdw", "stichting-voorbeeld"} <= users
    assert registry.version == 1
    for org in registry.organisations:
        assert is_valid_oin(org.oin)


def test_lookup_by_broker_user_and_by_oin(registry: OrganisationRegistry) -> None:
    belastingdienst = registry.by_broker_user("belastingdienst")
    assert belastingdienst is not None
    assert belastingdienst.name == "Belastingdienst"
    assert belastingdienst.oin == "00000001003214345000"
    assert belastingdienst.services == {"berichtenbox", "zaken", "gegevens"}
    assert belastingdienst.bsn_allowed
    assert registry.by_oin(belastingdienst.oin) is belastingdienst

    stichting = registry.by_broker_user("stichting-voorbeeld")
    assert stichting is not None
    assert not stichting.bsn_allowed
    assert stichting.services == {"berichtenbox"}

    rdw = registry.by_broker_user("rdw")
    assert rdw is not None
    assert rdw.services == {"gegevens"}


@pytest.mark.parametrize("user", [None, "", "guest", "Belastingdienst", "berichtenbox"])
def test_unknown_broker_users_are_not_found(
    registry: OrganisationRegistry, user: str | None
) -> None:
    assert registry.by_broker_user(user) is None


def test_unknown_oin_is_not_found(registry: OrganisationRegistry) -> None:
    assert registry.by_oin("99999999999999999999") is None


def _registry_document(*organisations: dict[str, object]) -> dict[str, object]:
    return {"version": 1, "organisations": list(organisations)}


def _org(oin: str, user: str) -> dict[str, object]:
    return {"oin": oin, "name": user.title(), "broker_user": user, "services": ["berichtenbox"]}


def test_the_registry_refuses_a_duplicate_oin() -> None:
    document = _registry_document(
        _org("00000001000000000001", "een"), _org("00000001000000000001", "twee")
    )
    with pytest.raises(ValueError, match="duplicate oin"):
        OrganisationRegistry.model_validate(document)


def test_the_registry_refuses_a_duplicate_broker_user(tmp_path: Path) -> None:
    path = tmp_path / "organisations.yaml"
    document = _registry_document(
        _org("00000001000000000001", "zelfde"), _org("00000001000000000002", "zelfde")
    )
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate broker user"):
        OrganisationRegistry.load(path)


def test_a_registry_without_duplicates_loads_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "organisations.yaml"
    document = _registry_document(
        _org("00000001000000000001", "een"), _org("00000001000000000002", "twee")
    )
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    registry = OrganisationRegistry.load(path)
    assert [org.broker_user for org in registry.organisations] == ["een", "twee"]
    twee = registry.by_oin("00000001000000000002")
    assert twee is not None
    assert twee.bsn_allowed is False  # the safe default


@pytest.mark.parametrize(
    "change",
    [
        {"oin": "123"},
        {"services": ["berichtenbox", "belastingen"]},
        {"broker_user": ""},
        {"name": ""},
        {"unexpected": True},
    ],
)
def test_the_registry_refuses_invalid_organisations(change: dict[str, object]) -> None:
    organisation = {**_org("00000001000000000001", "een"), **change}
    with pytest.raises(ValidationError):
        OrganisationRegistry.model_validate(_registry_document(organisation))


def test_organisations_are_immutable(registry: OrganisationRegistry) -> None:
    organisation: Organisation = registry.organisations[0]
    with pytest.raises(ValidationError):
        organisation.bsn_allowed = not organisation.bsn_allowed  # type: ignore[misc]


OWN_DN = "CN=een-systeem,SERIALNUMBER=00000001000000000001,O=Een,C=NL"


def test_a_certificate_user_is_found_as_its_organisation() -> None:
    organisation = {**_org("00000001000000000001", "een"), "certificate_users": [OWN_DN]}
    registry = OrganisationRegistry.model_validate(_registry_document(organisation))
    found = registry.by_broker_user(OWN_DN)
    assert found is not None
    assert found.oin == "00000001000000000001"
    assert registry.by_broker_user(OWN_DN.replace("een-systeem", "ander")) is None


@pytest.mark.parametrize(
    "dn",
    [
        "CN=een-systeem,SERIALNUMBER=00000001000000000002,O=Een,C=NL",  # another OIN
        "CN=een-systeem,O=Een,C=NL",  # no OIN at all
        "CN=x,SERIALNUMBER=00000001000000000001,SERIALNUMBER=00000001000000000002,O=Een,C=NL",
        "CN=00000001000000000001,O=Een,C=NL",  # the OIN where the applicant chooses
    ],
)
def test_a_certificate_user_must_carry_the_organisations_oin_as_its_one_serialnumber(
    dn: str,
) -> None:
    organisation = {**_org("00000001000000000001", "een"), "certificate_users": [dn]}
    with pytest.raises(ValueError, match="does not carry OIN 00000001000000000001"):
        OrganisationRegistry.model_validate(_registry_document(organisation))


def test_two_organisations_cannot_share_a_broker_user_of_any_kind() -> None:
    first = {**_org("00000001000000000001", "een"), "certificate_users": [OWN_DN]}
    second = {**_org("00000001000000000002", "twee")}
    second["broker_user"] = OWN_DN  # a password user named like the other's certificate
    with pytest.raises(ValueError, match="duplicate broker user"):
        OrganisationRegistry.model_validate(_registry_document(first, second))


def test_the_demo_registry_lists_the_test_cas_certificate_of_each_organisation(
    registry: OrganisationRegistry,
) -> None:
    """tests/security and the local stack's TLS node log organisations in with the test CA's
    certificates (scripts/pki.py): their subjects must be what the registry lists."""
    from mijnoverheid.certificates import rabbitmq_dn
    from mijnoverheid_testing.pki.catalogue import organisation_subject
    from mijnoverheid_testing.pki.issuing import name

    for org in registry.organisations:
        subject = organisation_subject(org.name, org.oin, f"{org.broker_user}-systeem")
        assert org.certificate_users == (rabbitmq_dn(name(subject)),)
