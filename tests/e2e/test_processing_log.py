"""The processing log against the real services: every kind of read of personal data produces
exactly one record with its action, activity and party; the spans reach an OTLP receiver over
HTTP (a real collector's protocol, from the services' own processes) with only the standard's
`dpl.core.*` attributes and a pseudonym for the citizen; the citizen's copy lists them, and
another citizen never sees them."""

from __future__ import annotations

import base64
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mijnoverheid.contracts import events
from mijnoverheid.processing_log.model import (
    DATA_SUBJECT_ID,
    DATA_SUBJECT_ID_TYPE,
    FOREIGN_OPERATION_PROCESSOR,
    PROCESSING_ACTIVITY_ID,
)
from mijnoverheid.processing_log.subjects import SubjectPseudonyms
from mijnoverheid.settings import DEV_TOKEN_ISSUER
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.organisation import about, message_sent
from mijnoverheid_testing.otlp import OtlpReceiver
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.processing_log import ask
from mijnoverheid_testing.waiting import wait_until
from services.gegevens.tests.events import registration_changed
from tests.security.test_inbound_attacks import _case_status

pytestmark = pytest.mark.integration

OWNER, SECOND, OTHER, ASKED = random_bsn(), random_bsn(), random_bsn(), random_bsn()
SUBJECT_KEY = "test-processing-log-subject-key-" + uuid.uuid4().hex
PSEUDONYMS = SubjectPseudonyms(SUBJECT_KEY.encode())
REGISTER = "urn:nld:oin:00000001234567890000:verwerkingsactiviteit:"
PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()
SERVICES = ("berichtenbox", "zaken", "gegevens", "notifier")


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver().running() as running:
        yield running


@pytest.fixture(scope="module")
async def urls(platform: Platform, receiver: OtlpReceiver) -> dict[str, str]:
    environment = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "PROCESSING_LOG_SUBJECT_KEY": SUBJECT_KEY,
    }
    started = {name: platform.service(name).start(**environment) for name in SERVICES}
    for process in started.values():
        await process.ready()
    return {name: process.base_url for name, process in started.items()}


def citizen(platform: Platform, base_url: str, bsn: str) -> httpx.AsyncClient:
    token = platform.stack.citizen_token(bsn)
    return httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"})


async def own_log(platform: Platform, url: str, bsn: str, party: str) -> list[dict[str, Any]]:
    async with citizen(platform, url, bsn) as client:
        response = await client.get("/api/v1/processing-log", params={"party": party})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    return list(response.json()["items"])


@pytest.fixture(scope="module")
async def reads(platform: Platform, urls: dict[str, str]) -> dict[str, Any]:
    """Every kind of read, once: the owner's own through the citizen APIs, the organisations'
    queries over the broker. Returns what the test needs to find them again."""
    async with platform.client("belastingdienst") as belastingdienst:
        await belastingdienst.enrol(OWNER, SECOND)
        sent = {}
        for bsn in (OWNER, SECOND):
            attachment = {"file_name": "a.pdf", "media_type": "application/pdf", "content": PDF}
            event = message_sent(belastingdienst.organisation, bsn, attachments=[attachment])
            await belastingdienst.publish(event)
            delivered = await belastingdienst.next_event("message-delivered", about(event["id"]))
            sent[bsn] = delivered["data"]["message_id"]
            await belastingdienst.next_event("notification-status", about_message(sent[bsn]))
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        case = _case_status(gemeente, bsn=OWNER)
        oin = gemeente.organisation.oin
        await gemeente.publish(case, routing_key=events.CASE_STATUS_CHANGED.key(oin))
        registration = registration_changed(gemeente.organisation, OWNER)
        await gemeente.publish(registration, routing_key=events.REGISTRATION_CHANGED.key(oin))
    message = sent[OWNER]
    async with citizen(platform, urls["zaken"], OWNER) as owner:
        cases = await wait_until(
            lambda: _listed(owner, "/api/v1/cases", "items"), what="the owner's case"
        )
    async with citizen(platform, urls["gegevens"], OWNER) as owner:
        await wait_until(
            lambda: _listed(owner, "/api/v1/registrations", "organisations"),
            what="the owner's registration",
        )
        overview = (await owner.get("/api/v1/registrations")).json()
    registration_id = overview["organisations"][0]["registers"][0]["registrations"][0][
        "registration_id"
    ]
    own_reads = {
        "berichtenbox": [
            "/api/v1/messages",
            "/api/v1/folders",
            f"/api/v1/messages/{message}",
            f"/api/v1/messages/{message}/attachments/0",
            f"/api/v1/messages/{message}/trail",
            f"/api/v1/messages/{message}/receipt",
        ],
        "zaken": ["/api/v1/cases", f"/api/v1/cases/{cases[0]['case_id']}"],
        "gegevens": ["/api/v1/registrations", f"/api/v1/registrations/{registration_id}"],
        "notifier": ["/api/v1/contact-details"],
    }
    # What the waits above read is recorded too: the test counts from here.
    before = {name: len(await own_log(platform, url, OWNER, "self")) for name, url in urls.items()}
    for service, paths in own_reads.items():
        async with citizen(platform, urls[service], OWNER) as owner:
            for path in paths:
                assert (await owner.get(path)).status_code == 200, path
    async with platform.client("belastingdienst") as belastingdienst:
        both = {"message_ids": [sent[OWNER], sent[SECOND]], "include_trail": False}
        status_request, _ = await ask(
            belastingdienst, events.MESSAGE_STATUS_REQUESTED, both, "message-status"
        )
        await ask(
            belastingdienst,
            events.DIGITAL_DELIVERY_REQUESTED,
            {"bsns": [ASKED]},
            "digital-delivery",
        )
        by_message = {"message_id": message}
        await ask(
            belastingdienst,
            events.NOTIFICATION_STATUS_REQUESTED,
            by_message,
            "notification-status-report",
        )
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        identificaties = {"identificaties": [case["data"]["identificatie"]]}
        await ask(gemeente, events.CASE_STATE_REQUESTED, identificaties, "case-state")
    return {"before": before, "status_request": status_request}


