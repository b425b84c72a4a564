"""TLS for the services' own connections: the broker (mutual TLS, EXTERNAL) and the database.

Every context verifies the server: its chain against the configured CA file (or the system's
trust store when none is set) and its host name. Nothing here can turn verification off.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from faststream.rabbit import RabbitExternalAuth
from faststream.security import BaseSecurity

from mijnoverheid.certificates import rabbitmq_username

if TYPE_CHECKING:
    from mijnoverheid.settings import ServiceSettings


def client_context(
    ca_file: Path | None, cert_file: Path | None = None, key_file: Path | None = None
) -> ssl.SSLContext:
    """A client context that verifies the server, presenting a certificate when given one."""
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=str(ca_file) if ca_file else None
    )
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert_file is not None:
        context.load_cert_chain(cert_file, key_file)
    return context


def certificate_user(cert_file: Path) -> str:
    """The broker user (and AMQP user_id) of the first certificate in a PEM file."""
    certificate = x509.load_pem_x509_certificates(cert_file.read_bytes())[0]
    return rabbitmq_username(certificate)


def broker_security(settings: ServiceSettings) -> BaseSecurity | None:
    """How the service logs in to the broker: with its certificate (EXTERNAL) when
    AMQP_CERT_FILE is set, else with the user and password of AMQP_URL; over TLS for amqps."""
    if not settings.amqp_tls:
        return None
    context = client_context(settings.amqp_ca_file, settings.amqp_cert_file, settings.amqp_key_file)
    if settings.amqp_cert_file is not None:
        return RabbitExternalAuth(ssl_context=context)
    return BaseSecurity(ssl_context=context, use_ssl=True)


def certificate_problems(settings: ServiceSettings) -> list[str]:
    """Certificate and key files that are set and readable but cannot be used (not PEM, a key
    that does not match its certificate): one line each, before anything connects."""
    if not settings.amqp_tls or settings.configuration_problems():
        return []  # nothing to load, or already refused for a clearer reason
    try:
        client_context(settings.amqp_ca_file, settings.amqp_cert_file, settings.amqp_key_file)
        if settings.amqp_cert_file is not None:
            certificate_user(settings.amqp_cert_file)
    except (OSError, ValueError, ssl.SSLError) as error:
        return [f"AMQP_CA_FILE, AMQP_CERT_FILE or AMQP_KEY_FILE cannot be used: {error}"]
    return []
