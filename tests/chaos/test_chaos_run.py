"""A short chaos run in every `make test`: 300 events from three organisations through the four
services, with a kill -9 of the Berichtenbox and of the Notifier, the Notifier dying at its
failpoint, and SMTP trouble (a 4xx burst, connections dropped in DATA, refused recipients,
late reports and bounces), on the shared stack; then every invariant of the auditor.

The long run, with broker and database restarts, network trouble and full queues, is
`make chaos` (docs/reliability.md)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from mijnoverheid_testing.chaos import report, schedule
from mijnoverheid_testing.chaos.run import Options, execute

pytestmark = pytest.mark.integration


@pytest.mark.timeout(300)
async def test_a_short_chaos_run_keeps_every_invariant(tmp_path: Path) -> None:
    if not (os.environ.get("AMQP_URL") and os.environ.get("MONGODB_URL")):
        pytest.fail("set AMQP_URL and MONGODB_URL (make test does) to run the chaos run")
    options = Options(
        n=300,
        seed=int(os.environ.get("CHAOS_SEED", "1")),
        profile="short",
        shared=True,
        rate=10.0,
        work_dir=tmp_path,
        drain_timeout=150.0,
        command=shlex.join(["pytest", __file__]),
    )
    run = await execute(options)
    injected = {i.fault.kind for i in run.injected if i.injected}
    assert schedule.KILL in injected
    assert {schedule.SMTP_4XX, schedule.SMTP_DROP} <= injected
    assert any(d.service == "berichtenbox" for d in run.deaths)
    assert run.findings.passed, f"logs in {tmp_path}\n{report.verdict(run)}"
    figures = run.findings.figures
    assert figures["message-sent delivered"] > 100
    assert figures["mails accepted by the relay"] > 50
    assert figures["notifications ending permanent-failure (relay-refused)"] >= 1
