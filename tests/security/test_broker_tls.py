"""The TLS broker: an organisation is the broker user of its PKIoverheid-style certificate.

Against a real RabbitMQ node of its own (fixture `tls_broker`): AMQPS only, mutual TLS with
the test PKI, EXTERNAL, CRL checks; users are certificate subjects (SERIALNUMBER = OIN).
Where the broker refuses, the test also reads the broker's own reason from its log, so a
refusal for the wrong reason (an unknown CA instead of a revocation, say) fails the test.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
from datetime import UTC, datetime, timedelta

import aio_pika
import pytest
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from aiormq.exceptions import (
    AMQPConnectionError,
    AuthenticationError,
    ChannelAccessRefused,
    ChannelPreconditionFailed,
    ProbableAuthenticationError,
)
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mijnoverheid.certificates import serial_numbers_in
from mijnoverheid.contracts import events, routing
from mijnoverheid.contracts.envelope import CONTENT_TYPE
from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid_testing.pki.index import verifying_context
from mijnoverheid_testing.pki.issuing import (
    Authority,
    issue_crl,
    load_certificates,
    load_key,
    write_file,
)
from mijnoverheid_testing.tlsbroker import TlsBroker
from mijnoverheid_testing.waiting import wait_until

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def inbox(broker: TlsBroker, *keys: str) -> AsyncIterator[list[AbstractIncomingMessage]]:
    """What arrives on `keys`, as a platform service (its own certificate) receives it."""
    connection = await broker.connect(broker.pki.service("berichtenbox"))
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        for key in keys:
            await queue.bind(routing.EXCHANGE, key)
        received: list[AbstractIncomingMessage] = []

        async def collect(message: AbstractIncomingMessage) -> None:
            async with message.process():
                received.append(message)

        await queue.consume(collect)
        yield received


async def publish(connection: AbstractConnection, key: str, user_id: str) -> str:
    """Publish confirmed and mandatory, as organisations must; returns the message id."""
    message_id = str(uuid.uuid4())
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.get_exchange(routing.EXCHANGE, ensure=False)
    await exchange.publish(
        aio_pika.Message(
            b"{}",
            content_type=CONTENT_TYPE,
            message_id=message_id,
            user_id=user_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        ),
        routing_key=key,
        mandatory=True,
    )
    return message_id


async def arrived(
    received: list[AbstractIncomingMessage], message_id: str
) -> AbstractIncomingMessage:
    found: list[AbstractIncomingMessage] = await wait_until(
        lambda: [m for m in received if m.message_id == message_id], what=f"message {message_id}"
    )
    return found[0]


async def attempt(connecting: Awaitable[AbstractConnection]) -> None:
    """Connect, and close again should the connection succeed (the tests expect it not to)."""
    connection = await connecting
    await connection.close()


def organisations(registry: OrganisationRegistry) -> tuple[Organisation, Organisation]:
    return registry.organisations[0], registry.organisations[1]


async def test_an_organisation_publishes_with_its_certificate_as_the_user_its_oin_names(
    tls_broker: TlsBroker, registry: OrganisationRegistry
) -> None:
    organisation, _ = organisations(registry)
    certificate = tls_broker.pki.organisation(organisation.broker_user)
    key = events.MESSAGE_SENT.key(organisation.oin)
    async with inbox(tls_broker, key) as received:
        connection = await tls_broker.connect(certificate)
        async with connection:
            message_id = await publish(connection, key, certificate.rabbitmq_user)
        message = await arrived(received, message_id)
    # The broker checked user_id against the connection's user: receivers can trust it, and
    # the OIN in it is the one the certificate authority put in the subject.
    assert message.user_id == certificate.rabbitmq_user
    assert serial_numbers_in(message.user_id) == [organisation.oin]
    assert message.routing_key == key


async def test_a_certificate_cannot_publish_another_organisations_keys(
    tls_broker: TlsBroker, registry: OrganisationRegistry
) -> None:
    organisation, other = organisations(registry)
    own = tls_broker.pki.organisation(organisation.broker_user)
    others = tls_broker.pki.organisation(other.broker_user)
    key = events.MESSAGE_SENT.key(other.oin)
    async with inbox(tls_broker, key) as received:
        connection = await tls_broker.connect(own)
        async with connection:
            with pytest.raises(ChannelAccessRefused, match="topic"):
                await publish(connection, key, own.rabbitmq_user)
        # The other organisation's own message on that key arrives and is the only one: had
        # the refused one been routed, it would have been queued before it.
        connection = await tls_broker.connect(others)
        async with connection:
            marker = await publish(connection, key, others.rabbitmq_user)
        await arrived(received, marker)
        assert [m.message_id for m in received] == [marker]


@pytest.mark.parametrize("claimed", ["other-certificate-user", "other-broker-user"])
async def test_a_certificate_cannot_set_another_user_id(
    tls_broker: TlsBroker, registry: OrganisationRegistry, claimed: str
) -> None:
    organisation, other = organisations(registry)
    own = tls_broker.pki.organisation(organisation.broker_user)
    user_id = (
        tls_broker.pki.organisation(other.broker_user).rabbitmq_user
        if claimed == "other-certificate-user"
        else other.broker_user
    )
    connection = await tls_broker.connect(own)
    async with connection:
        with pytest.raises(ChannelPreconditionFailed, match="user_id property set to"):
            await publish(connection, events.MESSAGE_SENT.key(organisation.oin), user_id)


@pytest.mark.parametrize(
    ("certificate", "broker_says"),
    [
        ("expired", "Certificate Expired"),
        ("revoked", "Certificate Revoked"),
        ("revoked-ca", "Certificate Revoked"),
        ("foreign-ca", "Unknown CA"),
    ],
)
async def test_an_invalid_certificate_is_refused_at_the_handshake(
    tls_broker: TlsBroker, certificate: str, broker_says: str
) -> None:
    start = tls_broker.log_size()
    with pytest.raises(AMQPConnectionError):
        await attempt(tls_broker.connect(tls_broker.pki.invalid(certificate)))
    await wait_until(
        lambda: f"generated SERVER ALERT: Fatal - {broker_says}" in tls_broker.log_since(start),
        what=f"the broker's '{broker_says}' alert",
    )


async def test_a_certificate_whose_serial_number_is_another_oin_is_no_user(
    tls_broker: TlsBroker,
) -> None:
    """Issued for the first organisation's name with the second one's OIN: its subject is no
    registered certificate user, so it is nobody (it does not become either organisation)."""
    certificate = tls_broker.pki.invalid("wrong-oin")
    start = tls_broker.log_size()
    with pytest.raises(ProbableAuthenticationError):
        await attempt(tls_broker.connect(certificate))
    refusal = f"EXTERNAL login refused: user '{certificate.rabbitmq_user}'"
    await wait_until(lambda: refusal in tls_broker.log_since(start), what="the login refusal")


async def test_a_connection_without_a_client_certificate_is_refused(
    tls_broker: TlsBroker,
) -> None:
    start = tls_broker.log_size()
    context = verifying_context(tls_broker.pki.bundle)
    with pytest.raises(AMQPConnectionError):
        await attempt(aio_pika.connect(tls_broker.url(), ssl_context=context, timeout=15))
    await wait_until(
        lambda: "Fatal - Certificate required" in tls_broker.log_since(start),
        what="the broker's 'Certificate required' alert",
    )


async def test_a_password_is_not_accepted_even_over_tls(
    tls_broker: TlsBroker, registry: OrganisationRegistry
) -> None:
    """The node offers EXTERNAL only: a valid certificate with a user name and password (the
    mechanism the plain broker uses) gets no PLAIN login."""
    organisation, _ = organisations(registry)
    certificate = tls_broker.pki.organisation(organisation.broker_user)
    url = (
        f"amqps://{organisation.broker_user}:secret@127.0.0.1:{tls_broker.port}/{tls_broker.vhost}"
    )
    context = certificate.client_context(tls_broker.pki.bundle)
    with pytest.raises(AuthenticationError, match="EXTERNAL"):
        await attempt(aio_pika.connect(url, ssl_context=context, timeout=15))


async def test_plain_amqp_is_refused(tls_broker: TlsBroker) -> None:
    """A plain connection to the TLS port fails, and nothing listens for plain AMQP."""
    with pytest.raises(AMQPConnectionError):
        await attempt(aio_pika.connect(f"amqp://127.0.0.1:{tls_broker.port}/", timeout=15))
    with pytest.raises(AMQPConnectionError, match=r"Connect call failed|Connection refused"):
        await attempt(aio_pika.connect(f"amqp://127.0.0.1:{tls_broker.plain_port}/", timeout=15))


@contextlib.contextmanager
def crl_replaced(
    broker: TlsBroker, revoke: int | None, this_update: datetime, next_update: datetime
) -> Iterator[None]:
    """The issuing CA's CRL on disk replaced (also listing `revoke`), put back afterwards."""
    crl_file = broker.pki.directory / broker.pki.index["crls"]["issuing"]
    published = crl_file.read_bytes()
    authority = Authority(
        load_certificates(broker.pki.authority("issuing"))[0],
        load_key(broker.pki.directory / "ca" / "issuing.key"),
    )
    serials = [entry.serial_number for entry in x509.load_pem_x509_crl(published)]
    serials += [] if revoke is None else [revoke]
    listed = [(serial, this_update) for serial in serials]
    crl = issue_crl(authority, listed, this_update, next_update, 99)
    write_file(crl_file, crl.public_bytes(serialization.Encoding.PEM))
    try:
        yield
    finally:
        write_file(crl_file, published)


