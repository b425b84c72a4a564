"""The connection settings: TLS to the broker (certificate login) and the database, and what the
production profile and the consistency checks refuse, one line per setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.settings import REPOSITORY_ROOT, PlatformSettings, ServiceSettings
from mijnoverheid.tls import broker_security, certificate_problems
from mijnoverheid_testing.pki.catalogue import PLATFORM_OIN
from mijnoverheid_testing.pki.index import TestPki
from mijnoverheid_testing.pki.testca import build


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    directory = tmp_path_factory.mktemp("pki")
    registry = OrganisationRegistry.load(REPOSITORY_ROOT / "config" / "organisations.yaml")
    build(directory, registry, PLATFORM_OIN)
    return TestPki.load(directory)


@pytest.fixture
def production(pki: TestPki, tmp_path: Path) -> dict[str, Any]:
    """Every connection over TLS with the service's certificate: fit for production."""
    issuer_keys = tmp_path / "issuer.pub"
    issuer_keys.write_text("not read by these checks")
    service = pki.service("zaken")
    return {
        "_env_file": None,
        "mijnoverheid_environment": "production",
        "amqp_url": "amqps://localhost:5671/mijnoverheid",
        "amqp_ca_file": pki.bundle,
        "amqp_cert_file": service.certificate,
        "amqp_key_file": service.key,
        "mongodb_url": "mongodb://localhost:27018/",
        "mongodb_ca_file": pki.bundle,
        "citizen_token_issuers": [{"issuer": "urn:nld:mijnoverheid:portal", "keys": issuer_keys}],
    }


def problems(**settings: Any) -> list[str]:
    return PlatformSettings(**settings).configuration_problems()


def test_a_configuration_with_tls_everywhere_and_a_certificate_login_is_fit_for_production(
    production: dict[str, Any], pki: TestPki
) -> None:
    settings = PlatformSettings(**production)
    assert settings.configuration_problems() == []
    assert certificate_problems(settings) == []
    # The service is the broker user of its certificate: the DN RabbitMQ's EXTERNAL derives.
    assert settings.broker_user == pki.service("zaken").rabbitmq_user
    assert f"SERIALNUMBER={PLATFORM_OIN}" in settings.broker_user


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"amqp_cert_file": None, "amqp_key_file": None}, "AMQP_CERT_FILE is not set"),
        ({"mongodb_ca_file": None}, "MONGODB_URL has no tls=true"),
        (
            {"mongodb_url": "mongodb://db/?tls=true&tlsAllowInvalidCertificates=true"},
            "MONGODB_URL turns off the check",
        ),
        ({"mongodb_url": "mongodb://db/?tlsInsecure=true"}, "MONGODB_URL turns off the check"),
        ({"citizen_token_issuers": []}, "CITIZEN_TOKEN_ISSUERS is not set"),
    ],
)
def test_production_refuses_each_unsafe_setting_with_one_line_naming_it(
    production: dict[str, Any], change: dict[str, Any], setting: str
) -> None:
    found = problems(**{**production, **change})
    assert len(found) == 1, found
    assert found[0].startswith(setting), found


def test_a_plain_broker_connection_is_refused_in_production(production: dict[str, Any]) -> None:
    plain = {"amqp_url": "amqp://localhost:5672/mijnoverheid", "amqp_ca_file": None}
    found = problems(**{**production, **plain, "amqp_cert_file": None, "amqp_key_file": None})
    assert [line.split(":")[0] for line in found] == ["AMQP_URL is not amqps"]


def test_a_local_stack_password_is_refused_in_production(production: dict[str, Any]) -> None:
    plain = {**production, "amqp_cert_file": None, "amqp_key_file": None}
    url = "amqps://zaken:zaken-local-secret@localhost:5671/mijnoverheid"
    found = problems(**{**plain, "amqp_url": url})
    assert any(line.startswith("AMQP_URL uses a password of the local stack") for line in found)


def test_development_allows_plain_connections_and_passwords(production: dict[str, Any]) -> None:
    assert (
        problems(
            _env_file=None,
            mijnoverheid_environment="development",
            amqp_url="amqp://zaken:zaken-local-secret@127.0.0.1:5672/mijnoverheid",
        )
        == []
    )


@pytest.mark.parametrize(
    ("change", "line"),
    [
        ({"amqp_key_file": None}, "AMQP_CERT_FILE and AMQP_KEY_FILE must be set together"),
        (
            {"amqp_url": "amqp://localhost:5672/mijnoverheid", "amqp_cert_file": None},
            "AMQP_CA_FILE is set but AMQP_URL is not amqps://",
        ),
        (
            {"amqp_url": "amqps://zaken@localhost:5671/mijnoverheid"},
            "AMQP_URL names a user, but AMQP_CERT_FILE makes the certificate it",
        ),
        (
            {"amqp_url": "amqps://localhost:5671/mijnoverheid?no_verify_ssl=1"},
            "AMQP_URL carries TLS options",
        ),
        (
            {"mongodb_url": "mongodb://db/?tls=false"},
            "MONGODB_CA_FILE is set but MONGODB_URL says tls=false",
        ),
        ({"amqp_ca_file": Path("/nonexistent/ca.pem")}, "AMQP_CA_FILE cannot be read"),
    ],
)
def test_contradictory_or_unreadable_settings_are_refused_in_every_environment(
    production: dict[str, Any], change: dict[str, Any], line: str
) -> None:
    for environment in ("production", "development"):
        configured = {**production, "mijnoverheid_environment": environment, **change}
        found = problems(**configured)
        assert any(problem.startswith(line) for problem in found), (environment, found)


def test_a_key_that_does_not_match_the_certificate_is_one_clear_line(
    production: dict[str, Any], pki: TestPki
) -> None:
    other_key = pki.service("notifier").key
    settings = PlatformSettings(**{**production, "amqp_key_file": other_key})
    found = certificate_problems(settings)
    assert len(found) == 1
    assert found[0].startswith("AMQP_CA_FILE, AMQP_CERT_FILE or AMQP_KEY_FILE cannot be used")


def test_the_broker_login_is_the_certificate_with_external_or_the_url_password(
    production: dict[str, Any],
) -> None:
    with_certificate = broker_security(ServiceSettings(**production))
    assert with_certificate is not None
    assert type(with_certificate).__name__ == "RabbitExternalAuth"
    assert with_certificate.ssl_context is not None
    assert with_certificate.ssl_context.check_hostname  # the broker is verified

    password_over_tls = {**production, "amqp_cert_file": None, "amqp_key_file": None}
    security = broker_security(ServiceSettings(**password_over_tls))
    assert security is not None
    assert type(security).__name__ == "BaseSecurity"
    assert security.use_ssl

    plain = ServiceSettings(_env_file=None, amqp_url="amqp://u:p@localhost:5672/v")
    assert broker_security(plain) is None
    assert plain.broker_user == "u"


def test_trusted_publishers_must_be_platform_certificates_in_production(pki: TestPki) -> None:
    settings = PlatformSettings(_env_file=None, amqp_url="amqps://x")
    platform_dn = pki.service("notifier").rabbitmq_user
    organisation_dn = pki.organisation("belastingdienst").rabbitmq_user
    assert settings.platform_user_problems(notifier_broker_user=platform_dn) == []
    for wrong in ("notifier", organisation_dn):
        (line,) = settings.platform_user_problems(notifier_broker_user=wrong)
        assert line.startswith("NOTIFIER_BROKER_USER is not the user of a platform certificate")
