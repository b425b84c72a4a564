"""The connector's settings: development takes the local stack's secrets, production refuses
them, plain HTTP to a ZGW API and an endpoint without TLS."""

from __future__ import annotations

import json
from pathlib import Path

from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.settings import REPOSITORY_ROOT
from zgw_connector.settings import DEV_TOKEN_SECRET, ConnectorSettings

REGISTRY = REPOSITORY_ROOT / "config" / "organisations.yaml"
GEMEENTE = "00000001001234567000"
AMQP = "amqps://localhost:5671/mijnoverheid"


def test_development_takes_the_local_stacks_secrets() -> None:
    settings = ConnectorSettings(amqp_url=AMQP, mijnoverheid_environment="development")
    registry = settings.registry()
    assert settings.client_secrets(registry) == {
        "voorbeeldstad-open-notificaties": "voorbeeldstad-open-notificaties-local-secret"
    }
    gemeente = registry.by_oin(GEMEENTE)
    assert gemeente is not None
    assert settings.api_secret(gemeente) == "mijnoverheid-zgw-connector-local-secret"
    assert settings.token_secret() == DEV_TOKEN_SECRET


def test_production_refuses_plain_http_to_a_zgw_api_and_missing_secrets(tmp_path: Path) -> None:
    document = OrganisationRegistry.load(REGISTRY).model_dump(mode="json")
    for org in document["organisations"]:
        if org["oin"] == GEMEENTE:
            org["zgw"]["zaken_api"] = "http://zaken.voorbeeldstad.example/zaken/api/v1/"
    registry = tmp_path / "organisations.json"
    registry.write_text(json.dumps(document))
    settings = ConnectorSettings(
        amqp_url=AMQP, mijnoverheid_environment="production", organisation_registry=registry
    )
    problems = settings.production_problems()
    assert (
        "the ZGW API of Gemeente Voorbeeldstad is not https: "
        "http://zaken.voorbeeldstad.example/zaken/api/v1/"
    ) in problems
    assert "ZGW_TLS_CERT_FILE is not set: the endpoint for Open Notificaties has no TLS" in problems
    assert "ZGW_TOKEN_SECRET is not set" in problems
    assert f"ZGW_API_SECRETS[{GEMEENTE}] is not set" in problems
    assert (
        settings.api_secret(OrganisationRegistry.model_validate(document).organisations[1]) is None
    )
    assert settings.client_secrets(settings.registry()) == {}, "no secret made up in production"


def test_short_secrets_and_a_half_tls_configuration_are_refused() -> None:
    settings = ConnectorSettings(
        amqp_url=AMQP,
        mijnoverheid_environment="production",
        zgw_token_secret="short",
        zgw_tls_cert_file=REGISTRY,
    )
    assert "ZGW_TOKEN_SECRET is shorter than 32 characters" in settings.production_problems()
    assert "ZGW_TLS_CERT_FILE and ZGW_TLS_KEY_FILE must be set together" in (
        settings.configuration_problems()
    )
