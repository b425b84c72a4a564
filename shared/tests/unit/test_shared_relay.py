"""The relay concept of the inbound gate (the ZGW connector publishing for organisations), and
the registry's zgw section: judged without I/O."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.contracts.zaken import CaseStatusChanged
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted, Refused, Relay, accept_inbound
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.provisioning import RELAY_USER, definitions

GEMEENTE = "00000001001234567000"  # has zgw in config/organisations.yaml
UWV = "00000001005656565000"  # registered for zaken, no zgw
RELAY = Relay("zgw-connector", frozenset({GEMEENTE}))


def status_event(oin: str, **data: Any) -> bytes:
    document = {
        "specversion": "1.0",
        "id": "zgw-1",
        "source": source_for(oin, "zgw-connector"),
        "type": events.CASE_STATUS_CHANGED.type,
        "time": "2026-03-04T14:02:11+01:00",
        "data": {
            "identificatie": "ZAAK-1",
            "bsn": "999993653",
            "zaaktype_omschrijving": "Aanvraag parkeervergunning",
            "statustype_code": "in-behandeling",
            "statustype_omschrijving": "In behandeling",
            "datum_status_gezet": "2026-03-04T14:00:00+01:00",
            "is_eindstatus": False,
            "dossier_url": "https://loket.voorbeeldstad.example/zaken/ZAAK-1",
            "informeren": False,
            **data,
        },
    }
    return json.dumps(document).encode()


def judge(
    registry: OrganisationRegistry, body: bytes, user: str, oin: str, relay: Relay | None = RELAY
) -> Accepted[Any] | Refused:
    delivery = InboundDelivery(body, events.CASE_STATUS_CHANGED.key(oin), user, "m-1")
    route = events.CASE_STATUS_CHANGED
    return accept_inbound(
        delivery, registry, "zaken", route.type, CaseStatusChanged, route.max_bytes, relay
    )


def test_a_relay_speaks_for_the_organisation_its_routing_key_names(
    registry: OrganisationRegistry,
) -> None:
    outcome = judge(registry, status_event(GEMEENTE), "zgw-connector", GEMEENTE)
    assert isinstance(outcome, Accepted)
    assert outcome.sender.oin == GEMEENTE
    assert outcome.relayed_by == "zgw-connector"
    assert outcome.data.informeren is False


def test_a_relay_never_speaks_for_an_organisation_it_does_not_serve(
    registry: OrganisationRegistry,
) -> None:
    # UWV is registered for zaken but not configured for the connector: nobody is told, ops is.
    with pytest.raises(UnprocessableEventError, match="does not serve"):
        judge(registry, status_event(UWV), "zgw-connector", UWV)


def test_an_unknown_oin_in_the_routing_key_is_no_one(registry: OrganisationRegistry) -> None:
    with pytest.raises(UnprocessableEventError):
        judge(registry, status_event(GEMEENTE), "zgw-connector", "0" * 20)


def test_without_a_configured_relay_its_user_is_nobody(registry: OrganisationRegistry) -> None:
    with pytest.raises(UnprocessableEventError, match="not a registered organisation"):
        judge(registry, status_event(GEMEENTE), "zgw-connector", GEMEENTE, relay=None)


def test_a_relayed_event_must_name_the_organisation_in_its_source(
    registry: OrganisationRegistry,
) -> None:
    body = status_event(GEMEENTE).replace(GEMEENTE.encode(), UWV.encode(), 1)
    outcome = judge(registry, body, "zgw-connector", GEMEENTE)
    assert isinstance(outcome, Refused)
    assert outcome.reason == "identity-mismatch"


def test_an_organisation_still_publishes_for_itself_beside_the_relay(
    registry: OrganisationRegistry,
) -> None:
    outcome = judge(registry, status_event(GEMEENTE), "gemeente-voorbeeldstad", GEMEENTE)
    assert isinstance(outcome, Accepted)
    assert outcome.relayed_by is None


def _with_zgw(registry: OrganisationRegistry, broker_user: str, **zgw: Any) -> dict[str, Any]:
    document = registry.model_dump(mode="json")
    for org in document["organisations"]:
        if org["broker_user"] == broker_user:
            org["zgw"] = {
                "zaken_api": "https://zaken.example/zaken/api/v1/",
                "catalogi_api": "https://zaken.example/catalogi/api/v1/",
                "client_id": "mijnoverheid",
                "notification_client_id": f"{broker_user}-on",
                "dossier_url": f"https://{org['dossier_hosts'][0]}/zaken/{{identificatie}}",
                **zgw,
            }
    return document


@pytest.mark.parametrize(
    ("broker_user", "zgw", "problem"),
    [
        ("uwv", {"dossier_url": "https://elsewhere.example/{identificatie}"}, "dossier_hosts"),
        ("uwv", {"dossier_url": "https://mijn.uwv.example/zaken"}, "identificatie"),
        ("uwv", {"zaken_api": "https://zaken.example/zaken/api/v1"}, "trailing"),
        ("uwv", {"zaken_api": "ftp://zaken.example/"}, "root URL"),
        ("uwv", {"catalogi_api": "https://user:pw@zaken.example/"}, "root URL"),
        ("uwv", {"notification_client_id": "voorbeeldstad-open-notificaties"}, "duplicate"),
        ("rdw", {}, "zaken service"),
    ],
)
def test_the_registry_refuses_a_zgw_section_that_cannot_be_right(
    registry: OrganisationRegistry, broker_user: str, zgw: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        OrganisationRegistry.model_validate(_with_zgw(registry, broker_user, **zgw))


def test_the_registry_finds_an_organisation_by_its_notification_client(
    registry: OrganisationRegistry,
) -> None:
    found = registry.by_notification_client("voorbeeldstad-open-notificaties")
    assert found is not None
    assert found.oin == GEMEENTE
    assert registry.by_notification_client("nobody") is None
    assert found.zgw is not None
    assert found.zgw.api_hosts == {"localhost"}
    assert [org.oin for org in registry.zgw_organisations] == [GEMEENTE]


def test_provisioning_grants_the_relay_only_its_organisations_keys(
    registry: OrganisationRegistry,
) -> None:
    generated = definitions(registry)
    [permissions] = [p for p in generated["permissions"] if p["user"] == RELAY_USER]
    [topics] = [p for p in generated["topic_permissions"] if p["user"] == RELAY_USER]
    write = re.compile(topics["write"])
    assert write.fullmatch(f"zaken.case-status-changed.{GEMEENTE}")
    assert write.fullmatch(f"zaken.case-withdrawn.{GEMEENTE}")
    assert write.fullmatch("zgw-connector.thin-event.10s")
    for refused in (
        f"zaken.case-status-changed.{UWV}",
        f"zaken.case-state-requested.{GEMEENTE}",
        f"berichtenbox.message-sent.{GEMEENTE}",
        f"zaken.case-status-recorded.{GEMEENTE}",
        "notifier.retry",
        f"zaken.case-status-changed.{GEMEENTE}x",
    ):
        assert not write.fullmatch(refused), refused
    assert not re.fullmatch(topics["read"], f"zaken.case-status-recorded.{GEMEENTE}")
    assert not re.fullmatch(permissions["configure"], "mijnoverheid")
    assert not re.fullmatch(permissions["write"], "amq.default")
    assert re.fullmatch(permissions["configure"], "zgw-connector.thin-event.dead-letter")