def about_message(message_id: str) -> Any:
    """The Notifier's status of the notification about this message: it exists."""

    def matches(event: dict[str, Any]) -> bool:
        return bool(event["data"].get("message_id") == message_id)

    return matches


async def _listed(client: httpx.AsyncClient, path: str, key: str) -> list[Any]:
    return list((await client.get(path)).json()[key])


def actions(items: list[dict[str, Any]]) -> Counter[str]:
    return Counter(item["action"] for item in items)


async def test_each_own_read_is_recorded_once_as_the_citizens_own(
    platform: Platform, urls: dict[str, str], reads: dict[str, Any]
) -> None:
    berichtenbox = "messages-listed folders-listed message-read attachment-read trail-read"
    expected = {
        "berichtenbox": {*berichtenbox.split(), "receipt-read"},
        "zaken": {"cases-listed", "case-read"},
        "gegevens": {"registrations-listed", "registration-read"},
        "notifier": {"contact-details-read"},
    }
    for service, url in urls.items():
        items = await own_log(platform, url, OWNER, "self")
        new = items[: len(items) - reads["before"][service]]  # newest first
        assert actions(new) == Counter(expected[service]), service
        for item in new:
            assert item["party"] == {"kind": "citizen", "oin": None, "authorisation_id": None}
            assert item["status"] == "unset"
            assert item["activity"]["id"] == REGISTER + item["activity"]["code"]
            assert item["activity"]["purpose"]["nl"]


async def test_each_organisation_query_is_recorded_once_for_each_citizen_it_read(
    platform: Platform, urls: dict[str, str], reads: dict[str, Any]
) -> None:
    belastingdienst = platform.organisation("belastingdienst").oin
    gemeente = platform.organisation("gemeente-voorbeeldstad").oin
    berichtenbox = await own_log(platform, urls["berichtenbox"], OWNER, "others")
    status = [item for item in berichtenbox if item["action"] == "message-status-queried"]
    assert [item["party"]["oin"] for item in status] == [belastingdienst]
    second = await own_log(platform, urls["berichtenbox"], SECOND, "others")
    assert actions(second)["message-status-queried"] == 1
    asked = await own_log(platform, urls["berichtenbox"], ASKED, "others")
    assert actions(asked) == Counter({"digital-delivery-queried": 1})
    cases = await own_log(platform, urls["zaken"], OWNER, "others")
    assert [(i["action"], i["party"]["oin"]) for i in cases] == [("case-state-queried", gemeente)]
    notifier = await own_log(platform, urls["notifier"], OWNER, "others")
    assert [i["action"] for i in notifier] == ["notification-status-queried"]
    assert all(i["party"]["kind"] == "organisation" for i in berichtenbox + cases + notifier)


