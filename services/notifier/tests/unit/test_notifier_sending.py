"""Sending: the rate limit, the pool of persistent connections, DSN only when offered, and how
the relay's answers are classified (against an in-process aiosmtpd, no broker or database)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import aiosmtplib
import pytest

from mijnoverheid.contracts.envelope import utc_now
from mijnoverheid_testing.smtp import SmtpTestServer
from notifier.adapters.dsn import notification_id_of
from notifier.adapters.ratelimit import TokenBucket
from notifier.adapters.smtp import SmtpMailer, bounce_tag
from notifier.adapters.smtp_pool import SmtpPool
from notifier.domain.attempt import Accepted, Deferred, Refused, start_deadline
from notifier.domain.email import Email
from notifier.domain.notification import SENDING_DELAYED

EMAIL = Email("Onderwerp", "Tekst\n", "<p>Tekst</p>\n")
SECRET = b"unit-test-bounce-secret"


class FakeTime:
    """A clock that only moves when the bucket sleeps: the waits are exact, not timed."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_the_bucket_allows_a_burst_then_the_rate() -> None:
    time = FakeTime()
    bucket = TokenBucket(rate=100, burst=5, clock=time, sleep=time.sleep)
    for _ in range(5):
        await bucket.acquire()
    assert time.slept == [], "the burst passes at once"
    for _ in range(10):
        await bucket.acquire()
    assert len(time.slept) == 10
    assert time.now - 1000.0 == pytest.approx(0.10), "then 100 a second: one every 10 ms"
    time.now += 1.0  # idle for a second: the bucket refills, but only up to the burst
    for _ in range(5):
        await bucket.acquire()
    assert len(time.slept) == 10
    await bucket.acquire()
    assert len(time.slept) == 11


async def test_a_zero_rate_is_no_limit() -> None:
    bucket = TokenBucket(rate=0)
    await asyncio.wait_for(asyncio.gather(*(bucket.acquire() for _ in range(1000))), 1)


@pytest.fixture
def relay() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


def mailer_for(server: SmtpTestServer, size: int = 2) -> tuple[SmtpMailer, SmtpPool]:
    async def connect() -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(hostname=server.host, port=server.port, start_tls=False)
        await client.connect()
        return client

    pool = SmtpPool(size, connect)
    mailer = SmtpMailer(
        pool=pool,
        limiter=TokenBucket(0),
        from_address="noreply@mijnoverheid.nl",
        bounce_domain="bounces.mijnoverheid.nl",
        bounce_secret=SECRET,
    )
    return mailer, pool


async def test_many_mails_over_few_persistent_connections(relay: SmtpTestServer) -> None:
    mailer, pool = mailer_for(relay, size=2)
    outcomes = await asyncio.gather(
        *(mailer.send(f"{i}@example.nl", EMAIL, f"n-{i}") for i in range(20))
    )
    await pool.close()
    assert all(isinstance(outcome, Accepted) for outcome in outcomes)
    assert pool.connects == 2
    assert len(relay.mails) == 20


async def test_an_attempt_that_cannot_start_before_its_deadline_is_not_made(
    relay: SmtpTestServer,
) -> None:
    # Found by the chaos run: a claimed attempt waited for a free connection longer than its
    # lease, another worker took the notification over, and both sent it.
    mailer, pool = mailer_for(relay, size=1)
    started = utc_now()
    late = await mailer.send("laat@example.nl", EMAIL, "n-late", start_by=started)
    in_time = await mailer.send(
        "op-tijd@example.nl", EMAIL, "n-in-time", start_by=started + timedelta(minutes=1)
    )
    await pool.close()
    assert late == Deferred(SENDING_DELAYED)
    assert isinstance(in_time, Accepted)
    assert [mail.recipients for mail in relay.mails] == [("op-tijd@example.nl",)]


def test_an_attempt_must_start_early_enough_to_finish_within_its_lease() -> None:
    claimed = utc_now()
    lease = timedelta(seconds=180)
    assert start_deadline(claimed, lease, timedelta(seconds=90)) == claimed + timedelta(seconds=90)
    # Never less than half the lease to start, however slow the relay may be.
    assert start_deadline(claimed, lease, timedelta(hours=1)) == claimed + timedelta(seconds=90)


async def test_dsn_and_verp_when_the_relay_offers_dsn(relay: SmtpTestServer) -> None:
    mailer, pool = mailer_for(relay)
    outcome = await mailer.send("jan@example.nl", EMAIL, "n-1")
    await pool.close()
    assert isinstance(outcome, Accepted)
    assert outcome.reply.queue_id is not None
    [mail] = relay.mails
    assert mail.mail_from == f"bounces+n-1.{bounce_tag('n-1', SECRET)}@bounces.mijnoverheid.nl"
    assert notification_id_of(mail.mail_from, SECRET) == "n-1", "signed: the reports count"
    assert set(mail.mail_options) >= {"RET=HDRS", "ENVID=n-1"}
    assert mail.rcpt_options == ("NOTIFY=SUCCESS,FAILURE",)
    assert mail.message["Message-ID"] == "<n-1@mijnoverheid.nl>"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert mail.message.get_body(("html",)) is not None


async def test_no_dsn_parameters_to_a_relay_without_dsn() -> None:
    with SmtpTestServer(dsn=False) as plain:
        mailer, pool = mailer_for(plain)
        outcome = await mailer.send("jan@example.nl", EMAIL, "n-1")
        await pool.close()
        assert isinstance(outcome, Accepted)
        assert plain.mails[0].mail_options == ()


async def test_answers_are_classified_and_the_connection_survives_a_refusal(
    relay: SmtpTestServer,
) -> None:
    mailer, pool = mailer_for(relay, size=1)
    relay.answer_next("451 4.3.0 later", "550 5.1.1 <jan@example.nl> unknown", "drop")
    deferred = await mailer.send("jan@example.nl", EMAIL, "n-1")
    refused = await mailer.send("jan@example.nl", EMAIL, "n-2")
    dropped = await mailer.send("jan@example.nl", EMAIL, "n-3")
    after = await mailer.send("jan@example.nl", EMAIL, "n-4")
    await pool.close()
    assert isinstance(deferred, Deferred)
    assert deferred.reply is not None
    assert deferred.reply.code == 451
    assert isinstance(refused, Refused)
    assert "jan@example.nl" not in refused.reply.message
    assert dropped == Deferred("connection-lost")
    assert isinstance(after, Accepted)
    assert pool.connects == 2, "refusals kept the connection; only the drop cost one"


async def test_an_unreachable_relay_is_a_deferral() -> None:
    async def connect() -> aiosmtplib.SMTP:
        raise ConnectionRefusedError

    mailer = SmtpMailer(
        pool=SmtpPool(1, connect),
        limiter=TokenBucket(0),
        from_address="noreply@mijnoverheid.nl",
        bounce_domain="mijnoverheid.nl",
        bounce_secret=SECRET,
    )
    assert await mailer.send("jan@example.nl", EMAIL, "n-1") == Deferred("connection-lost")
