"""The bounce handler with in-memory fakes: delivery status reports applied to the notification
and the address, forged return paths ignored, early reports deferred."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import pytest

from mijnoverheid_testing.dsn import delivery_status_report
from notifier.adapters.smtp import bounce_tag, return_path
from notifier.handlers.bounces import DONE, IGNORED, LATER, BounceHandler
from notifier.settings import DEV_BOUNCE_SECRET
from services.notifier.tests.unit.fakes import (
    ADDRESS,
    BSN,
    NOTIFIER_SOURCE,
    World,
    delivery,
)
from services.notifier.tests.unit.handlers.harness import delivered

BOUNCE_SECRET = b"unit-test-bounce-secret"


BOUNCE_DOMAIN = "mijnoverheid.localhost"


def bounce_handler(world: World) -> BounceHandler:
    return BounceHandler(
        store=world.store,
        contacts=world.contacts,
        publisher=world.publisher,
        source=NOTIFIER_SOURCE,
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
