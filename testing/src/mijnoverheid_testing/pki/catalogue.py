"""What the test PKI holds: its CAs (PKIoverheid's shape, named TEST) and end-entity certificates.

TEST Staat der Nederlanden Private Root CA          (root; like Staat der Nederlanden)
 └ TEST Staat der Nederlanden Private Services CA   (domain CA)
    └ TEST MijnOverheid Private Services CA         (issuing CA; a TSP's CA in reality)
       ├ one certificate per organisation of the registry: C=NL, O=<name>,
       │   serialNumber=<OIN>, CN=<system name> (clientAuth)
       ├ one per platform service (clientAuth) and per server: RabbitMQ, FerretDB, the SMTP
       │   relay (serverAuth, DNS localhost and IP 127.0.0.1)
       └ for tests: an expired one, a revoked one, one whose serialNumber is another
         organisation's OIN; and one from a foreign CA the broker does not trust.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid_testing.pki.issuing import LeafProfile, Subject

PLATFORM_NAME = "MijnOverheid (TEST)"
PLATFORM_OIN = "00000001234567890000"  # the services' default PLATFORM_OIN
SERVICES = ("berichtenbox", "zaken", "gegevens", "notifier", "portal")
# Server certificates: the compose host names beside localhost (and those of the cluster's
# nodes and replica set members, docker-compose.cluster.yml, which share one certificate each).
SERVERS = {
    "rabbitmq": ("localhost", "rabbitmq", "rabbitmq-1", "rabbitmq-2", "rabbitmq-3"),
    "ferretdb": ("localhost", "ferretdb", "mongo", "mongo-1", "mongo-2", "mongo-3"),
    "smtp": ("localhost", "smtp", "mailpit"),
}
_TEST_NL = (("C", "NL"), ("O", "Staat der Nederlanden (TEST)"))
_PLATFORM = (("C", "NL"), ("O", PLATFORM_NAME))


@dataclass(frozen=True)
class Ca:
    subject: Subject
    issuer: str | None = None  # None: a self-signed root
    path_length: int | None = None
    trusted: bool = True  # in the broker's CA bundle, with a CRL in crl/
    revoked: bool = False  # listed in its issuer's CRL


# In issuing order. A revoked TSP CA is PKIoverheid history (DigiNotar, 2011): the broker
# checks the CRLs of the CAs above a certificate too, not only the certificate's own.
AUTHORITIES = {
    "root": Ca((*_TEST_NL, ("CN", "TEST Staat der Nederlanden Private Root CA - G1"))),
    "domain": Ca(
        (*_TEST_NL, ("CN", "TEST Staat der Nederlanden Private Services CA - G1")), "root", 1
    ),
    "issuing": Ca((*_PLATFORM, ("CN", "TEST MijnOverheid Private Services CA - G1")), "domain", 0),
    "revoked-issuing": Ca(
        (*_PLATFORM, ("CN", "TEST Revoked Private Services CA - G1")),
        "domain",
        0,
        trusted=False,
        revoked=True,
    ),
    "foreign": Ca(
        (("C", "NL"), ("O", "Elders (TEST)"), ("CN", "TEST Foreign Root CA")), trusted=False
    ),
}


@dataclass(frozen=True)
class Leaf:
    """One end-entity certificate to have: where it goes and what it must say."""

    group: str  # organisations | services | servers | invalid
    name: str
    subject: Subject
    profile: LeafProfile
    issuer: str = "issuing"  # a key of AUTHORITIES
    expired: bool = False
    revoked: bool = False

    def spec(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def organisation_subject(name: str, oin: str, system: str) -> Subject:
    """The PKIoverheid shape: the OIN in subject serialNumber, the organisation in O."""
    return (("C", "NL"), ("O", name), ("serialNumber", oin), ("CN", system))


def catalogue(registry: OrganisationRegistry, platform_oin: str) -> list[Leaf]:
    client = LeafProfile(("clientAuth",))
    leaves = [
        Leaf(
            "organisations",
            org.broker_user,
            organisation_subject(org.name, org.oin, f"{org.broker_user}-systeem"),
            client,
        )
        for org in registry.organisations
    ]
    leaves += [
        Leaf(
            "services", service, organisation_subject(PLATFORM_NAME, platform_oin, service), client
        )
        for service in SERVICES
    ]
    leaves += [
        Leaf(
            "servers",
            server,
            organisation_subject(PLATFORM_NAME, platform_oin, "localhost"),
            LeafProfile(("serverAuth",), dns_names, ("127.0.0.1",)),
        )
        for server, dns_names in SERVERS.items()
    ]
    victim, other = registry.organisations[0], registry.organisations[1]
    own = organisation_subject(victim.name, victim.oin, f"{victim.broker_user}-systeem")
    wrong_oin = organisation_subject(victim.name, other.oin, f"{victim.broker_user}-systeem")
    leaves += [
        Leaf("invalid", "expired", own, client, expired=True),
        Leaf("invalid", "revoked", own, client, revoked=True),
        Leaf("invalid", "foreign-ca", own, client, issuer="foreign"),
        Leaf("invalid", "revoked-ca", own, client, issuer="revoked-issuing"),
        Leaf("invalid", "wrong-oin", wrong_oin, client),
    ]
    return leaves
