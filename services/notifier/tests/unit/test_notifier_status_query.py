"""notification-status-requested → notification-status-report: the report's id is derived from
the requester and its request id, so requesters whose ids happen to be equal (event ids are
unique per source only) never get reports with one id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, derived_event_id, encode, source_for
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.gate import Subscription
from mijnoverheid_testing.processing_log import ReadsInMemory
from notifier.adapters.outbound import RefusedInReport
from notifier.entrypoints.subscriptions import subscriptions
from notifier.handlers.dispatch import Dispatcher
from notifier.handlers.query import StatusQueryHandler
from notifier.ports import NotificationQueries
from services.notifier.tests.unit.fakes import PUBLISHERS, NoNotifications, RecordingPublisher

NOTIFIER = source_for("00000001234567890000", "notifier")
BELASTINGDIENST = ("00000001003214345000", "belastingdienst")
GEMEENTE = ("00000001001234567000", "gemeente-voorbeeldstad")
NOW = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
REQUEST_ID = "request-1"


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def handler(registry: OrganisationRegistry, publisher: RecordingPublisher) -> Subscription:
    """The status request's subscription (its gate in front of the handler)."""
    # The query reads only get, find and overdue_reported_at of its store.
    none = cast(NotificationQueries, NoNotifications())
    query = StatusQueryHandler(none, publisher, NOTIFIER, lambda: NOW, ReadsInMemory())
    answer = RefusedInReport(publisher, NOTIFIER, lambda: NOW)
    placeholder = cast(Dispatcher, None)  # only the triggers' subscriptions use it
    found = subscriptions(placeholder, query, registry, answer, PUBLISHERS)
    return next(s for s in found if s.queue.name == "notifier.notification-status-requested")


def request(
    sender: tuple[str, str], *, source_oin: str | None = None, **data: Any
) -> InboundDelivery:
    oin, broker_user = sender
    event = CloudEvent(
        specversion="1.0",
        id=REQUEST_ID,
        source=source_for(source_oin or oin, "aanslagen"),
        type=events.NOTIFICATION_STATUS_REQUESTED.type,
        time=NOW,
        data={"notification_ids": ["5b0c9f3e-2f6a-5d1e-9c44-0e6f1b2a7c10"], **data},
    )
    key = events.NOTIFICATION_STATUS_REQUESTED.key(oin)
    return InboundDelivery(
        body=encode(event), routing_key=key, user_id=broker_user, message_id=None
    )


async def test_equal_request_ids_of_two_organisations_get_reports_with_different_ids(
    handler: Subscription, publisher: RecordingPublisher
) -> None:
    await handler(request(BELASTINGDIENST))
    await handler(request(GEMEENTE))
    [(theirs, their_key), (mine, my_key)] = publisher.published
    assert (their_key, my_key) == (
        events.NOTIFICATION_STATUS_REPORT.key(BELASTINGDIENST[0]),
        events.NOTIFICATION_STATUS_REPORT.key(GEMEENTE[0]),
    )
    assert theirs.data["requested_event_id"] == mine.data["requested_event_id"] == REQUEST_ID
    assert theirs.id != mine.id
    assert theirs.id == derived_event_id(
        source_for(BELASTINGDIENST[0], "aanslagen"), REQUEST_ID, "notification-status-report"
    )


async def test_the_same_request_again_gets_a_report_with_the_same_id(
    handler: Subscription, publisher: RecordingPublisher
) -> None:
    await handler(request(BELASTINGDIENST))
    await handler(request(BELASTINGDIENST))
    [(first, _), (again, _)] = publisher.published
    assert first.id == again.id


async def test_a_refused_request_gets_an_id_of_its_sender_not_of_the_source_it_claims(
    handler: Subscription, publisher: RecordingPublisher
) -> None:
    await handler(request(BELASTINGDIENST))
    # The gemeente claims the Belastingdienst's source: refused (identity mismatch).
    await handler(request(GEMEENTE, source_oin=BELASTINGDIENST[0]))
    await handler(request(BELASTINGDIENST, notification_ids="not a list"))
    [(accepted, _), (mismatch, key), (invalid, _)] = publisher.published
    assert mismatch.data["rejected"]["reason"] == "identity-mismatch"
    assert key == events.NOTIFICATION_STATUS_REPORT.key(GEMEENTE[0])
    assert invalid.data["rejected"] is not None
    assert len({accepted.id, mismatch.id, invalid.id}) == 3
    assert mismatch.id == derived_event_id(GEMEENTE[0], REQUEST_ID, "notification-status-report")
