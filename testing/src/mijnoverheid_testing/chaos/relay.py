"""The SMTP relay of the chaos run (aiosmtpd): it records every mail it accepts, misbehaves on
command, and reports each accepted notification mail later, as a relay with DSN does.

Faults: a 4xx burst (every DATA answered 451 until it ends), 5xx for some recipients (RCPT
refused), the connection dropped in the middle of DATA (closed before any reply; the mail is
not kept), a stall (the relay stops answering MAIL FROM for a while) and delivery status
reports that arrive seconds later, some of them hard bounces.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mijnoverheid_testing.chaos.reports import Report, ReportSenders
from mijnoverheid_testing.dsn import DsnSmtp
from mijnoverheid_testing.smtp import free_port

DEFERRED = "451 4.3.0 Relay busy, try again later"
REFUSED = "550 5.1.1 Mailbox unavailable"


@dataclass(frozen=True)
class RelayedMail:
    message_id: str | None  # the notification id for a notification mail (its Message-ID)
    recipient: str
    accepted_at: float  # time.time(), comparable with the fault log


class _Handler:
    def __init__(self, relay: ChaosRelay) -> None:
        self.relay = relay
        self.dsn = True  # DsnSmtp takes the DSN parameters when the handler offers DSN

    async def handle_EHLO(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        session.host_name = hostname
        responses.insert(len(responses) - 1, "250-DSN")
        return responses

    async def handle_MAIL(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        stall = self.relay.stall_until - time.monotonic()
        if stall > 0:
            await asyncio.sleep(stall)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.relay.refusing and address in self.relay.refused:
            self.relay.count("refused")
            return REFUSED
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        relay = self.relay
        if relay.take_drop():
            relay.count("dropped")
            assert server.transport is not None
            server.transport.close()
            return "421 closing"
        if time.monotonic() < relay.defer_until:
            relay.count("deferred")
            return DEFERRED
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        relay.accept(str(envelope.mail_from), list(envelope.rcpt_tos), envelope.mail_options, raw)
        return "250 2.0.0 OK queued"


class _Controller(Controller):
    def factory(self) -> SMTP:
        return DsnSmtp(self.handler, **self.SMTP_kwargs)


class ChaosRelay:
    def __init__(self, seed: int, *, report_delay: tuple[float, float] = (0.5, 5.0)) -> None:
        self.host = "127.0.0.1"
        self.port = free_port(self.host)
        self.refused: set[str] = set()
        self.bouncing: set[str] = set()
        self.refusing = False
        self.defer_until = 0.0
        self.stall_until = 0.0
        self.counts: dict[str, int] = {}
        self._drops = 0
        self._mails: list[RelayedMail] = []
        self._verification: dict[str, bytes] = {}  # the newest mail about no notification
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._report_delay = report_delay
        self._reports = ReportSenders(self.count)
        self._controller = _Controller(_Handler(self), hostname=self.host, port=self.port)

    def __enter__(self) -> ChaosRelay:
        self._controller.start()
        self._reports.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._reports.stop()
        self._controller.stop()

    @property
    def bounce_endpoint(self) -> tuple[str, int] | None:
        """Where the reports go (the Notifier's bounce endpoint); none are sent until set."""
        return self._reports.endpoint

    @bounce_endpoint.setter
    def bounce_endpoint(self, endpoint: tuple[str, int]) -> None:
        self._reports.endpoint = endpoint

    # --- faults ---------------------------------------------------------------------------
    def defer_for(self, seconds: float) -> None:
        self.defer_until = time.monotonic() + seconds

    def stall_for(self, seconds: float) -> None:
        self.stall_until = time.monotonic() + seconds

    def drop_next(self, count: int) -> None:
        with self._lock:
            self._drops += count

    def take_drop(self) -> bool:
        with self._lock:
            if self._drops <= 0:
                return False
            self._drops -= 1
            return True

    def count(self, what: str) -> None:
        with self._lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    # --- what it accepted -----------------------------------------------------------------
    @property
    def mails(self) -> list[RelayedMail]:
        with self._lock:
            return list(self._mails)

    @property
    def reports_pending(self) -> int:
        return self._reports.pending

    def accept(self, mail_from: str, recipients: list[str], options: Any, raw: bytes) -> None:
        head = raw.split(b"\r\n\r\n", 1)[0]
        parsed = email.message_from_bytes(head + b"\r\n\r\n")
        message_id = (parsed.get("Message-ID") or "").strip("<> ") or None
        notification_id = message_id.split("@", 1)[0] if message_id else None
        now = time.time()
        envelope_id = next(
            (str(o).split("=", 1)[1] for o in options if str(o).upper().startswith("ENVID=")),
            None,
        )
        headers = head.decode(errors="replace")
        with self._lock:
            for recipient in recipients:
                self._mails.append(RelayedMail(notification_id, recipient, now))
                self.counts["accepted"] = self.counts.get("accepted", 0) + 1
                if notification_id is None:  # a verification mail: kept, never reported on
                    self._verification[recipient] = raw
                    continue
                bounce = recipient in self.bouncing
                due = time.monotonic() + self._random.uniform(*self._report_delay)
                self._reports.add(
                    Report(
                        due,
                        0,
                        mail_from,
                        recipient,
                        envelope_id,
                        headers,
                        "failed" if bounce else "delivered",
                        "5.1.1" if bounce else "2.0.0",
                    )
                )

    def code_for(self, address: str) -> str | None:
        """The text of the newest verification mail to `address`, if any."""
        with self._lock:
            raw = self._verification.get(address)
        if raw is None:
            return None
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        return str(body.get_content()) if body is not None else None
