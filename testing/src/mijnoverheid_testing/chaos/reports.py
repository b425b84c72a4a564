"""The relay's delivery status reports (RFC 3464), sent to the Notifier's bounce endpoint
seconds after a mail was accepted, as a relay with DSN does: several senders, each keeping its
SMTP session open for many reports, each report tried again later (backing off) while the
endpoint answers 4xx or cannot be reached."""

from __future__ import annotations

import queue
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mijnoverheid_testing.dsn import delivery_status_report

SENDERS = 6
RETRY_SECONDS = 0.25
MAX_RETRY_SECONDS = 8.0


@dataclass(order=True)
class Report:
    due: float  # time.monotonic()
    seq: int
    mail_from: str = field(compare=False)
    recipient: str = field(compare=False)
    envelope_id: str | None = field(compare=False)
    headers: str = field(compare=False)
    action: str = field(compare=False)  # delivered | failed
    status: str = field(compare=False)  # 2.0.0 | 5.1.1
    attempts: int = field(default=0, compare=False)


class ReportSenders:
    """`count(what)` is told of every outcome ("reports delivered", "reports deferred", …)."""

    def __init__(self, count: Callable[[str], None]) -> None:
        self.endpoint: tuple[str, int] | None = None
        self._count = count
        self._queue: queue.PriorityQueue[Report] = queue.PriorityQueue()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._seq = 0
        self._stop = threading.Event()

    def start(self) -> None:
        for _ in range(SENDERS):
            threading.Thread(target=self._send, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    @property
    def pending(self) -> int:
        with self._lock:
            return self._queue.qsize() + self._in_flight

    def add(self, report: Report) -> None:
        with self._lock:
            self._seq += 1
            report.seq = self._seq
            self._queue.put(report)

    def _take(self) -> Report | None:
        with self._lock:  # counted as pending from the moment it leaves the queue
            try:
                report = self._queue.get_nowait()
            except queue.Empty:
                return None
            self._in_flight += 1
            return report

    def _send(self) -> None:
        session = _Session()
        try:
            while not self._stop.is_set():
                report = self._take()
                if report is None:
                    self._stop.wait(0.1)
                    continue
                wait = report.due - time.monotonic()
                try:
                    if wait > 0:
                        self._queue.put(report)
                    elif not self._deliver(session, report):  # later, backing off
                        report.attempts += 1
                        backoff = RETRY_SECONDS * 2**report.attempts
                        report.due = time.monotonic() + min(MAX_RETRY_SECONDS, backoff)
                        self._queue.put(report)
                finally:
                    with self._lock:
                        self._in_flight -= 1
                if wait > 0:
                    self._stop.wait(min(wait, 0.1))
        finally:
            session.close()

    def _deliver(self, session: _Session, report: Report) -> bool:
        """True once the endpoint took the report (or refused it for good)."""
        if self.endpoint is None:
            return False
        body = delivery_status_report(
            return_path=report.mail_from,
            recipient=report.recipient,
            action=report.action,
            status=report.status,
            envelope_id=report.envelope_id,
            original_headers=report.headers,
        )
        try:
            session.client(self.endpoint).sendmail("", [report.mail_from], body)
        except smtplib.SMTPRecipientsRefused as error:
            refused = all(code >= 500 for code, _ in error.recipients.values())
            self._count("reports refused" if refused else "reports deferred")
            return refused
        except smtplib.SMTPResponseException as error:  # the session itself is still good
            self._count("reports refused" if error.smtp_code >= 500 else "reports deferred")
            return error.smtp_code >= 500
        except (smtplib.SMTPException, OSError):
            session.close()
            self._count("reports deferred")
            return False
        self._count(f"reports {report.action}")
        return True


class _Session:
    """One SMTP connection, opened when needed and reused for report after report."""

    def __init__(self) -> None:
        self._client: smtplib.SMTP | None = None

    def client(self, endpoint: tuple[str, int]) -> smtplib.SMTP:
        if self._client is None:
            self._client = smtplib.SMTP(*endpoint, timeout=10)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.quit()
            except (smtplib.SMTPException, OSError):
                self._client.close()
            self._client = None
