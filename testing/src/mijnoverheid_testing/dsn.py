"""Delivery status notifications (RFC 3461/3464) for the SMTP test server.

`DsnSmtp` accepts the DSN parameters of MAIL FROM (RET, ENVID) and RCPT TO (NOTIFY, ORCPT),
which plain aiosmtpd refuses; `delivery_status_report` builds the multipart/report a relay
sends back to the return path; `deliver_report` sends it like a relay would, retrying a 4xx;
`send_report` sends one once, to any address, as anybody could (a forged report, say).
"""

from __future__ import annotations

import smtplib
import time
import uuid
from dataclasses import dataclass
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP

from mijnoverheid.contracts.envelope import utc_now

if TYPE_CHECKING:
    from mijnoverheid_testing.smtp import ReceivedMail

MAIL_PARAMETERS = ("RET=", "ENVID=")
RCPT_PARAMETERS = ("NOTIFY=", "ORCPT=")
REPORT_ATTEMPTS = 100
REPORT_RETRY_SECONDS = 0.1


class DsnSmtp(SMTP):
    """aiosmtpd's SMTP, taking DSN parameters when its handler advertises DSN."""

    async def smtp_MAIL(self, arg: str | None) -> None:  # noqa: N802
        arg, taken = self._take(arg, MAIL_PARAMETERS)
        await super().smtp_MAIL(arg)
        if taken and self.envelope is not None and self.envelope.mail_from:
            self.envelope.mail_options.extend(taken)

    async def smtp_RCPT(self, arg: str | None) -> None:  # noqa: N802
        before = len(self.envelope.rcpt_tos) if self.envelope is not None else 0
        arg, taken = self._take(arg, RCPT_PARAMETERS)
        await super().smtp_RCPT(arg)
        if taken and self.envelope is not None and len(self.envelope.rcpt_tos) > before:
            self.envelope.rcpt_options.extend(taken)

    def _take(self, arg: str | None, names: tuple[str, ...]) -> tuple[str | None, list[str]]:
        if arg is None or not getattr(self.event_handler, "dsn", False):
            return arg, []
        words = arg.split(" ")
        taken = [word for word in words if word.upper().startswith(names)]
        return " ".join(word for word in words if word not in taken), taken


@dataclass(frozen=True)
class ScriptedReport:
    action: str  # delivered | failed | delayed
    status: str  # e.g. 2.0.0, 5.1.1, 4.4.7
    to: tuple[str, int]
    diagnostic: str | None = None


def delivery_status_report(
    *,
    return_path: str,
    recipient: str,
    action: str,
    status: str,
    envelope_id: str | None = None,
    original_headers: str = "",
    diagnostic: str | None = None,
) -> bytes:
    """A multipart/report; report-type=delivery-status, as Postfix writes one."""
    boundary = uuid.uuid4().hex
    per_message = ["Reporting-MTA: dns; relay.test.example"]
    if envelope_id:
        per_message.append(f"Original-Envelope-Id: {envelope_id}")
    per_message.append(f"Arrival-Date: {format_datetime(utc_now())}")
    per_recipient = [
        f"Final-Recipient: rfc822; {recipient}",
        f"Original-Recipient: rfc822;{recipient}",
        f"Action: {action}",
        f"Status: {status}",
    ]
    if diagnostic:
        per_recipient.append(f"Diagnostic-Code: smtp; {diagnostic}")
    lines = [
        "From: MAILER-DAEMON@relay.test.example (Mail Delivery System)",
        f"To: {return_path}",
        f"Subject: Delivery Status Notification ({action})",
        f"Date: {format_datetime(utc_now())}",
        "MIME-Version: 1.0",
        "Auto-Submitted: auto-replied",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        f"This is the mail system at relay.test.example: delivery {action}.",
        "",
        f"--{boundary}",
        "Content-Type: message/delivery-status",
        "",
        *per_message,
        "",
        *per_recipient,
        "",
        f"--{boundary}",
        "Content-Type: text/rfc822-headers",
        "",
        original_headers.strip(),
        "",
        f"--{boundary}--",
        "",
    ]
    return "\r\n".join(lines).encode()


def deliver_report(report: ScriptedReport, mail: ReceivedMail) -> None:
    """Send the report about `mail` to its return path at `report.to`; retry while it says 4xx."""
    envelope_id = _option(mail.mail_options, "ENVID")
    headers = mail.raw.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    body = delivery_status_report(
        return_path=mail.mail_from,
        recipient=mail.recipients[0],
        action=report.action,
        status=report.status,
        envelope_id=envelope_id,
        original_headers=headers,
        diagnostic=report.diagnostic,
    )
    host, port = report.to
    for _ in range(REPORT_ATTEMPTS):
        try:
            with smtplib.SMTP(host, port, timeout=10) as client:
                client.sendmail("", [mail.mail_from], body)
            return
        except smtplib.SMTPRecipientsRefused as error:
            if all(code >= 500 for code, _ in error.recipients.values()):
                return
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500:
                return
        except (smtplib.SMTPException, OSError):
            pass
        time.sleep(REPORT_RETRY_SECONDS)  # a relay's retry interval, compressed


def send_report(
    to: tuple[str, int],
    *,
    return_path: str,
    recipient: str,
    action: str,
    status: str,
    envelope_id: str | None = None,
) -> tuple[int, str]:
    """Send one report to `return_path` through the SMTP server at `to`, once, without retrying:
    the server's answer to DATA, or to RCPT TO when it refused the address."""
    body = delivery_status_report(
        return_path=return_path,
        recipient=recipient,
        action=action,
        status=status,
        envelope_id=envelope_id,
    )
    host, port = to
    with smtplib.SMTP(host, port, timeout=10) as client:
        client.ehlo()
        client.mail("")
        code, message = client.rcpt(return_path)
        if code >= 400:
            return code, message.decode(errors="replace")
        code, message = client.data(body)
        return code, message.decode(errors="replace")


def _option(options: Any, name: str) -> str | None:
    for option in options:
        key, _, value = str(option).partition("=")
        if key.upper() == name:
            return value
    return None
