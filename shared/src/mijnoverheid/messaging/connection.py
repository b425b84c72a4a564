"""The broker connection: one RabbitMQ node, or several nodes of one cluster.

AMQP_URL may name several nodes the way MONGODB_URL names replica set members:
`amqps://user:password@rabbit-1:5671,rabbit-2:5671,rabbit-3:5671/vhost?heartbeat=10`. The
connection goes to the first node that answers; when it is lost (the node died, say), it goes
to the next ones in turn, and the channels and consumers are restored there. Quorum queues keep
every acknowledged message on a majority of the nodes, so any node serves them all.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from aio_pika import RobustConnection
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from faststream.rabbit import RabbitBroker
from yarl import URL

_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:[0-9]{1,5})?$")


class BrokerUrlError(ValueError):
    """AMQP_URL is not one URL of one or more broker nodes."""


def broker_urls(amqp_url: str) -> tuple[str, ...]:
    """One URL per node named in `amqp_url`, in the order given (credentials, vhost and query
    the same for all). A comma in a password must be written %2C."""
    scheme, separator, rest = amqp_url.partition("://")
    if not separator or scheme not in {"amqp", "amqps"}:
        raise BrokerUrlError("AMQP_URL must start with amqp:// or amqps://")
    authority, slash, tail = rest.partition("/")
    credentials, at, hosts = authority.rpartition("@")
    nodes = hosts.split(",")
    for node in nodes:
        match = _HOST.fullmatch(node)
        if match is None or not 0 < int((match.group(2) or ":1")[1:]) < 65536:
            raise BrokerUrlError(f"AMQP_URL names a broker node as {node!r}: use host[:port]")
    return tuple(f"{scheme}://{credentials}{at}{node}{slash}{tail}" for node in nodes)


class ClusterConnection(RobustConnection):
    """aio-pika's robust connection, (re)connecting to the first node of a list that answers,
    starting after the node it last used."""

    def __init__(self, url: URL, *args: Any, nodes: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(url, *args, **kwargs)
        # The URL FastStream built for the first node (defaults and TLS options filled in),
        # with each node's host and port.
        self._nodes = tuple(self._at(URL(node)) for node in nodes)
        self._next = 0

    def _at(self, node: URL) -> URL:
        return self.url.with_host(node.host or "").with_port(node.port or self.url.port)

    # aio-pika's one place that opens a transport (its name is mangled: the method is private
    # to RobustConnection, and this override is what lets the URL change between attempts).
    async def _RobustConnection__connect_transport(self) -> None:  # noqa: N802
        failure: BaseException | None = None
        for _ in self._nodes:
            self.url = self._nodes[self._next]
            self._next = (self._next + 1) % len(self._nodes)
            try:
                await super()._RobustConnection__connect_transport()  # type: ignore[misc]
            except CONNECTION_EXCEPTIONS as error:
                failure = error
                continue
            return
        assert failure is not None
        raise failure


def rabbit_broker(amqp_url: str, **options: Any) -> RabbitBroker:
    """A FastStream broker on the node(s) of `amqp_url` (see the module's doc)."""
    nodes = broker_urls(amqp_url)
    broker = RabbitBroker(nodes[0], **options)
    if len(nodes) > 1:
        # FastStream hands its connection options to aio_pika.connect_robust, which builds
        # the connection with this class.
        broker._connection_kwargs["connection_class"] = functools.partial(
            ClusterConnection, nodes=nodes
        )
    return broker
