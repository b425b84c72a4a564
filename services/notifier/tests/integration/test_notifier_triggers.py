"""Every trigger gives at most one e-mail, without personal content; organisations see the
histories of their own notifications only."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import source_for, utc_now
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.notifier import Notifier
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration

SECRET = "Vertrouwelijk-4471"


def trigger_data(kind: str, oin: str, bsn: str) -> tuple[routing.EventRoute, dict[str, Any]]:
    common = {"recipient_bsn": bsn, "reference": SECRET, "subject": SECRET, "body": SECRET}
    if kind == "message-delivered":
        data = {"message_id": "m-1", "sender_oin": oin, "legal_effect": True, "kind": "aanslag"}
        return events.MESSAGE_DELIVERED, {**common, **data, "deadline": "2026-04-01"}
    if kind == "message-expiring":
        data = {"message_id": "m-2", "sender_oin": oin, "expires_at": "2026-05-01T00:00:00Z"}
        return events.MESSAGE_EXPIRING, {**common, **data, "legal_effect": False}
    if kind == "message-left-unread":
        data = {"message_id": "m-3", "sender_oin": oin, "delivered_at": "2026-03-01T09:00:00Z"}
        return events.MESSAGE_LEFT_UNREAD, {**common, **data, "legal_effect": True}
    if kind == "case-status-recorded":
        data = {"case_id": "Z-77", "organisation_oin": oin, "status": SECRET, "closes_case": True}
        return events.CASE_STATUS_RECORDED, {**common, **data, "effective_at": "2026-03-01"}
    data = {"registration_id": "R-9", "register_code": "WOZ", "organisation_oin": oin}
    return events.REGISTRATION_RECORDED, {**common, **data, "valid_from": "2026-01-01"}


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("message-delivered", "Nieuw bericht in uw Berichtenbox op MijnOverheid"),
        (
            "message-expiring",
            "Een ongelezen bericht in uw Berichtenbox wordt binnenkort verwijderd",
        ),
        (
            "message-left-unread",
            "Herinnering: u heeft een bericht in uw Berichtenbox nog niet gelezen",
        ),
        ("case-status-recorded", "Nieuws over uw lopende zaak op MijnOverheid"),
        ("registration-recorded", "Er is iets veranderd in uw gegevens op MijnOverheid"),
    ],
)
async def test_each_trigger_mails_once_without_personal_content(
    platform: Platform, notifier: Notifier, kind: str, subject: str
) -> None:
    bsn, email = random_bsn(), Notifier.address()
    await notifier.verified(bsn, email)
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        route, data = trigger_data(kind, gemeente.organisation.oin, bsn)
        event = await notifier.trigger(route, gemeente.organisation.oin, data)
        await notifier.trigger(route, gemeente.organisation.oin, data)  # another trigger
        status = await gemeente.next_event("notification-status", Notifier.about(event))
    assert status["data"]["status"] == "sent"
    assert status["_user_id"] == "notifier"
    mails = await wait_until(
        lambda: len(platform.smtp.mails_to(email)) == 3 and platform.smtp.mails_to(email),
        what="two notification mails",
    )
    mail = mails[1]
    assert mail.message["Subject"] == subject
    assert "Gemeente Voorbeeldstad" in mail.text
    assert bsn not in mail.text
    assert SECRET not in mail.text
    assert "Z-77" not in mail.text


async def test_the_same_trigger_twice_is_one_notification_and_one_mail(
    platform: Platform, notifier: Notifier
) -> None:
    bsn, email = random_bsn(), Notifier.address()
    await notifier.verified(bsn, email)
    async with platform.client("belastingdienst") as belastingdienst:
        oin = belastingdienst.organisation.oin
        route, data = trigger_data("message-delivered", oin, bsn)
        event = await notifier.trigger(route, oin, data)
        await _republish(notifier, event, route, oin)
        statuses = await wait_until(
            lambda: (
                len(belastingdienst.events("notification-status", Notifier.about(event))) >= 2
                and belastingdienst.events("notification-status", Notifier.about(event))
            ),
            what="the status, twice",
        )
    assert {s["id"] for s in statuses} == {statuses[0]["id"]}, "re-emitted with the same id"
    assert len(platform.smtp.mails_to(email)) == 2  # the verification and one notification


async def test_a_register_whose_changes_are_not_notified_gives_no_mail(
    platform: Platform, notifier: Notifier
) -> None:
    bsn, email = random_bsn(), Notifier.address()
    await notifier.verified(bsn, email)
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        oin = gemeente.organisation.oin
        _, brp = trigger_data("registration-recorded", oin, bsn)
        brp["register_code"] = "BRP"  # registered, but not among its notify_registers
        quiet = await notifier.trigger(events.REGISTRATION_RECORDED, oin, brp)
        route, woz = trigger_data("registration-recorded", oin, bsn)
        loud = await notifier.trigger(route, oin, woz)
        await gemeente.next_event("notification-status", Notifier.about(loud))
        assert gemeente.events("notification-status", Notifier.about(quiet)) == []
    assert len(platform.smtp.mails_to(email)) == 2


async def test_an_organisation_queries_only_its_own_notifications(
    platform: Platform, notifier: Notifier
) -> None:
    bsn = random_bsn()
    async with (
        platform.client("belastingdienst") as belastingdienst,
        platform.client("gemeente-voorbeeldstad") as gemeente,
    ):
        theirs_route, theirs = trigger_data(
            "message-delivered", belastingdienst.organisation.oin, bsn
        )
        theirs["message_id"] = their_message = f"m-{uuid.uuid4().hex}"
        their_event = await notifier.trigger(theirs_route, belastingdienst.organisation.oin, theirs)
        mine_route, mine = trigger_data("message-delivered", gemeente.organisation.oin, bsn)
        mine["message_id"] = "m-gemeente"
        my_event = await notifier.trigger(mine_route, gemeente.organisation.oin, mine)
        their_status = await belastingdienst.next_event(
            "notification-status", Notifier.about(their_event)
        )
        my_status = await gemeente.next_event("notification-status", Notifier.about(my_event))

        request = _request(
            gemeente,
            {
                "notification_ids": [
                    my_status["data"]["notification_id"],
                    their_status["data"]["notification_id"],
                ],
                "message_id": their_message,
            },
        )
        await gemeente.publish(
            request,
            routing_key=events.NOTIFICATION_STATUS_REQUESTED.key(gemeente.organisation.oin),
        )
        report = await gemeente.next_event(
            "notification-status-report", lambda e: e["data"]["requested_event_id"] == request["id"]
        )
    found = report["data"]["notifications"]
    assert [n["notification_id"] for n in found] == [my_status["data"]["notification_id"]]
    assert [h["status"] for h in found[0]["history"]] == ["created", "no-contact"]
    assert bsn not in str(report)
    assert not belastingdienst.events("notification-status-report")


def _request(organisation: Any, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source_for(organisation.organisation.oin, "test-zaaksysteem"),
        "type": "nl.mijnoverheid.notifier.notification-status-requested",
        "time": utc_now().isoformat(),
        "data": data,
    }


async def _republish(
    notifier: Notifier, event: dict[str, Any], route: routing.EventRoute, oin: str
) -> None:
    """The very same event again (a redelivery, or the producer publishing it twice)."""
    import json

    import aio_pika

    from mijnoverheid.contracts.envelope import CONTENT_TYPE

    url = notifier.platform.stack.broker_url(route.service, notifier.platform.vhost)
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(routing.EXCHANGE, ensure=False)
        message = aio_pika.Message(
            json.dumps(event).encode(),
            content_type=CONTENT_TYPE,
            message_id=event["id"],
            user_id=route.service,
        )
        await exchange.publish(message, routing_key=route.key(oin), mandatory=True)
