"""What the connector consumes: its own queue of accepted thin events (and their retries)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from mijnoverheid.messaging import topology
from mijnoverheid.messaging.gate import OwnCommands, Subscription
from zgw_connector.adapters.queue import ThinEventCommand


def subscriptions(
    relay: Callable[[ThinEventCommand], Awaitable[None]], own_user: str
) -> tuple[Subscription, ...]:
    return (
        OwnCommands(
            topology.ZGW_THIN_EVENT,
            "Internal: a thin case event an organisation's Open Notificaties delivered over "
            "HTTPS (accepted by the connector itself), or its retry after a delay "
            "(zgw-connector.thin-event.<delay>). Processed into zaken.case-status-changed or "
            "zaken.case-withdrawn for that organisation.",
            ThinEventCommand,
            own_user,
            relay,
        ),
    )
