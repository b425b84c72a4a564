"""The handlers with in-memory fakes: at most one e-mail per trigger, retries scheduled and
resumed, every status change reported, bounces applied, and nothing trusted from the wrong
sender."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import CloudEvent, encode, source_for
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.settings import REPOSITORY_ROOT
from mijnoverheid_testing.dsn import delivery_status_report
from mijnoverheid_testing.stack import demo_registry
from notifier.adapters.smtp import bounce_tag, return_path
from notifier.adapters.templates import TemplateRenderer
from notifier.domain.attempt import Deferred, Refused, RetryPolicy, smtp_reply
from notifier.domain.contact import Contact, Language
from notifier.domain.notification import notification_id_for
from notifier.handlers.bounces import DONE, IGNORED, LATER, BounceHandler
from notifier.handlers.dispatch import Dispatcher, Timing
from notifier.ports import NotificationBusyError
from notifier.settings import DEV_BOUNCE_SECRET
from services.notifier.tests.unit.fakes import (
    QUEUED,
    START,
    Clock,
    Contacts,
    InMemoryNotificationStore,
    RecordingPublisher,
    Retries,
    ScriptedMailer,
    World,
    gates,
)

BERICHTENBOX = source_for("00000001234567890000", "berichtenbox")
SOURCE = source_for("00000001234567890000", "notifier")
OIN = "00000001003214345000"
BSN = "999993653"
ADDRESS = "burger@example.nl"
LEASE = timedelta(seconds=90)
BOUNCE_SECRET = b"unit-test-bounce-secret"
BOUNCE_DOMAIN = "mijnoverheid.localhost"


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


@pytest.fixture
def world(registry: OrganisationRegistry) -> World:
    store, contacts = InMemoryNotificationStore(), Contacts({BSN: Contact(BSN, ADDRESS, START)})
    mailer = ScriptedMailer()
    retries, publisher, clock = Retries(), RecordingPublisher(), Clock()
    dispatcher = Dispatcher(
        store=store,
        contacts=contacts,
        mailer=mailer,
        renderer=TemplateRenderer("https://mijn.overheid.example"),
        retries=retries,
        publisher=publisher,
        source=SOURCE,
        timing=Timing(RetryPolicy((10, 60), max_attempts=3), LEASE, timedelta(hours=48)),
        clock=clock,
    )
    handler = gates(dispatcher, registry)["notifier.message-delivered"]
    return World(store, contacts, mailer, retries, publisher, clock, dispatcher, handler)


def delivered(event_id: str = "delivered-1", **data: Any) -> CloudEvent:
    return CloudEvent(
        specversion="1.0",
        id=event_id,
        source=BERICHTENBOX,
        type="nl.mijnoverheid.berichtenbox.message-delivered",
        time=START,
        data={
            "message_id": "message-1",
            "sent_event_id": "sent-1",
            "sender_oin": OIN,
            "reference": "KENMERK-1",
            "recipient_bsn": BSN,
            "legal_effect": True,
            "kind": "aanslag",
            "deadline": "2026-03-01",
            "delivered_at": START.isoformat(),
            **data,
        },
    )


def delivery(event: CloudEvent | bytes, user_id: str | None = "berichtenbox") -> InboundDelivery:
    body = event if isinstance(event, bytes) else encode(event)
    key = events.MESSAGE_DELIVERED.key(OIN)
    return InboundDelivery(body=body, routing_key=key, user_id=user_id, message_id=None)


async def test_a_verified_citizen_is_mailed_once_and_the_sender_told(world: World) -> None:
    event = delivered()
    await world.handler(delivery(event))

    notification_id = notification_id_for(BERICHTENBOX, event.id)
    [(to, email, sent_id)] = world.mailer.attempts
    assert (to, sent_id) == (ADDRESS, notification_id)
    assert "Belastingdienst" in email.text
    assert [c.status.value for c in world.store.only().history] == ["created", "sending", "sent"]
    assert world.statuses() == ["created", "sending", "sent"]
    assert [event.data["sequence"] for event, _ in world.publisher.published] == [1, 2, 3]
    for event, key in world.publisher.published:
        assert key == events.NOTIFICATION_STATUS.key(OIN)
        assert event.source == SOURCE
        assert BSN.encode() not in encode(event)
        assert ADDRESS.encode() not in encode(event)
    (status, _) = world.publisher.published[-1]
    assert status.data["status"] == "sent"
    assert status.data["smtp_reply"] == {
        "code": 250,
        "message": QUEUED.message,
        "queue_id": "4F2A1",
    }
    assert (status.data["message_id"], status.data["reference"]) == ("message-1", "KENMERK-1")


async def test_without_a_verified_address_nothing_is_sent_and_no_contact_told(world: World) -> None:
    world.contacts.contacts.clear()
    await world.handler(delivery(delivered()))
    assert world.mailer.attempts == []
    assert world.statuses() == ["created", "no-contact"]
    [(status, _)] = world.outcomes()
    assert (status.data["status"], status.data["reason"]) == ("no-contact", "no-verified-address")


async def test_a_5xx_is_final_even_when_the_trigger_comes_again(world: World) -> None:
    world.mailer.script = [Refused(smtp_reply(550, "5.7.1 rejected"))]
    await world.handler(delivery(delivered()))
    world.clock.now += LEASE * 2
    await world.handler(delivery(delivered()))
    assert len(world.mailer.attempts) == 1
    assert world.retries.scheduled == []
    # The redelivery re-emits the whole history, not a second attempt.
    assert world.statuses() == ["created", "sending", "permanent-failure"] * 2


async def test_a_4xx_schedules_a_retry_which_then_sends(world: World) -> None:
    world.mailer.script = [Deferred("relay-deferred", smtp_reply(451, "4.3.0 later"))]
    await world.handler(delivery(delivered()))
    notification_id = world.store.only().notification_id
    assert world.retries.scheduled == [(notification_id, 1, 0)]
    assert world.statuses() == ["created", "sending", "temporary-failure"]

    retry = gates(world.dispatcher, demo_registry())["notifier.retry"]
    command = f'{{"notification_id": "{notification_id}", "after_attempt": 1}}'.encode()
    await retry(InboundDelivery(command, "notifier.retry", "notifier", None))
    await retry(InboundDelivery(command, "notifier.retry", "notifier", None))  # a duplicate
    assert len(world.mailer.attempts) == 2
    assert world.statuses()[:5] == ["created", "sending", "temporary-failure", "sending", "sent"]
    assert world.store.only().status.value == "sent"


async def test_a_redelivered_trigger_during_the_backoff_reschedules_not_sends(
    world: World,
) -> None:
    world.mailer.script = [Deferred("connection-lost")]
    await world.handler(delivery(delivered()))
    await world.handler(delivery(delivered()))
    assert len(world.mailer.attempts) == 1
    assert len(world.retries.scheduled) == 2
    assert len(set(world.retries.scheduled)) == 1, "the same retry, deduplicated downstream"


async def test_a_stale_or_foreign_retry_does_nothing(world: World) -> None:
    world.mailer.script = [Deferred("connection-lost")]
    await world.handler(delivery(delivered()))
    notification_id = world.store.only().notification_id
    await world.dispatcher.retry(notification_id, after_attempt=5)
    await world.dispatcher.retry("unknown", after_attempt=1)
    assert len(world.mailer.attempts) == 1
    retry = gates(world.dispatcher, demo_registry())["notifier.retry"]
    with pytest.raises(UnprocessableEventError):
        await retry(InboundDelivery(b"{}", "notifier.retry", "berichtenbox", None))


async def test_deferrals_end_in_a_permanent_failure_after_the_last_attempt(world: World) -> None:
    world.mailer.script = [Deferred("relay-deferred")] * 3
    await world.handler(delivery(delivered()))
    for attempt in (1, 2):
        await world.dispatcher.retry(world.store.only().notification_id, attempt)
    assert len(world.mailer.attempts) == 3
    assert world.statuses() == [
        "created",
        "sending",
        "temporary-failure",
        "sending",
        "temporary-failure",
        "sending",
        "permanent-failure",
    ]
    assert world.publisher.published[-1][0].data["reason"] == "attempts-exhausted"
    assert [level for _, _, level in world.retries.scheduled] == [0, 1]


async def test_a_redelivery_after_success_re_emits_the_same_event_and_sends_nothing(
    world: World,
) -> None:
    await world.handler(delivery(delivered()))
    await world.handler(delivery(delivered()))
    assert len(world.mailer.attempts) == 1
    assert world.statuses() == ["created", "sending", "sent"] * 2
    first, second = world.publisher.published[:3], world.publisher.published[3:]
    assert [encode(event) for event, _ in first] == [encode(event) for event, _ in second]


async def test_a_notification_another_worker_is_sending_is_busy_until_its_lease_ends(
    world: World,
) -> None:
    event = delivered()
    notification_id = notification_id_for(BERICHTENBOX, event.id)
    await world.handler(delivery(event))
    # Pretend the first worker crashed right after its claim.
    claimed = world.store.only()
    world.store.notifications[notification_id] = replace(claimed, history=claimed.history[:2])
    world.mailer.attempts.clear()
    world.clock.now += timedelta(seconds=30)
    with pytest.raises(NotificationBusyError) as busy:
        await world.handler(delivery(event))
    # The wait is over when the lease is: the consumer waits in place at most that long.
    assert busy.value.retry_after_seconds == (LEASE - timedelta(seconds=30)).total_seconds()
    world.clock.now += LEASE + timedelta(seconds=1)
    await world.handler(delivery(event))
    assert len(world.mailer.attempts) == 1
    assert world.store.only().attempts == 2


async def test_different_triggers_are_different_notifications(world: World) -> None:
    await world.handler(delivery(delivered("delivered-1")))
    await world.handler(delivery(delivered("delivered-2")))
    assert len(world.store.notifications) == 2
    assert world.statuses() == ["created", "sending", "sent"] * 2
    assert len({event.id for event, _ in world.publisher.published}) == 6
    assert len({event.id for event, _ in world.outcomes()}) == 2


@pytest.mark.parametrize("user_id", [None, "", "belastingdienst", "notifier", "Berichtenbox"])
async def test_a_trigger_not_published_by_the_berichtenbox_is_poison(
    world: World, user_id: str | None
) -> None:
    with pytest.raises(UnprocessableEventError):
        await world.handler(delivery(delivered(), user_id=user_id))
    assert world.store.notifications == {}


@pytest.mark.parametrize(
    "data", [{"recipient_bsn": "123456789"}, {"sender_oin": "00000001001234567000"}]
)
async def test_an_invalid_bsn_or_another_organisation_than_the_key_is_poison(
    world: World, data: dict[str, Any]
) -> None:
    with pytest.raises(UnprocessableEventError):
        await world.handler(delivery(delivered(**data)))


async def test_the_citizens_language_is_used(world: World) -> None:
    world.contacts.contacts[BSN] = Contact(BSN, ADDRESS, START, language=Language.EN)
    await world.handler(delivery(delivered()))
    assert world.mailer.attempts[0][1].subject.startswith("New message")


def bounce_handler(world: World) -> BounceHandler:
    return BounceHandler(
        store=world.store,
        contacts=world.contacts,
        publisher=world.publisher,
        source=SOURCE,
        clock=world.clock,
        bounce_secret=BOUNCE_SECRET,
    )


def report(
    notification_id: str,
    action: str,
    status: str,
    *,
    to: str | None = None,
    envelope_id: str | None = None,
) -> tuple[list[str], bytes]:
    """A report to the notification's signed return path (or to `to`)."""
    address = to or return_path(notification_id, BOUNCE_DOMAIN, BOUNCE_SECRET)
    raw = delivery_status_report(
        return_path=address,
        recipient=ADDRESS,
        action=action,
        status=status,
        envelope_id=envelope_id,
    )
    return [address], raw


