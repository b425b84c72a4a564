"""A real SMTP server (aiosmtpd) that records what it receives and can be told how to answer."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import socket
import ssl
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mijnoverheid_testing.dsn import DsnSmtp, ScriptedReport, deliver_report

ACCEPTED = "250 2.0.0 OK queued as {queue_id}"
DROP_CONNECTION = "drop"


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes
    # ESMTP parameters of MAIL FROM and RCPT TO, e.g. ("RET=HDRS", "ENVID=…"), ("NOTIFY=…",).
    mail_options: tuple[str, ...] = ()
    rcpt_options: tuple[str, ...] = ()
    tls: bool = False  # the session ran over TLS (STARTTLS) when the mail came

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def text(self) -> str:
        """Every text part, decoded, for assertions about what a mail (never) says."""
        parts = [
            part.get_content()
            for part in self.message.walk()
            if part.get_content_maintype() == "text"
        ]
        headers = "\n".join(f"{key}: {value}" for key, value in self.message.items())
        return headers + "\n" + "\n".join(parts)


BeforeAccept = Callable[[], Coroutine[Any, Any, None]]


class _Recorder:
    def __init__(self) -> None:
        self.mails: list[ReceivedMail] = []
        self.replies: deque[str] = deque()
        self.reports: deque[ScriptedReport] = deque()
        # Run before the next 250 goes out: (the test's loop, what to run there).
        self.before_accept: deque[tuple[asyncio.AbstractEventLoop, BeforeAccept]] = deque()
        self.dsn = False
        self._lock = threading.Lock()
        self._count = 0

    async def handle_EHLO(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        if self.dsn:  # advertise DSN (RFC 3461) before the closing "250 HELP"
            responses.insert(len(responses) - 1, "250-DSN")
        return responses

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        with self._lock:
            reply = self.replies.popleft() if self.replies else ACCEPTED
            self._count += 1
            queue_id = f"Q{self._count:06d}"
        if reply == DROP_CONNECTION:
            assert server.transport is not None
            server.transport.close()
            return "421 closing"
        if reply.startswith("250"):
            if self.before_accept:
                loop, before = self.before_accept.popleft()
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(before(), loop))
            content = envelope.original_content or envelope.content or b""
            raw = content if isinstance(content, bytes) else content.encode()
            mail = ReceivedMail(
                str(envelope.mail_from),
                tuple(envelope.rcpt_tos),
                raw,
                tuple(envelope.mail_options),
                tuple(envelope.rcpt_options),
                session.ssl is not None,
            )
            with self._lock:
                self.mails.append(mail)
                report = self.reports.popleft() if self.reports else None
            if report is not None:
                # Like a relay: report later, from its own queue, retrying on a 4xx.
                loop = asyncio.get_running_loop()
                loop.run_in_executor(None, deliver_report, report, mail)
        return reply.format(queue_id=queue_id)


class SmtpTestServer:
    """Starts on SMTP_HOST/SMTP_PORT when set, otherwise on a free loopback port."""

    def __init__(self, *, dsn: bool = True, starttls: ssl.SSLContext | None = None) -> None:
        """`dsn`: advertise and accept DSN (RFC 3461) parameters, as most relays do.
        `starttls`: the server context of a relay that requires STARTTLS before any mail."""
        self.host = os.environ.get("SMTP_HOST", "127.0.0.1")
        self.port = int(os.environ.get("SMTP_PORT", "0")) or free_port(self.host)
        self._recorder = _Recorder()
        self._recorder.dsn = dsn
        tls: dict[str, Any] = {}
        if starttls is not None:
            tls = {"tls_context": starttls, "require_starttls": True}
        self._controller = _DsnController(self._recorder, hostname=self.host, port=self.port, **tls)

    def __enter__(self) -> SmtpTestServer:
        self._controller.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._controller.stop()

    @property
    def mails(self) -> list[ReceivedMail]:
        return list(self._recorder.mails)

    def mails_to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.mails if address in mail.recipients]

    def answer_next(self, *replies: str) -> None:
        """Script the next DATA replies, e.g. "451 4.3.0 try later", "550 5.1.1 no", "drop"."""
        self._recorder.replies.extend(replies)

    def before_next_accept(self, before: BeforeAccept) -> None:
        """Run `before` (on the caller's event loop) just before the next mail is accepted,
        e.g. to take the sender's database away while the relay's 250 is on its way."""
        self._recorder.before_accept.append((asyncio.get_running_loop(), before))

    def report_next(
        self, action: str, status: str, *, to: tuple[str, int], diagnostic: str | None = None
    ) -> None:
        """After the next accepted mail, send an RFC 3464 delivery status report about it to
        its return path, through the SMTP server at `to` (the bounce endpoint), e.g.
        `report_next("failed", "5.1.1", to=("127.0.0.1", 2525))` for a hard bounce."""
        self._recorder.reports.append(ScriptedReport(action, status, to, diagnostic))


class _DsnController(Controller):
    def factory(self) -> SMTP:
        return DsnSmtp(self.handler, **self.SMTP_kwargs)


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
