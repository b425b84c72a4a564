"""A local SMTP sink for `make run`: keeps every mail as .eml (and readable .txt) in a folder.

With --tls-cert and --tls-key it requires STARTTLS before any mail, as a production relay does.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import signal
import ssl
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class KeepMails:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.count += 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        name = f"{stamp}-{self.count:04d}"
        raw = envelope.original_content or envelope.content or b""
        raw = raw if isinstance(raw, bytes) else raw.encode()
        (self.folder / f"{name}.eml").write_bytes(raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        headers = "".join(f"{key}: {message[key]}\n" for key in ("From", "To", "Subject", "Date"))
        (self.folder / f"{name}.txt").write_text(headers + "\n" + text, encoding="utf-8")
        print(f"mail sink: kept {self.folder / name}.txt", flush=True)
        return f"250 2.0.0 OK queued as {name}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--folder", type=Path, default=Path(".local/mails"))
    parser.add_argument("--tls-cert", type=Path, help="server certificate chain (PEM)")
    parser.add_argument("--tls-key", type=Path, help="its private key (PEM)")
    arguments = parser.parse_args()
    arguments.folder.mkdir(parents=True, exist_ok=True)
    tls = {}
    if arguments.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
        tls = {"tls_context": context, "require_starttls": True}
    controller = Controller(
        KeepMails(arguments.folder), hostname=arguments.host, port=arguments.port, **tls
    )
    controller.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    controller.stop()


if __name__ == "__main__":
    asyncio.run(main())