def no_personal_data_logged(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        logged = f"{record.getMessage()} {record.__dict__}"
        assert ADDRESS not in logged
        assert BSN not in logged
        assert BOUNCE_DOMAIN not in logged, "no return path either"


async def test_a_hard_bounce_bounces_and_marks_the_address(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await world.handler(delivery(delivered()))
    notification_id = world.store.only().notification_id
    bounces = bounce_handler(world)
    assert await bounces(*report(notification_id, "failed", "5.1.1")) == DONE
    assert await bounces(*report(notification_id, "failed", "5.1.1")) == DONE  # again: no-op
    assert world.store.only().status.value == "bounced"
    assert world.contacts.undeliverable[0][:2] == (BSN, ADDRESS)
    # The second report changes nothing; it re-emits the whole history.
    assert world.statuses() == ["created", "sending", "sent", "bounced"] * 2
    no_personal_data_logged(caplog)


async def test_a_success_report_marks_it_delivered(world: World) -> None:
    await world.handler(delivery(delivered()))
    notification_id = world.store.only().notification_id
    assert await bounce_handler(world)(*report(notification_id, "delivered", "2.0.0")) == DONE
    assert world.store.only().status.value == "delivered"
    assert world.statuses() == ["created", "sending", "sent", "delivered"]


# Return paths a forger can write knowing only the notification id (it is in every mail's
# Message-ID, reported to organisations, and derived from public inputs).
FORGED: dict[str, Callable[[str], str]] = {
    "unsigned": lambda nid: f"bounces+{nid}@{BOUNCE_DOMAIN}",
    "wrong-tag": lambda nid: f"bounces+{nid}.0123456789abcdef@{BOUNCE_DOMAIN}",
    "another-notifications-tag": lambda nid: (
        f"bounces+{nid}.{bounce_tag('another-notification', BOUNCE_SECRET)}@{BOUNCE_DOMAIN}"
    ),
    "the-development-secret": lambda nid: (
        f"bounces+{nid}.{bounce_tag(nid, DEV_BOUNCE_SECRET.encode())}@{BOUNCE_DOMAIN}"
    ),
    "envelope-id-only": lambda nid: f"bounces@{BOUNCE_DOMAIN}",
}


@pytest.mark.parametrize(("action", "status"), [("failed", "5.1.1"), ("delivered", "2.0.0")])
@pytest.mark.parametrize("forged", FORGED)
async def test_a_forged_report_is_accepted_and_changes_nothing(
    world: World, caplog: pytest.LogCaptureFixture, forged: str, action: str, status: str
) -> None:
    await world.handler(delivery(delivered()))
    before = world.store.only()
    published = list(world.publisher.published)
    caplog.set_level(logging.DEBUG)
    nid = before.notification_id
    # The envelope id names the notification too: it is no more trusted than the address.
    forgery = report(nid, action, status, to=FORGED[forged](nid), envelope_id=nid)
    assert await bounce_handler(world)(*forgery) == DONE, "answered like any report"
    assert world.store.only() == before
    assert world.contacts.undeliverable == []
    assert world.publisher.published == published
    assert [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()], "logged"
    no_personal_data_logged(caplog)
    assert nid not in caplog.text


async def test_one_signed_recipient_is_enough_and_a_forged_one_beside_it_is_not_used(
    world: World,
) -> None:
    await world.handler(delivery(delivered("delivered-1")))
    await world.handler(delivery(delivered("delivered-2")))
    first, second = world.store.notifications
    signed, raw = report(first, "failed", "5.1.1")
    answer = await bounce_handler(world)([FORGED["unsigned"](second), *signed], raw)
    assert answer == DONE
    assert world.store.notifications[first].status.value == "bounced"
    assert world.store.notifications[second].status.value == "sent"


async def test_a_report_before_the_sent_record_is_deferred_and_others_ignored(
    world: World,
) -> None:
    world.mailer.script = []
    await world.handler(delivery(delivered()))
    notification = world.store.only()
    world.store.notifications[notification.notification_id] = replace(
        notification, history=notification.history[:2]
    )
    bounces = bounce_handler(world)
    assert await bounces(*report(notification.notification_id, "delivered", "2.0.0")) == LATER
    assert await bounces(
        ["bounces@mijnoverheid.localhost"], b"Subject: out of office\r\n\r\nhi"
    ) == (IGNORED)
    assert await bounces(*report("unknown", "failed", "5.1.1")) == DONE