async def test_a_crl_update_takes_effect_without_a_restart(
    tls_broker: TlsBroker, registry: OrganisationRegistry
) -> None:
    """The broker reads crl/ at each handshake: ops refresh the CRLs, no restart needed."""
    certificate = tls_broker.pki.organisation(registry.organisations[-1].broker_user)
    now = datetime.now(UTC)
    start = tls_broker.log_size()
    with crl_replaced(tls_broker, certificate.serial, now, now + timedelta(days=1)):
        with pytest.raises(AMQPConnectionError):
            await attempt(tls_broker.connect(certificate))
        await wait_until(
            lambda: "Fatal - Certificate Revoked" in tls_broker.log_since(start),
            what="the broker's 'Certificate Revoked' alert",
        )
    await attempt(tls_broker.connect(certificate))  # the old CRL back: welcome again


async def test_a_stale_crl_fails_closed(
    tls_broker: TlsBroker, registry: OrganisationRegistry
) -> None:
    """A CRL past its nextUpdate says nothing about today: even a good certificate is refused
    until ops publish a fresh one (rather than accepting what may have been revoked since)."""
    certificate = tls_broker.pki.organisation(registry.organisations[-1].broker_user)
    now = datetime.now(UTC)
    start = tls_broker.log_size()
    with crl_replaced(tls_broker, None, now - timedelta(days=8), now - timedelta(days=1)):
        with pytest.raises(AMQPConnectionError):
            await attempt(tls_broker.connect(certificate))
        await wait_until(
            lambda: (
                "Fatal - Bad Certificate" in tls_broker.log_since(start)
                and "{bad_crls,no_relevant_crls}" in tls_broker.log_since(start)
            ),
            what="the broker's 'Bad Certificate' alert for want of a valid CRL",
        )
    await attempt(tls_broker.connect(certificate))
