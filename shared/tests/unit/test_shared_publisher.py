"""Only a broker Ack lets a handler go on (and ack its trigger)."""

from __future__ import annotations

from typing import Any

import pytest
from aiormq.abc import DeliveredMessage
from pamqp.commands import Basic
from pamqp.header import ContentHeader

from mijnoverheid.messaging.publisher import PublishNotConfirmedError, ensure_confirmed

KEY = "berichtenbox.message-delivered.00000001003214345000"


def returned_message() -> DeliveredMessage:
    """What aiormq hands back when a mandatory publish could not be routed."""
    channel: Any = None
    return DeliveredMessage(
        delivery=Basic.Return(
            reply_code=312, reply_text="NO_ROUTE", exchange="mijnoverheid", routing_key=KEY
        ),
        header=ContentHeader(),
        body=b"{}",
        channel=channel,
    )


def test_an_ack_passes() -> None:
    ensure_confirmed(Basic.Ack(delivery_tag=1), KEY)


@pytest.mark.parametrize(
    "confirmation",
    [
        pytest.param(Basic.Nack(delivery_tag=1), id="nack"),
        pytest.param(Basic.Reject(delivery_tag=1), id="reject"),
        pytest.param(None, id="none"),
        pytest.param(returned_message(), id="returned"),
    ],
)
def test_anything_but_an_ack_is_not_confirmed(confirmation: Any) -> None:
    with pytest.raises(PublishNotConfirmedError, match="not confirmed") as caught:
        ensure_confirmed(confirmation, KEY)
    assert KEY in str(caught.value)
