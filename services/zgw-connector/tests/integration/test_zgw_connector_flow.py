"""Open Zaak's thin events through the connector into Lopende Zaken and the Notifier: real
broker, database and SMTP server, real processes, the project's own ZGW API as Open Zaak."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mijnoverheid.identity import Organisation
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.drained import drained
from mijnoverheid_testing.notifier import Notifier
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.services import ServiceProcess
from mijnoverheid_testing.waiting import wait_until
from mijnoverheid_testing.zgw.api import ZgwApi
from mijnoverheid_testing.zgw.data import Resource
from mijnoverheid_testing.zgw.notificaties import GEMUTEERD, VERWIJDERD, thin_event

pytestmark = pytest.mark.integration

NOTICE = "Nieuws over uw lopende zaak op MijnOverheid"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Connector = Any  # conftest.Connector


def a_case(
    api: ZgwApi, bsn: str | None, *, informeren: bool = True, statuses: int = 2
) -> tuple[Resource, list[Resource]]:
    """A zaak of a citizen with `statuses` statuses (each type informs as told)."""
    zaaktype = api.data.zaaktype("Aanvraag parkeervergunning")
    types = [
        api.data.statustype(zaaktype, "Aanvraag ontvangen", 1, informeren=informeren),
        api.data.statustype(zaaktype, "In behandeling", 2, informeren=informeren),
    ]
    zaak = api.data.zaak(zaaktype, f"ZAAK-{uuid.uuid4().hex[:10]}")
    if bsn is not None:
        api.data.initiator(zaak, bsn)
    for index in range(statuses):
        api.data.status(zaak, types[index], T0 + timedelta(days=index), f"Stap {index + 1}.")
    return zaak, types


async def recorded(platform: Platform, bsn: str) -> list[dict[str, Any]]:
    return [s async for s in platform.database("zaken").case_statuses.find({"bsn": bsn})]


def notices(platform: Platform, email: str) -> list[Any]:
    return [mail for mail in platform.smtp.mails_to(email) if NOTICE in mail.text]


async def settled(platform: Platform) -> None:
    """Everything the services that run here do in response has been done (the Berichtenbox
    does not run: its queue of notification statuses fills up, unread)."""
    await drained(platform.stack, platform.vhost, prefix=("zgw-connector.", "zaken.", "notifier."))


def fetched(api: ZgwApi, zaak: Resource) -> list[tuple[str, str, str | None]]:
    return [request for request in api.requests if zaak["uuid"] in request[1]]


async def test_a_thin_event_becomes_a_recorded_status_and_a_notice(
    zgw_platform: Platform,
    zgw_api: ZgwApi,
    connector: Connector,
    zaken: ServiceProcess,
    notifier: Notifier,
    gemeente: Organisation,
) -> None:
    bsn, email = random_bsn(), notifier.address()
    await notifier.verified(bsn, email)
    zaak, types = a_case(zgw_api, bsn)
    answer = await connector.notificaties.deliver(thin_event(GEMUTEERD, zaak))
    assert answer.status_code == 202
    statuses = await wait_until(
        lambda: _all(recorded(zgw_platform, bsn), 2), what="both statuses recorded"
    )
    by_code = {status["statustype_code"]: status for status in statuses}
    current = by_code[types[1]["url"].rsplit("/", 1)[-1]]
    assert current["statustype_omschrijving"] == "In behandeling"
    assert current["identificatie"] == zaak["identificatie"]
    assert current["organisation_oin"] == gemeente.oin
    assert current["event_source"] == f"urn:nld:oin:{gemeente.oin}:systeem:zgw-connector"
    assert current["dossier_url"] == (
        f"https://loket.voorbeeldstad.example/zaken/{zaak['identificatie']}"
    )
    assert current["informeren"] is True
    assert by_code[types[0]["url"].rsplit("/", 1)[-1]]["informeren"] is False, "history"
    await wait_until(lambda: notices(zgw_platform, email), what="the notice of the case")
    # The ZGW API was read as its OpenAPI document says: JWT-ZGW, paged lists followed.
    assert {client for _, _, client in fetched(zgw_api, zaak)} == {"mijnoverheid-zgw-connector"}
    assert any("page=2" in path for _, path, _ in zgw_api.requests), "paging was followed"
    await settled(zgw_platform)
    assert len(notices(zgw_platform, email)) == 1, "one notice: history is never news"


async def _all(found: Any, count: int) -> list[dict[str, Any]] | None:
    statuses = await found
    return statuses if len(statuses) >= count else None


async def test_a_replayed_event_changes_nothing_and_is_answered_as_received(
    zgw_platform: Platform, zgw_api: ZgwApi, connector: Connector, zaken: ServiceProcess
) -> None:
    bsn = random_bsn()
    zaak, _ = a_case(zgw_api, bsn)
    event = thin_event(GEMUTEERD, zaak)
    assert (await connector.notificaties.deliver(event)).status_code == 202
    await wait_until(lambda: _all(recorded(zgw_platform, bsn), 2), what="the statuses")
    await settled(zgw_platform)
    before, requests = await recorded(zgw_platform, bsn), len(fetched(zgw_api, zaak))
    replay = await connector.notificaties.deliver(event)
    assert replay.status_code == 202, "a replay is answered as received"
    await settled(zgw_platform)
    assert await recorded(zgw_platform, bsn) == before
    assert len(fetched(zgw_api, zaak)) == requests, "nothing fetched again"


async def test_an_event_for_a_zaak_on_an_unregistered_host_is_refused(
    zgw_platform: Platform, zgw_api: ZgwApi, connector: Connector
) -> None:
    zaak, _ = a_case(zgw_api, random_bsn())
    elsewhere = f"https://zaken.elders.example/zaken/api/v1/zaken/{zaak['uuid']}"
    answer = await connector.notificaties.deliver(thin_event(GEMUTEERD, zaak, dataref=elsewhere))
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "url-not-allowed"
    await settled(zgw_platform)
    assert fetched(zgw_api, zaak) == [], "nothing fetched"


async def test_an_event_before_its_case_is_complete_is_retried_then_recorded(
    zgw_platform: Platform, zgw_api: ZgwApi, connector: Connector, zaken: ServiceProcess
) -> None:
    bsn = random_bsn()
    zaak, types = a_case(zgw_api, None, statuses=0)  # registered: no status, no initiator yet
    assert (await connector.notificaties.deliver(thin_event(GEMUTEERD, zaak))).status_code == 202
    await wait_until(
        lambda: (
            len([r for r in fetched(zgw_api, zaak) if r[1].startswith("/zaken/api/v1/zaken/")]) >= 2
        ),
        what="the zaak read again after a delay",
    )
    zgw_api.data.initiator(zaak, bsn)
    zgw_api.data.status(zaak, types[0], T0)
    statuses = await wait_until(lambda: _all(recorded(zgw_platform, bsn), 1), what="recorded")
    assert statuses[0]["identificatie"] == zaak["identificatie"]


async def test_an_event_whose_case_never_completes_is_dead_lettered(
    zgw_platform: Platform, zgw_api: ZgwApi, connector: Connector
) -> None:
    zaak, _ = a_case(zgw_api, random_bsn(), statuses=0)
    assert (await connector.notificaties.deliver(thin_event(GEMUTEERD, zaak))).status_code == 202

    def dead_letters() -> int:
        with zgw_platform.stack.management() as management:
            queue = management.get(
                f"/api/queues/{zgw_platform.vhost}/zgw-connector.thin-event.dead-letter"
            )
        return int(queue.json().get("messages", 0)) if queue.status_code == 200 else 0

    await wait_until(lambda: dead_letters() >= 1, timeout=60, what="the event dead-lettered")
    zaak_reads = [r for r in fetched(zgw_api, zaak) if r[1].startswith("/zaken/api/v1/zaken/")]
    assert len(zaak_reads) == 5, "tried ZGW_MAX_ATTEMPTS times, then given up"


async def test_a_status_whose_type_does_not_inform_is_shown_without_a_notice(
    zgw_platform: Platform,
    zgw_api: ZgwApi,
    connector: Connector,
    zaken: ServiceProcess,
    notifier: Notifier,
) -> None:
    bsn, email = random_bsn(), notifier.address()
    await notifier.verified(bsn, email)
    zaak, _ = a_case(zgw_api, bsn, informeren=False, statuses=1)
    assert (await connector.notificaties.deliver(thin_event(GEMUTEERD, zaak))).status_code == 202
    [status] = await wait_until(lambda: _all(recorded(zgw_platform, bsn), 1), what="recorded")
    assert status["informeren"] is False
    await settled(zgw_platform)
    assert notices(zgw_platform, email) == []


async def test_a_deleted_zaak_withdraws_its_case(
    zgw_platform: Platform, zgw_api: ZgwApi, connector: Connector, zaken: ServiceProcess
) -> None:
    bsn = random_bsn()
    zaak, _ = a_case(zgw_api, bsn, statuses=1)
    assert (await connector.notificaties.deliver(thin_event(GEMUTEERD, zaak))).status_code == 202
    await wait_until(lambda: _all(recorded(zgw_platform, bsn), 1), what="recorded")
    zgw_api.data.delete(zaak)
    assert (await connector.notificaties.deliver(thin_event(VERWIJDERD, zaak))).status_code == 202
    withdrawals = zgw_platform.database("zaken").case_withdrawals
    found = await wait_until(
        lambda: withdrawals.find_one({"identificatie": zaak["identificatie"]}),
        what="the case withdrawn",
    )
    assert found["organisation_oin"] == recorded_oin(await recorded(zgw_platform, bsn))


def recorded_oin(statuses: list[dict[str, Any]]) -> str:
    return str(statuses[0]["organisation_oin"])
