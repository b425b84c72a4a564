"""Sending one e-mail over a pooled connection, with DSN and a signed VERP return path.

The return path `bounces+<notification id>.<tag>@<bounce domain>` names the notification; the
tag, an HMAC of the id under a secret of ours, proves that a report to it answers a mail we
sent (the id itself is no secret: it is in every mail's Message-ID). When the relay offers DSN
we ask for a report on success and failure (RET=HDRS: headers only, never the content).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime

import aiosmtplib

from mijnoverheid.contracts.envelope import utc_now
from notifier.adapters.ratelimit import TokenBucket
from notifier.adapters.smtp_pool import SmtpPool
from notifier.domain import notification as n
from notifier.domain.attempt import Accepted, Deferred, Outcome, Refused, smtp_reply
from notifier.domain.email import Email

BOUNCE_LOCAL_PART = "bounces"
TAG_SEPARATOR = "."
TAG_LENGTH = 16  # hex digits: 64 bits of HMAC-SHA256


def bounce_tag(notification_id: str, secret: bytes) -> str:
    digest = hmac.new(secret, notification_id.encode(), hashlib.sha256).hexdigest()
    return digest[:TAG_LENGTH]


def return_path(notification_id: str | None, bounce_domain: str, secret: bytes) -> str:
    """`bounces+<id>.<tag>@domain`; plain `bounces@domain` for a mail about no notification."""
    if notification_id is None:
        return f"{BOUNCE_LOCAL_PART}@{bounce_domain}"
    tag = bounce_tag(notification_id, secret)
    return f"{BOUNCE_LOCAL_PART}+{notification_id}{TAG_SEPARATOR}{tag}@{bounce_domain}"


class SmtpMailer:
    def __init__(
        self,
        *,
        pool: SmtpPool,
        limiter: TokenBucket,
        from_address: str,
        bounce_domain: str,
        bounce_secret: bytes,
    ) -> None:
        self._pool = pool
        self._limiter = limiter
        self._from = from_address
        self._bounce_domain = bounce_domain
        self._bounce_secret = bounce_secret

    async def send(
        self,
        to: str,
        email: Email,
        notification_id: str | None,
        start_by: datetime | None = None,
    ) -> Outcome:
        raw = build_message(self._from, to, email, notification_id)
        await self._limiter.acquire()
        # A second try only if the first failed before anything was transmitted (a connection
        # the relay closed while it was idle): that can never give two mails.
        for _ in range(2):
            outcome, transmitted = await self._transmit(to, raw, notification_id, start_by)
            if outcome is not None:
                return outcome
            if transmitted:
                break
        return Deferred(n.CONNECTION_LOST)

    async def _transmit(
        self, to: str, raw: bytes, notification_id: str | None, start_by: datetime | None
    ) -> tuple[Outcome | None, bool]:
        try:
            slot = await self._pool.acquire()
        except aiosmtplib.SMTPResponseException as error:
            # Refused at connect or login: our set-up or the relay's state, not the recipient.
            return Deferred(n.RELAY_DEFERRED, smtp_reply(error.code, error.message)), True
        except (aiosmtplib.SMTPException, OSError):
            return None, False
        if start_by is not None and utc_now() >= start_by:
            # The waits (rate limit, a free connection) ate the lease: once it runs out another
            # worker may send this notification, so this attempt is not made at all.
            self._pool.release(slot, healthy=True)
            return Deferred(n.SENDING_DELAYED), True
        client = slot.client
        assert client is not None
        transmitted = False
        try:
            if client.is_ehlo_or_helo_needed:
                await client.ehlo()
            mail_options: list[str] = []
            rcpt_options: list[str] = []
            if notification_id and client.supports_extension("dsn"):
                mail_options = ["RET=HDRS", f"ENVID={notification_id}"]
                rcpt_options = ["NOTIFY=SUCCESS,FAILURE"]
            sender = return_path(notification_id, self._bounce_domain, self._bounce_secret)
            await client.mail(sender, options=mail_options)
            transmitted = True
            await client.rcpt(to, options=rcpt_options)
            response = await client.data(raw)
        except aiosmtplib.SMTPResponseException as error:
            # The session survives a refusal: reset the envelope and keep the connection.
            healthy = await _reset(client)
            self._pool.release(slot, healthy=healthy)
            return _classified(error.code, error.message), True
        except (aiosmtplib.SMTPException, OSError):
            self._pool.release(slot, healthy=False)
            return None, transmitted
        self._pool.release(slot, healthy=True)
        return Accepted(smtp_reply(response.code, response.message)), True


def build_message(from_address: str, to: str, email: Email, notification_id: str | None) -> bytes:
    """The mail as sent: the content (identical for many notifications) built once and cached,
    the few per-mail headers put in front (Python's email package is slow to build MIME)."""
    if not to.isascii():
        return _full_message(from_address, to, email, notification_id)
    domain = from_address.rsplit("@", 1)[-1]
    headers = [f"To: {to}", f"Date: {format_datetime(utc_now())}"]
    if notification_id:
        # Deterministic: a resend of the same notification is recognisable as such.
        headers.append(f"Message-ID: <{notification_id}@{domain}>")
    return "\r\n".join(headers).encode() + b"\r\n" + _content(from_address, email)


@functools.lru_cache(maxsize=512)
def _content(from_address: str, email: Email) -> bytes:
    """From, Subject, the MIME headers and both bodies, as bytes."""
    return _full_message(from_address, None, email, None)


def _full_message(
    from_address: str, to: str | None, email: Email, notification_id: str | None
) -> bytes:
    message = EmailMessage()
    if to is not None:
        message["To"] = to
        message["Date"] = format_datetime(utc_now())
    if notification_id:
        domain = from_address.rsplit("@", 1)[-1]
        message["Message-ID"] = f"<{notification_id}@{domain}>"
    message["From"] = from_address
    message["Subject"] = email.subject
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message["X-Auto-Response-Suppress"] = "All"
    # Quoted-printable keeps the mail 7-bit clean for a relay without 8BITMIME.
    message.set_content(email.text, cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", cte="quoted-printable")
    return message.as_bytes(policy=SMTP_POLICY)


async def _reset(client: aiosmtplib.SMTP) -> bool:
    try:
        await client.rset()
    except (aiosmtplib.SMTPException, OSError):
        return False
    return True


def _classified(code: int, text: str) -> Outcome:
    reply = smtp_reply(code, text)
    if 500 <= code < 600:
        return Refused(reply)
    return Deferred(n.RELAY_DEFERRED, reply)