async def test_the_spans_reach_the_receiver_with_only_the_standards_attributes(
    platform: Platform, urls: dict[str, str], reads: dict[str, Any], receiver: OtlpReceiver
) -> None:
    owner = PSEUDONYMS.of(OWNER)
    recorded = []
    for url in urls.values():
        for party in ("self", "others"):
            recorded += await own_log(platform, url, OWNER, party)

    def all_there() -> list[Any]:
        found = receiver.with_attribute(DATA_SUBJECT_ID, owner)
        return found if len(found) >= len(recorded) else []

    spans = await wait_until(all_there, timeout=30, what="the owner's spans at the receiver")
    assert sorted((s.trace_id, s.span_id) for s in spans) == sorted(
        (item["trace_id"], item["span_id"]) for item in recorded
    )
    allowed = {
        PROCESSING_ACTIVITY_ID,
        DATA_SUBJECT_ID,
        DATA_SUBJECT_ID_TYPE,
        FOREIGN_OPERATION_PROCESSOR,
    }
    for span in receiver.spans:
        assert set(span.attributes) <= allowed
        for bsn in (OWNER, SECOND, ASKED):
            assert bsn not in str(span)
    for span in spans:
        assert span.attributes[DATA_SUBJECT_ID_TYPE] == PSEUDONYMS.id_type
        assert span.attributes[PROCESSING_ACTIVITY_ID].startswith(REGISTER)
        assert span.resource["service.name"] in SERVICES
    own = [s for s in spans if s.attributes[FOREIGN_OPERATION_PROCESSOR] == DEV_TOKEN_ISSUER]
    assert len(own) == sum(1 for item in recorded if item["party"]["kind"] == "citizen")
    # The query about two citizens: its own span names nobody, one span per citizen under it.
    source = reads["status_request"]["source"]
    query_spans = [
        s for s in receiver.spans if s.attributes.get(FOREIGN_OPERATION_PROCESSOR) == source
    ]
    [parent] = [s for s in query_spans if DATA_SUBJECT_ID not in s.attributes]
    children = [s for s in query_spans if s.parent_span_id == parent.span_id]
    assert {s.attributes[DATA_SUBJECT_ID] for s in children} >= {owner, PSEUDONYMS.of(SECOND)}


async def test_a_callers_trace_context_is_the_records_parent(
    platform: Platform, urls: dict[str, str], receiver: OtlpReceiver
) -> None:
    trace_id, parent_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    headers = {"traceparent": f"00-{trace_id}-{parent_id}-00"}  # not sampled: recorded anyway
    async with citizen(platform, urls["notifier"], OTHER) as other:
        assert (await other.get("/api/v1/contact-details", headers=headers)).status_code == 200
    [item] = await own_log(platform, urls["notifier"], OTHER, "self")
    assert item["trace_id"] == trace_id
    spans = await wait_until(
        lambda: [s for s in receiver.spans if s.span_id == item["span_id"]], what="its span"
    )
    assert (spans[0].trace_id, spans[0].parent_span_id) == (trace_id, parent_id)


async def test_an_organisations_trace_context_is_the_parent_of_its_querys_records(
    platform: Platform, urls: dict[str, str], receiver: OtlpReceiver
) -> None:
    """The CloudEvents Distributed Tracing extension: the query's `traceparent`."""
    asked, trace_id, parent_id = random_bsn(), uuid.uuid4().hex, uuid.uuid4().hex[:16]
    async with platform.client("belastingdienst") as belastingdienst:
        route, data = events.DIGITAL_DELIVERY_REQUESTED, {"bsns": [asked]}
        traceparent = f"00-{trace_id}-{parent_id}-01"
        await ask(belastingdienst, route, data, "digital-delivery", traceparent=traceparent)
    [item] = await own_log(platform, urls["berichtenbox"], asked, "others")
    assert item["trace_id"] == trace_id
    spans = await wait_until(
        lambda: [s for s in receiver.spans if s.span_id == item["span_id"]], what="its span"
    )
    assert spans[0].parent_span_id == parent_id


async def test_another_citizen_never_sees_them_and_no_log_line_names_a_citizen(
    platform: Platform, urls: dict[str, str], reads: dict[str, Any]
) -> None:
    for url in urls.values():
        for party in ("self", "others"):
            theirs = await own_log(platform, url, OTHER, party)
            mine = {i["span_id"] for i in await own_log(platform, url, OWNER, party)}
            assert not mine & {item["span_id"] for item in theirs}
    for process in platform.processes.values():
        text = process.log_path.read_text(errors="replace")
        for bsn in (OWNER, SECOND, ASKED):
            assert bsn not in text, process.name
