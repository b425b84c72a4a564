"""The bounce endpoint answers 451 whenever it cannot process a report, so the relay sends it
again; an outage of the database or the broker (or a full queue pushing back) is expected and
logged as a warning, anything else as an error."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import aiormq.exceptions
import pymongo.errors
import pytest
from pamqp.commands import Basic

from notifier.adapters.bounce_server import LATER, _Endpoint


def _endpoint(error: Exception) -> _Endpoint:
    async def on_report(recipients: list[str], raw: bytes) -> str:
        raise error

    return _Endpoint("mijnoverheid.localhost", on_report)


def _envelope() -> SimpleNamespace:
    return SimpleNamespace(
        original_content=b"report", content=b"report", rcpt_tos=["bounces+x@mijnoverheid.localhost"]
    )


@pytest.mark.parametrize(
    "outage",
    [
        pymongo.errors.AutoReconnect("database away"),
        aiormq.exceptions.DeliveryError(None, Basic.Nack()),  # a full queue pushes back
    ],
)
async def test_an_outage_defers_the_report_with_a_warning_not_an_error(
    outage: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="notifier.adapters.bounce_server"):
        answer = await _endpoint(outage).handle_DATA(None, None, _envelope())
    assert answer == LATER
    levels = {record.levelno for record in caplog.records}
    assert levels == {logging.WARNING}


async def test_an_unexpected_failure_is_an_error_and_still_deferred(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="notifier.adapters.bounce_server"):
        answer = await _endpoint(ValueError("bug")).handle_DATA(None, None, _envelope())
    assert answer == LATER
    assert [record.levelno for record in caplog.records] == [logging.ERROR]
