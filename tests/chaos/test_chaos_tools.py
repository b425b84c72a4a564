"""The chaos run's own tools do what the report says they did: the proxy holds traffic back and
cuts it, the relay refuses, defers, drops, stalls and reports later."""

from __future__ import annotations

import asyncio
import smtplib
import time
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from mijnoverheid_testing.chaos.proxy import FaultyProxy, ProxyGroup
from mijnoverheid_testing.chaos.relay import ChaosRelay
from mijnoverheid_testing.smtp import free_port
from mijnoverheid_testing.waiting import wait_until


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


async def test_the_proxy_passes_delays_and_cuts_traffic() -> None:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    proxy = await FaultyProxy("echo", "127.0.0.1", port).start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"ping")
        assert await asyncio.wait_for(reader.readexactly(4), 5) == b"ping"

        proxy.latency = 0.3
        started = time.monotonic()
        writer.write(b"slow")
        assert await asyncio.wait_for(reader.readexactly(4), 5) == b"slow"
        assert time.monotonic() - started >= 0.6  # held back on the way there and back
        proxy.latency = 0.0

        proxy.cut_off()
        writer.write(b"lost")
        with pytest.raises(TimeoutError):  # nothing passes, and the connection stays open
            await asyncio.wait_for(reader.readexactly(4), 1.0)
        proxy.heal()
        assert await asyncio.wait_for(reader.readexactly(4), 5) == b"lost"
        writer.close()
    finally:
        await proxy.close()
        server.close()


class _Endpoint:
    """A bounce endpoint that answers 451 to its first report, as one that is busy would."""

    def __init__(self) -> None:
        self.reports: list[str] = []
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refused == 0:
            self.refused += 1
            return "451 4.3.0 try again later"
        self.reports.append(envelope.content.decode())
        return "250 OK"


def _mail(notification_id: str, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = "noreply@mijnoverheid.localhost", to
    message["Message-ID"] = f"<{notification_id}@mijnoverheid.localhost>"
    message["Subject"] = "Nieuw bericht"
    message.set_content("Er staat een nieuw bericht voor u klaar.")
    return message


def _send(relay: ChaosRelay, notification_id: str, to: str) -> None:
    with smtplib.SMTP(relay.host, relay.port, timeout=10) as client:
        client.send_message(_mail(notification_id, to), from_addr=f"bounces+{notification_id}@x")


async def test_the_relay_accepts_then_reports_later_and_bounces_some() -> None:
    endpoint = _Endpoint()
    controller = Controller(endpoint, hostname="127.0.0.1", port=free_port("127.0.0.1"))
    controller.start()
    try:
        with ChaosRelay(1, report_delay=(0.1, 0.2)) as relay:
            relay.bounce_endpoint = ("127.0.0.1", controller.port)
            relay.bouncing = {"bounce@chaos.example"}
            await asyncio.to_thread(_send, relay, "n-1", "fine@chaos.example")
            await asyncio.to_thread(_send, relay, "n-2", "bounce@chaos.example")
            assert [m.message_id for m in relay.mails] == ["n-1", "n-2"]
            await wait_until(lambda: relay.reports_pending == 0, what="both reports taken")
    finally:
        controller.stop()
    assert endpoint.refused == 1  # the first was deferred, and delivered again later
    reports = sorted(endpoint.reports)
    assert len(reports) == 2
    assert any("Action: delivered" in r and "Status: 2.0.0" in r for r in reports)
    assert any("Action: failed" in r and "Status: 5.1.1" in r for r in reports)


async def test_the_relay_refuses_defers_drops_and_stalls_on_command() -> None:
    with ChaosRelay(2) as relay:
        relay.refused = {"refused@chaos.example"}
        relay.refusing = True
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            await asyncio.to_thread(_send, relay, "n-1", "refused@chaos.example")

        relay.defer_for(30)
        with pytest.raises(smtplib.SMTPDataError) as deferred:
            await asyncio.to_thread(_send, relay, "n-2", "fine@chaos.example")
        assert deferred.value.smtp_code == 451
        relay.defer_for(0)

        relay.drop_next(1)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            await asyncio.to_thread(_send, relay, "n-3", "fine@chaos.example")

        relay.stall_for(1.0)
        started = time.monotonic()
        await asyncio.to_thread(_send, relay, "n-4", "fine@chaos.example")
        assert time.monotonic() - started >= 1.0
        assert [m.message_id for m in relay.mails] == ["n-4"]  # nothing else was kept
        assert relay.counts["refused"] == 1
        assert relay.counts["deferred"] == 1
        assert relay.counts["dropped"] == 1


async def test_a_proxy_group_troubles_the_links_to_every_node_together() -> None:
    servers = [await asyncio.start_server(_echo, "127.0.0.1", 0) for _ in range(3)]
    targets = [("127.0.0.1", server.sockets[0].getsockname()[1]) for server in servers]
    group = await ProxyGroup("service-broker", targets).start()
    try:
        streams = [await asyncio.open_connection(*address) for address in group.addresses]
        group.cut_off()
        for _, writer in streams:
            writer.write(b"lost")
        for reader, _ in streams:  # no node to fail over to
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(reader.readexactly(4), 0.5)
        group.heal()
        group.latency = 0.2
        assert all(member.latency == 0.2 for member in group.members)
        for reader, writer in streams:
            assert await asyncio.wait_for(reader.readexactly(4), 5) == b"lost"
            writer.close()
    finally:
        await group.close()
        for server in servers:
            server.close()
