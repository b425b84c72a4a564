"""RFC 3464 delivery status notifications as relays write them, and the signed VERP return
path."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from notifier.adapters.dsn import addressed_to_a_notification, delivery_reports, notification_id_of
from notifier.adapters.smtp import bounce_tag, return_path
from notifier.domain.attempt import DeliveryReport

NID = "5b0c9f3e-2f6a-5d1e-9c44-0e6f1b2a7c10"
OTHER = "0f5a2b8e-4b8f-5c7e-9d0a-3c1e2f4a5b6c"
SECRET = b"unit-test-bounce-secret"

POSTFIX_BOUNCE = f"""\
Return-Path: <>
From: MAILER-DAEMON@relay.example.nl (Mail Delivery System)
To: bounces+{NID}@mijnoverheid.nl
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="9B0C1E0D4A.1740000000/relay.example.nl"

This is a MIME-encapsulated message.

--9B0C1E0D4A.1740000000/relay.example.nl
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<jan@example.nl>: host mx.example.nl[192.0.2.1] said: 550 5.1.1 <jan@example.nl>:
    Recipient address rejected: User unknown (in reply to RCPT TO command)

--9B0C1E0D4A.1740000000/relay.example.nl
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.nl
X-Postfix-Queue-ID: 9B0C1E0D4A
X-Postfix-Sender: rfc822; bounces+{NID}@mijnoverheid.nl
Original-Envelope-Id: {NID}
Arrival-Date: Mon,  2 Mar 2026 10:15:02 +0100 (CET)

Final-Recipient: rfc822; jan@example.nl
Original-Recipient: rfc822;jan@example.nl
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.nl
Diagnostic-Code: smtp; 550 5.1.1 <jan@example.nl>: Recipient address rejected:
    User unknown

--9B0C1E0D4A.1740000000/relay.example.nl
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: noreply@mijnoverheid.nl
To: jan@example.nl
Subject: Nieuw bericht in uw Berichtenbox op MijnOverheid
Message-ID: <{NID}@mijnoverheid.nl>

--9B0C1E0D4A.1740000000/relay.example.nl--
""".replace("\n", "\r\n").encode()

SUCCESS_WITH_XTEXT_ENVID = b"""\
From: postmaster@relay.example.nl
To: bounces@mijnoverheid.nl
Subject: Delivery Status Notification (Success)
MIME-Version: 1.0
Content-Type: multipart/report; report-type="delivery-status"; boundary="b1"

--b1
Content-Type: text/plain

Your message was delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns;relay.example.nl
Original-Envelope-Id: abc+2Bdef

Final-Recipient: rfc822;jan@example.nl
Action: delivered
Status: 2.0.0 (success)

--b1--
"""

DELAYED = SUCCESS_WITH_XTEXT_ENVID.replace(b"Action: delivered", b"Action: delayed").replace(
    b"Status: 2.0.0 (success)", b"Status: 4.4.7"
)

READ_RECEIPT = b"""\
From: jan@example.nl
To: bounces@mijnoverheid.nl
Subject: Gelezen
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="b2"

--b2
Content-Type: message/disposition-notification

Final-Recipient: rfc822;jan@example.nl
Disposition: manual-action/MDN-sent-manually; displayed

--b2--
"""

OUT_OF_OFFICE = b"From: jan@example.nl\r\nSubject: Afwezig\r\n\r\nIk ben tot maandag afwezig.\r\n"


def test_a_postfix_bounce_is_a_hard_failure_of_the_notification_its_return_path_names() -> None:
    [report] = delivery_reports(POSTFIX_BOUNCE, notification_id=NID)
    assert report == DeliveryReport(NID, "failed", "5.1.1")
    assert report.hard_bounce


def test_the_envelope_id_alone_names_no_notification() -> None:
    """Original-Envelope-Id is whatever the report's sender wrote: not trusted."""
    [report] = delivery_reports(POSTFIX_BOUNCE)
    assert report == DeliveryReport(None, "failed", "5.1.1")
    [report] = delivery_reports(POSTFIX_BOUNCE, notification_id=OTHER)
    assert report.notification_id == OTHER


def test_a_success_report() -> None:
    [report] = delivery_reports(SUCCESS_WITH_XTEXT_ENVID, notification_id=NID)
    assert report == DeliveryReport(NID, "delivered", "2.0.0")
    assert not report.hard_bounce


def test_a_delay_warning_is_read_but_is_no_bounce() -> None:
    [report] = delivery_reports(DELAYED, notification_id=NID)
    assert (report.action, report.status, report.hard_bounce) == ("delayed", "4.4.7", False)


@pytest.mark.parametrize("raw", [READ_RECEIPT, OUT_OF_OFFICE, b"", b"not a mail at all"])
def test_anything_else_is_no_report(raw: bytes) -> None:
    assert delivery_reports(raw, notification_id=NID) == []


def test_the_return_path_names_the_notification_with_an_hmac_of_its_id() -> None:
    address = return_path(NID, "mijnoverheid.nl", SECRET)
    tag = hmac.new(SECRET, NID.encode(), hashlib.sha256).hexdigest()[:16]
    assert tag == bounce_tag(NID, SECRET)
    assert address == f"bounces+{NID}.{tag}@mijnoverheid.nl"
    assert notification_id_of(address, SECRET) == NID
    # A relay may change the case of the tag's hex digits.
    assert notification_id_of(f"bounces+{NID}.{tag.upper()}@mijnoverheid.nl", SECRET) == NID
    assert return_path(None, "mijnoverheid.nl", SECRET) == "bounces@mijnoverheid.nl"


@pytest.mark.parametrize(
    "address",
    [
        pytest.param(f"bounces+{NID}@mijnoverheid.nl", id="unsigned"),
        pytest.param(f"bounces+{NID}.@mijnoverheid.nl", id="empty-tag"),
        pytest.param(f"bounces+{NID}.0000000000000000@mijnoverheid.nl", id="wrong-tag"),
        pytest.param(f"bounces+{NID}.{bounce_tag(NID, SECRET)[:8]}@mijnoverheid.nl", id="short"),
        pytest.param(f"bounces+{NID}.{bounce_tag(OTHER, SECRET)}@mijnoverheid.nl", id="other-id"),
        pytest.param(f"bounces+{NID}.{bounce_tag(NID, b'another-key')}@x.nl", id="other-secret"),
        pytest.param(f"bounces+.{bounce_tag('', SECRET)}@mijnoverheid.nl", id="no-id"),
        pytest.param(f"bounces+{NID}.\u00e9\u00e9@mijnoverheid.nl", id="not-ascii"),
        pytest.param("bounces@mijnoverheid.nl", id="plain"),
        pytest.param("someone@mijnoverheid.nl", id="someone"),
        pytest.param(f"someone+{NID}.{bounce_tag(NID, SECRET)}@x.nl", id="other-local-part"),
    ],
)
def test_an_unsigned_or_wrongly_signed_return_path_names_no_notification(address: str) -> None:
    assert notification_id_of(address, SECRET) is None


def test_what_looks_like_a_notifications_return_path() -> None:
    assert addressed_to_a_notification(f"bounces+{NID}@mijnoverheid.nl")
    assert addressed_to_a_notification(return_path(NID, "mijnoverheid.nl", SECRET))
    assert not addressed_to_a_notification("bounces@mijnoverheid.nl")
    assert not addressed_to_a_notification("postmaster@mijnoverheid.nl")
