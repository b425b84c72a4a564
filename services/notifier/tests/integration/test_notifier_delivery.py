"""Sending against a real SMTP server that answers as told: retries through the delay queues,
permanent failures, dropped connections, delivery reports and bounces, and the deadline."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from mijnoverheid.contracts import events as routes
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.notifier import TEST_BOUNCE_SECRET, Notifier
from mijnoverheid_testing.organisation import OrganisationClient
from mijnoverheid_testing.platform import Platform
from mijnoverheid_testing.waiting import wait_until
from notifier.adapters.smtp import bounce_tag
from notifier.domain.notification import notification_id_for

pytestmark = pytest.mark.integration


def delivered(organisation: OrganisationClient, bsn: str, **data: Any) -> dict[str, Any]:
    return {
        "message_id": f"m-{random_bsn()}",
        "sender_oin": organisation.organisation.oin,
        "reference": "KENMERK-1",
        "recipient_bsn": bsn,
        "legal_effect": True,
        "delivered_at": "2026-03-02T10:15:00Z",
        **data,
    }


async def _statuses_until(
    organisation: OrganisationClient, event: dict[str, Any], last: str
) -> list[str]:
    def history() -> list[str] | None:
        events = organisation.events("notification-status", Notifier.about(event))
        found = Notifier.statuses(events)
        return found if found and found[-1] == last else None

    result: list[str] = await wait_until(history, what=f"notification-status {last}")
    return result


def _notifications_to(platform: Platform, email: str) -> list[Any]:
    """Mails about notifications (the verification mail has no Message-ID of one)."""
    return [mail for mail in platform.smtp.mails_to(email) if mail.message["Message-ID"]]


async def _mail_to(platform: Platform, bsn: str, notifier: Notifier) -> str:
    email = Notifier.address()
    await notifier.verified(bsn, email)
    return email


async def test_4xx_then_250_is_sent_after_a_retry_with_exactly_one_mail(
    platform: Platform, notifier: Notifier
) -> None:
    bsn = random_bsn()
    email = await _mail_to(platform, bsn, notifier)
    async with platform.client("belastingdienst") as belastingdienst:
        platform.smtp.answer_next("451 4.3.0 try again later")
        event = await notifier.trigger(
            routes.MESSAGE_DELIVERED,
            belastingdienst.organisation.oin,
            delivered(belastingdienst, bsn),
        )
        history = await _statuses_until(belastingdienst, event, "sent")
        events = belastingdienst.events("notification-status", Notifier.about(event))
    assert history == ["temporary-failure", "sent"]
    failure = next(e for e in events if e["data"]["status"] == "temporary-failure")
    assert failure["data"]["smtp_reply"]["code"] == 451
    assert failure["data"]["reason"] == "relay-deferred"
    assert {e["data"]["attempt"] for e in events} == {1, 2}
    assert len(_notifications_to(platform, email)) == 1, "the deferred attempt left no mail"


async def test_5xx_is_a_permanent_failure_without_retry(
    platform: Platform, notifier: Notifier
) -> None:
    bsn = random_bsn()
    email = await _mail_to(platform, bsn, notifier)
    async with platform.client("belastingdienst") as belastingdienst:
        platform.smtp.answer_next("550 5.7.1 rejected for policy reasons")
        event = await notifier.trigger(
            routes.MESSAGE_DELIVERED,
            belastingdienst.organisation.oin,
            delivered(belastingdienst, bsn),
        )
        history = await _statuses_until(belastingdienst, event, "permanent-failure")
    assert history == ["permanent-failure"]
    assert await _stored(platform, event) == ["created", "sending", "permanent-failure"]
    assert _notifications_to(platform, email) == []


async def test_a_connection_dropped_mid_data_is_retried_and_mailed_once(
    platform: Platform, notifier: Notifier
) -> None:
    bsn = random_bsn()
    email = await _mail_to(platform, bsn, notifier)
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        platform.smtp.answer_next("drop")
        event = await notifier.trigger(
            routes.MESSAGE_DELIVERED, gemeente.organisation.oin, delivered(gemeente, bsn)
        )
        history = await _statuses_until(gemeente, event, "sent")
        failure = gemeente.events("notification-status", Notifier.about(event))
    assert history == ["temporary-failure", "sent"]
    assert any(e["data"].get("reason") == "connection-lost" for e in failure)
    assert len(_notifications_to(platform, email)) == 1


async def test_a_dsn_success_report_marks_it_delivered(
    platform: Platform, notifier: Notifier
) -> None:
    bsn = random_bsn()
    email = await _mail_to(platform, bsn, notifier)
    async with platform.client("belastingdienst") as belastingdienst:
        platform.smtp.report_next("delivered", "2.0.0", to=notifier.bounce_endpoint)
        event = await notifier.trigger(
            routes.MESSAGE_DELIVERED,
            belastingdienst.organisation.oin,
            delivered(belastingdienst, bsn),
        )
        history = await _statuses_until(belastingdienst, event, "delivered")
    assert history == ["sent", "delivered"]
    (mail,) = _notifications_to(platform, email)
    notification_id = mail.message["Message-ID"].strip("<>").split("@")[0]
    tag = bounce_tag(notification_id, TEST_BOUNCE_SECRET.encode())
    assert mail.mail_from == f"bounces+{notification_id}.{tag}@mijnoverheid.localhost", "VERP"
    assert f"ENVID={notification_id}" in mail.mail_options
    assert "RET=HDRS" in mail.mail_options
    assert "NOTIFY=SUCCESS,FAILURE" in mail.rcpt_options


async def test_a_hard_bounce_marks_it_bounced_and_the_address_undeliverable(
    platform: Platform, notifier: Notifier
) -> None:
    bsn = random_bsn()
    email = await _mail_to(platform, bsn, notifier)
    async with platform.client("belastingdienst") as belastingdienst:
        platform.smtp.report_next(
            "failed", "5.1.1", to=notifier.bounce_endpoint, diagnostic=f"550 5.1.1 <{email}>"
        )
        event = await notifier.trigger(
            routes.MESSAGE_DELIVERED,
            belastingdienst.organisation.oin,
            delivered(belastingdienst, bsn),
        )
        history = await _statuses_until(belastingdienst, event, "bounced")
        # By status, not by arrival: the bounce can overtake the report of the send.
        outcomes = belastingdienst.events("notification-status", Notifier.about(event))
        bounced = next(e for e in outcomes if e["data"]["status"] == "bounced")
        async with notifier.citizen(bsn) as citizen:
            details = (await citizen.get("/api/v1/contact-details")).json()
        assert details["email_undeliverable"] is True

        later = await notifier.trigger(
            routes.MESSAGE_DELIVERED,
            belastingdienst.organisation.oin,
            delivered(belastingdienst, bsn),
        )
        no_contact = await belastingdienst.next_event("notification-status", Notifier.about(later))
    assert history == ["sent", "bounced"]
    assert bounced["data"]["dsn_status"] == "5.1.1"
    assert email not in str(bounced), "the organisation never sees the address"
    assert no_contact["data"]["status"] == "no-contact"
    assert no_contact["data"]["reason"] == "address-undeliverable"
    assert len(_notifications_to(platform, email)) == 1, "nothing after the bounce"
    _nothing_personal_logged(notifier, email, bsn)


def _nothing_personal_logged(notifier: Notifier, email: str, bsn: str) -> None:
    lines = notifier.process.log_path.read_text(errors="replace").splitlines()
    bounce_lines = [line for line in lines if "bounce" in line or "report" in line]
    assert bounce_lines, "the bounce endpoint logged"
    for line in lines:
        assert email not in line
        assert bsn not in line
    dropped = [json.loads(line) for line in bounce_lines if "dropped" in line]
    assert all(entry["logger"] == "notifier.handlers.bounces" for entry in dropped)


async def test_attempts_are_bounded_and_an_unsent_notification_becomes_overdue(
    platform: Platform, notifier: Notifier
) -> None:
    bsn = random_bsn()
    email = await _mail_to(platform, bsn, notifier)
    async with platform.client("gemeente-voorbeeldstad") as gemeente:
        platform.smtp.answer_next(*["421 4.3.2 shutting down"] * 3)
        event = await notifier.trigger(
            routes.MESSAGE_DELIVERED, gemeente.organisation.oin, delivered(gemeente, bsn)
        )
        history = await _statuses_until(gemeente, event, "permanent-failure")
        last = gemeente.events("notification-status", Notifier.about(event))
        overdue = await gemeente.next_event("notification-overdue", Notifier.about(event))
    assert history == ["temporary-failure", "temporary-failure", "permanent-failure"]
    assert max(e["data"]["sequence"] for e in last) == 7  # created + 3 × (sending, outcome)
    assert any(e["data"].get("reason") == "attempts-exhausted" for e in last)
    assert overdue["data"]["status"] == "permanent-failure"
    assert overdue["_routing_key"] == routes.NOTIFICATION_OVERDUE.key(gemeente.organisation.oin)
    assert _notifications_to(platform, email) == []
    async with httpx.AsyncClient(base_url=notifier.process.base_url) as client:
        exposed = (await client.get("/metrics")).text
    counted = re.search(
        r'^mijnoverheid_notifications_overdue_total\{status="permanent-failure"\} (\S+)$',
        exposed,
        re.M,
    )
    assert counted, "ops can watch the overdue notifications"
    assert float(counted.group(1)) >= 1


async def _stored(platform: Platform, event: dict[str, Any]) -> list[str]:
    """The whole status history as stored: one attempt, no retry."""
    notification_id = notification_id_for(event["source"], event["id"])
    database = platform.database("notifier")
    document = await database.notifications.find_one({"_id": notification_id})
    assert document is not None
    later = database.notification_status_changes.find({"notification_id": notification_id})
    return [c["status"] for c in document["history"]] + [
        c["status"] async for c in later.sort("version")
    ]
