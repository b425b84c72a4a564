"""Forged delivery status reports (bounces) change nothing: only a report to the signed VERP
return path the Notifier used counts, against the real Notifier, SMTP server and bounce
endpoint."""

from __future__ import annotations

import pytest

from mijnoverheid.contracts import events as routes
from mijnoverheid_testing.citizens import random_bsn
from mijnoverheid_testing.notifier import Notifier, start_notifier
from mijnoverheid_testing.platform import Platform
from notifier.adapters.smtp import bounce_tag
from notifier.settings import DEV_BOUNCE_SECRET
from services.notifier.tests.integration.test_notifier_delivery import (
    _mail_to,
    _nothing_personal_logged,
    _notifications_to,
    _statuses_until,
    _stored,
    delivered,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def notifier(platform: Platform) -> Notifier:
    return await start_notifier(platform)


async def test_a_forged_report_is_accepted_and_changes_nothing(
    platform: Platform, notifier: Notifier
) -> None:
    """The notification id is no secret (it is in the mail's Message-ID): a report that names
    the notification without the return path's signature counts for nothing."""
    bsn = random_bsn()
    email = await _mail_to(platform, bsn, notifier)
    async with platform.client("belastingdienst") as belastingdienst:
        event = await notifier.trigger(
            routes.MESSAGE_DELIVERED,
            belastingdienst.organisation.oin,
            delivered(belastingdienst, bsn),
        )
        await _statuses_until(belastingdienst, event, "sent")
        (mail,) = _notifications_to(platform, email)
        nid = mail.message["Message-ID"].strip("<>").split("@")[0]
        domain = mail.mail_from.rpartition("@")[2]
        forged = [
            f"bounces+{nid}@{domain}",  # the return path as it was before signing
            f"bounces+{nid}.{'0' * 16}@{domain}",
            f"bounces+{nid}.{bounce_tag(nid, DEV_BOUNCE_SECRET.encode())}@{domain}",
            f"bounces@{domain}",  # the envelope id alone names it
        ]
        for address in forged:
            for action, status in (("failed", "5.1.1"), ("delivered", "2.0.0")):
                code, _ = await notifier.send_report(
                    address, recipient=email, action=action, status=status, envelope_id=nid
                )
                assert code == 250, "accepted, like any report: the sender learns nothing"
        # The endpoint handles a report before it answers: nothing changed.
        assert await _stored(platform, event) == ["created", "sending", "sent"]
        async with notifier.citizen(bsn) as citizen:
            details = (await citizen.get("/api/v1/contact-details")).json()
        assert details["email_undeliverable"] is False

        # The relay's report, to the signed return path, still counts.
        code, _ = await notifier.send_report(
            mail.mail_from, recipient=email, action="failed", status="5.1.1"
        )
        assert code == 250
        history = await _statuses_until(belastingdienst, event, "bounced")
    assert history == ["sent", "bounced"], "no status from the forged reports"
    _nothing_personal_logged(notifier, email, bsn)
