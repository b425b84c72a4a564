"""message-delivered → e-mail: TriggerHandler and Dispatcher with in-memory fakes.

At most one e-mail per trigger, every status change reported to the sender with a deterministic
id,
nothing accepted from anyone but the Berichtenbox.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from mijnoverheid.contracts import events
from mijnoverheid.contracts.envelope import (
    CloudEvent,
    derived_event_id,
    encode,
    new_event,
    source_for,
)
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.kernel import UnprocessableEventError
from mijnoverheid.messaging.consumer import InboundDelivery
from mijnoverheid.messaging.publisher import EventPublisher
from mijnoverheid.settings import REPOSITORY_ROOT
from notifier.adapters.templates import TemplateRenderer
from notifier.domain import notification as n
from notifier.domain.attempt import Deferred, Refused, RetryPolicy, smtp_reply
from notifier.domain.contact import Contact, Preferences
from notifier.domain.notification import SmtpReply, State, notification_id_for
from notifier.entrypoints import triggers
from notifier.handlers.dispatch import Dispatcher, Timing
from notifier.ports import (
    ContactDirectory,
    Mailer,
    NotificationBusyError,
    NotificationStore,
    Renderer,
    RetryScheduler,
)
from services.notifier.tests.unit.fakes import (
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

BERICHTENBOX_SOURCE = source_for("00000001234567890000", "berichtenbox")
NOTIFIER_SOURCE = source_for("00000001234567890000", "notifier")
BELASTINGDIENST_OIN = "00000001003214345000"
BSN = "999993653"
ADDRESS = "burger@example.nl"
PORTAL = "https://mijn.overheid.example"
LEASE = timedelta(seconds=90)
POLICY = RetryPolicy(delays_seconds=(10, 60, 600, 3600), max_attempts=3)


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    return OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")


@pytest.fixture
def world(registry: OrganisationRegistry) -> World:
    store = InMemoryNotificationStore()
    contacts = Contacts({BSN: Contact(BSN, ADDRESS, verified_at=START - timedelta(days=1))})
    mailer = ScriptedMailer()
    retries = Retries()
    publisher = RecordingPublisher()
    clock = Clock()
    # Typed as the ports, so mypy checks that the fakes honour them.
    typed_store: NotificationStore = store
    typed_contacts: ContactDirectory = contacts
    typed_mailer: Mailer = mailer
    typed_retries: RetryScheduler = retries
    typed_publisher: EventPublisher = publisher
    renderer: Renderer = TemplateRenderer(PORTAL)
    dispatcher = Dispatcher(
        store=typed_store,
        contacts=typed_contacts,
        mailer=typed_mailer,
        renderer=renderer,
        retries=typed_retries,
        publisher=typed_publisher,
        source=NOTIFIER_SOURCE,
        timing=Timing(policy=POLICY, sending_lease=LEASE, overdue_after=timedelta(hours=48)),
        clock=clock,
    )
    handler = gates(dispatcher, registry)["notifier.message-delivered"]
    return World(store, contacts, mailer, retries, publisher, clock, dispatcher, handler)


class _Delivered(BaseModel):
    """The fields of message-delivered the Notifier reads (it ignores the rest)."""

    message_id: str = "message-1"
    sent_event_id: str = "sent-1"
    sender_oin: str = BELASTINGDIENST_OIN
    reference: str = "KENMERK-1"
    recipient_bsn: str = BSN
    legal_effect: bool = True
    kind: str | None = "aanslag"
    deadline: date | None = date(2026, 3, 1)
    delivered_at: datetime = START


def delivered_event(event_id: str = "delivered-1", **data: Any) -> CloudEvent:
    return new_event(
        source=BERICHTENBOX_SOURCE,
        type_="nl.mijnoverheid.berichtenbox.message-delivered",
        data=_Delivered(**data),
        id_=event_id,
        time=START,
    )


def delivery(
    event: CloudEvent | bytes,
    *,
    user_id: str | None = "berichtenbox",
    oin: str = BELASTINGDIENST_OIN,
) -> InboundDelivery:
    body = event if isinstance(event, bytes) else encode(event)
    return InboundDelivery(
        body=body,
        routing_key=events.MESSAGE_DELIVERED.key(oin),
        user_id=user_id,
        message_id=None,
    )


def only_outcome(world: World) -> tuple[CloudEvent, str]:
    """The one outcome reported (the steps created/sending before it are left out)."""
    outcomes = world.outcomes()
    assert len(outcomes) == 1, world.publisher.published
    return outcomes[0]


# --- tests ---------------------------------------------------------------------------------


async def test_a_citizen_with_a_verified_address_is_mailed_once_and_the_sender_told(
    world: World,
) -> None:
    event = delivered_event()
    await world.handler(delivery(event))

    notification_id = notification_id_for(BERICHTENBOX_SOURCE, event.id)
    (to, email, sent_for), *more = world.mailer.attempts
    assert more == []
    assert (to, sent_for) == (ADDRESS, notification_id)
    assert "Belastingdienst" in email.text

    notification = world.store.only()
    assert notification.notification_id == notification_id
    assert [change.status for change in notification.history] == [
        State.CREATED,
        State.SENDING,
        State.SENT,
    ]

    assert world.statuses() == ["created", "sending", "sent"]
    for sequence, (report, key) in enumerate(world.publisher.published, start=1):
        assert key == f"notifier.notification-status.{BELASTINGDIENST_OIN}"
        assert report.type == "nl.mijnoverheid.notifier.notification-status"
        assert report.source == NOTIFIER_SOURCE
        assert report.id == derived_event_id(notification_id, "status", str(sequence))
        assert report.data["sequence"] == sequence
        assert report.data["notification_id"] == notification_id
    sending, _ = world.publisher.published[1]
    assert sending.data["attempt"] == 1
    assert "smtp_reply" not in sending.data

    status, _ = only_outcome(world)
    assert status.data["status"] == "sent"
    assert status.data["notification_id"] == notification_id
    assert status.data["trigger_event_id"] == event.id
    assert status.data["trigger_event_type"] == event.type
    assert status.data["message_id"] == "message-1"
    assert status.data["reference"] == "KENMERK-1"
    assert status.data["attempt"] == 1
    assert status.data["smtp_reply"]["code"] == 250
    assert status.data["smtp_reply"]["queue_id"] == "4F2A1"
    assert world.retries.scheduled == []


async def test_the_status_event_names_neither_the_bsn_nor_the_address(world: World) -> None:
    await world.handler(delivery(delivered_event()))
    assert world.statuses() == ["created", "sending", "sent"]
    for status, _ in world.publisher.published:
        assert BSN.encode() not in encode(status)
        assert ADDRESS.encode() not in encode(status)


async def test_without_a_verified_address_nothing_is_sent_and_no_contact_is_told(
    world: World,
) -> None:
    world.contacts.contacts.clear()
    await world.handler(delivery(delivered_event()))

    assert world.mailer.attempts == []
    notification = world.store.only()
    assert notification.status is State.NO_CONTACT
    assert world.statuses() == ["created", "no-contact"]
    status, key = only_outcome(world)
    assert key == events.NOTIFICATION_STATUS.key(BELASTINGDIENST_OIN)
    assert status.data["status"] == "no-contact"
    assert status.data["reason"] == n.NO_VERIFIED_ADDRESS
    assert "smtp_reply" not in status.data


async def test_an_address_awaiting_verification_is_no_contact(world: World) -> None:
    world.contacts.contacts[BSN] = Contact(BSN, email=None, pending_email=ADDRESS)
    await world.handler(delivery(delivered_event()))
    assert world.mailer.attempts == []
    assert world.statuses() == ["created", "no-contact"]


async def test_an_address_that_bounced_since_its_verification_is_not_used(world: World) -> None:
    world.contacts.contacts[BSN] = Contact(
        BSN, ADDRESS, verified_at=START - timedelta(days=2), undeliverable_since=START
    )
    await world.handler(delivery(delivered_event()))
    assert world.mailer.attempts == []
    status, _ = only_outcome(world)
    assert status.data["status"] == "no-contact"
    assert status.data["reason"] == n.ADDRESS_UNDELIVERABLE


@pytest.mark.parametrize(("legal_effect", "mailed"), [(False, False), (True, True)])
async def test_an_opted_out_citizen_is_mailed_only_about_legal_effect(
    world: World, legal_effect: bool, mailed: bool
) -> None:
    world.contacts.contacts[BSN] = Contact(
        BSN, ADDRESS, verified_at=START, preferences=Preferences(messages=False)
    )
    await world.handler(delivery(delivered_event(legal_effect=legal_effect)))
    assert bool(world.mailer.attempts) is mailed
    status, _ = only_outcome(world)
    if mailed:
        assert status.data["status"] == "sent"
    else:
        assert (status.data["status"], status.data["reason"]) == ("no-contact", n.OPTED_OUT)


async def test_a_5xx_refusal_is_a_permanent_failure(world: World) -> None:
    world.mailer.script = [Refused(smtp_reply(550, "5.7.1 Message rejected as spam"))]
    await world.handler(delivery(delivered_event()))

    assert len(world.mailer.attempts) == 1
    notification = world.store.only()
    assert notification.status is State.PERMANENT_FAILURE
    assert notification.is_terminal()
    assert world.statuses() == ["created", "sending", "permanent-failure"]
    status, _ = only_outcome(world)
    assert status.data["status"] == "permanent-failure"
    assert status.data["reason"] == n.RELAY_REFUSED
    assert status.data["smtp_reply"]["code"] == 550
    assert world.retries.scheduled == []


async def test_the_relays_reply_is_passed_on_without_the_citizens_address(world: World) -> None:
    world.mailer.script = [
        Refused(smtp_reply(550, f"5.1.1 <{ADDRESS}>: Recipient address rejected"))
    ]
    await world.handler(delivery(delivered_event()))
    status, _ = only_outcome(world)
    assert status.data["status"] == "permanent-failure"
    assert "Recipient address rejected" in status.data["smtp_reply"]["message"]
    for event, _ in world.publisher.published:
        assert ADDRESS.encode() not in encode(event)


async def test_a_permanent_failure_is_final_even_when_the_trigger_is_redelivered(
    world: World,
) -> None:
    world.mailer.script = [Refused(smtp_reply(554, "5.0.0 no"))]
    trigger = delivery(delivered_event())
    await world.handler(trigger)
    world.clock.advance(LEASE * 10)
    await world.handler(trigger)

    assert len(world.mailer.attempts) == 1
    # The redelivery re-emits the whole history, not a second attempt.
    assert world.statuses() == ["created", "sending", "permanent-failure"] * 2


async def test_a_deferral_is_a_temporary_failure_retried_later(world: World) -> None:
    world.mailer.script = [Deferred(n.RELAY_DEFERRED, smtp_reply(451, "4.3.0 try later"))]
    event = delivered_event()
    await world.handler(delivery(event))  # acked: the retry queue takes it from here

    notification_id = notification_id_for(BERICHTENBOX_SOURCE, event.id)
    notification = world.store.only()
    assert notification.status is State.TEMPORARY_FAILURE
    assert not notification.is_terminal()
    assert world.retries.scheduled == [(notification_id, 1, 0)]
    assert world.statuses() == ["created", "sending", "temporary-failure"]

    world.clock.advance(timedelta(seconds=10))
    await world.dispatcher.retry(notification_id, 1)
    assert len(world.mailer.attempts) == 2
    assert world.store.only().status is State.SENT
    assert world.statuses() == ["created", "sending", "temporary-failure", "sending", "sent"]
    assert [event.data["attempt"] for event, _ in world.publisher.published[1:]] == [1, 1, 2, 2]


async def test_a_stale_retry_does_nothing_new(world: World) -> None:
    world.mailer.script = [Deferred(n.CONNECTION_LOST)]
    event = delivered_event()
    await world.handler(delivery(event))
    notification_id = notification_id_for(BERICHTENBOX_SOURCE, event.id)
    await world.dispatcher.retry(notification_id, 1)
    await world.dispatcher.retry(notification_id, 1)  # the retry command, redelivered
    assert len(world.mailer.attempts) == 2


async def test_deferrals_up_to_the_maximum_end_in_a_permanent_failure(world: World) -> None:
    world.mailer.script = [Deferred(n.CONNECTION_LOST)] * POLICY.max_attempts
    event = delivered_event()
    await world.handler(delivery(event))
    notification_id = notification_id_for(BERICHTENBOX_SOURCE, event.id)
    for attempt in range(1, POLICY.max_attempts):
        await world.dispatcher.retry(notification_id, attempt)

    assert len(world.mailer.attempts) == POLICY.max_attempts
    notification = world.store.only()
    assert notification.status is State.PERMANENT_FAILURE
    assert notification.last_change.reason == n.ATTEMPTS_EXHAUSTED
    assert [level for _, _, level in world.retries.scheduled] == [0, 1]


async def test_an_error_while_sending_propagates_and_the_notification_stays_retryable(
    world: World,
) -> None:
    world.mailer.script = [ConnectionResetError("relay went away")]
    trigger = delivery(delivered_event())

    with pytest.raises(ConnectionResetError):
        await world.handler(trigger)  # not acked: the broker redelivers it
    assert world.publisher.published == []
    notification = world.store.only()
    assert notification.status is State.SENDING
    assert not notification.is_terminal()

    # Redelivered while the failed attempt's lease runs: come back later, do not send twice.
    world.clock.advance(LEASE)
    with pytest.raises(NotificationBusyError):
        await world.handler(trigger)
    assert len(world.mailer.attempts) == 1

    # Once the lease has run out, the next redelivery sends.
    world.clock.advance(timedelta(seconds=1))
    await world.handler(trigger)
    assert len(world.mailer.attempts) == 2
    assert world.store.only().status is State.SENT
    assert [event.data["status"] for event, _ in world.outcomes()] == ["sent"]
    # The crashed attempt never reported its steps; the take-over reports the whole history.
    assert world.statuses() == ["created", "sending", "sending", "sent"]


async def test_a_redelivery_after_success_re_emits_the_same_status_and_sends_nothing(
    world: World,
) -> None:
    trigger = delivery(delivered_event())
    await world.handler(trigger)
    world.clock.advance(timedelta(minutes=10))
    await world.handler(trigger)

    assert len(world.mailer.attempts) == 1
    assert world.statuses() == ["created", "sending", "sent"] * 2
    first, second = world.publisher.published[:3], world.publisher.published[3:]
    assert [key for _, key in first] == [key for _, key in second]
    assert [event.id for event, _ in first] == [event.id for event, _ in second]
    assert [encode(event) for event, _ in first] == [encode(event) for event, _ in second]


async def test_a_no_contact_outcome_is_final_even_after_the_citizen_adds_an_address(
    world: World,
) -> None:
    world.contacts.contacts.clear()
    trigger = delivery(delivered_event())
    await world.handler(trigger)
    world.contacts.contacts[BSN] = Contact(BSN, ADDRESS, verified_at=START)
    await world.handler(trigger)

    assert world.mailer.attempts == []
    assert world.statuses() == ["created", "no-contact"] * 2


async def test_different_triggers_are_different_notifications(world: World) -> None:
    await world.handler(delivery(delivered_event("delivered-1")))
    await world.handler(delivery(delivered_event("delivered-2")))
    assert len(world.store.notifications) == 2
    assert len(world.mailer.attempts) == 2
    assert world.statuses() == ["created", "sending", "sent"] * 2
    assert len({event.id for event, _ in world.publisher.published}) == 6
    outcomes = world.outcomes()
    assert len(outcomes) == 2
    assert len({event.id for event, _ in outcomes}) == 2
    assert len({event.data["notification_id"] for event, _ in outcomes}) == 2


@pytest.mark.parametrize(
    "user_id", [None, "", "belastingdienst", "notifier", "zaken", "Berichtenbox"]
)
async def test_a_trigger_not_published_by_the_berichtenbox_is_poison(
    world: World, user_id: str | None
) -> None:
    with pytest.raises(UnprocessableEventError):
        await world.handler(delivery(delivered_event(), user_id=user_id))
    assert world.store.notifications == {}
    assert world.mailer.attempts == []
    assert world.publisher.published == []


def _document(**changes: Any) -> bytes:
    document = json.loads(encode(delivered_event()))
    document.update(changes)
    return json.dumps(document).encode()


def _data(**changes: Any) -> bytes:
    document = json.loads(encode(delivered_event()))
    document["data"].update(changes)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"{}", id="empty-object"),
        pytest.param(_document(type="nl.mijnoverheid.berichtenbox.message-sent"), id="wrong-type"),
        pytest.param(_document(data={"message_id": "m"}), id="incomplete-data"),
        pytest.param(_document(source="berichtenbox"), id="bad-source"),
        pytest.param(_data(recipient_bsn="999993654"), id="invalid-bsn"),
        pytest.param(_data(sender_oin="00000001001234567000"), id="oin-not-the-keys"),
    ],
)
async def test_a_trigger_that_breaks_the_contract_is_poison(world: World, body: bytes) -> None:
    with pytest.raises(UnprocessableEventError):
        await world.handler(delivery(body))
    assert world.store.notifications == {}
    assert world.mailer.attempts == []
    assert world.publisher.published == []


async def test_fields_the_notifier_does_not_read_are_ignored(world: World) -> None:
    await world.handler(delivery(_data(content_digest="sha256:00", receipt={"x": 1})))
    assert [event.data["status"] for event, _ in world.outcomes()] == ["sent"]


async def test_the_email_names_the_organisation_legal_effect_and_deadline_but_not_the_bsn(
    world: World,
) -> None:
    await world.handler(delivery(delivered_event(legal_effect=True, deadline=date(2026, 3, 1))))
    (_, email, _) = world.mailer.attempts[0]
    for text in (email.text, email.html):
        assert "Belastingdienst" in text
        assert "rechtsgevolgen" in text
        assert "1 maart 2026" in text
        assert BSN not in text
        assert "KENMERK-1" not in text
    assert BSN not in email.subject


async def test_an_unregistered_sender_is_named_generically(world: World) -> None:
    stranger = "99999999999999999999"
    await world.handler(delivery(delivered_event(sender_oin=stranger), oin=stranger))
    (_, email, _) = world.mailer.attempts[0]
    assert triggers.UNKNOWN_ORGANISATION in email.text
    only_outcome(world)
    assert world.publisher.published
    for _, key in world.publisher.published:
        assert key == f"notifier.notification-status.{stranger}"


def test_smtp_replies_are_kept_as_given_when_they_name_no_address() -> None:
    reply = smtp_reply(250, "2.0.0 Ok: queued as 4F2A1")
    assert reply == SmtpReply(code=250, message="2.0.0 Ok: queued as 4F2A1", queue_id="4F2A1")
