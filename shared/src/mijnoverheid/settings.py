"""Configuration every service takes from its environment (12-factor).

Secure by default: a service runs in production unless MIJNOVERHEID_ENVIRONMENT says
development, and in production it refuses to start on any setting that is only fit for
development (`production_problems`): a committed key or secret, a password of the local
stack, a connection without TLS, no trusted token issuer.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import yaml
from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mijnoverheid.messaging.connection import broker_urls

ModelT = TypeVar("ModelT", bound=BaseModel)
REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
DEV_TOKEN_ISSUER_KEYS = REPOSITORY_ROOT / "config" / "dev-token-issuer.pub"
DEV_TOKEN_ISSUER = "urn:mijnoverheid:dev-token-issuer"  # noqa: S105 - an issuer id
LOCAL_PASSWORD_SUFFIX = "-local-secret"  # noqa: S105 - what to refuse, not a secret


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class TrustedIssuer(BaseModel):
    """An issuer of citizen tokens: its exact `iss`, and a PEM file with its public keys."""

    issuer: str = Field(min_length=1)
    keys: Path


class ServiceSettings(BaseSettings):
    # A rejected value is not echoed: AMQP_URL and MONGODB_URL carry passwords.
    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)

    mijnoverheid_environment: Environment = Field(
        default=Environment.PRODUCTION,
        description="development allows the local stack's keys and plain connections",
    )
    amqp_url: str = Field(
        description="amqps://<service user>@host:5671/<vhost>; the nodes of a cluster as "
        "host-1:5671,host-2:5671,host-3:5671"
    )
    mongodb_url: str = "mongodb://127.0.0.1:27017"
    mongodb_database: str | None = Field(default=None, description="defaults to the service name")
    organisation_registry: Path = REPOSITORY_ROOT / "config" / "organisations.yaml"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    log_level: str = "INFO"
    prefetch: int = Field(default=32, ge=1, le=1000)
    graceful_timeout_seconds: float = 15.0
    citizen_token_issuers: list[TrustedIssuer] = Field(
        default_factory=list,
        description='JSON: [{"issuer": "<exact iss>", "keys": "<PEM file>"}]; in development '
        "the development issuer when empty",
    )
    citizen_token_max_lifetime_seconds: int = Field(default=300, ge=10, le=300)

    @field_validator("amqp_url")
    @classmethod
    def _broker_nodes(cls, value: str) -> str:
        broker_urls(value)  # a clear error at start-up, not at the first connect
        return value

    @property
    def development(self) -> bool:
        return self.mijnoverheid_environment is Environment.DEVELOPMENT

    @property
    def broker_user(self) -> str:
        return unquote(urlsplit(self.amqp_url).username or "guest")

    def trusted_issuers(self) -> dict[str, Path]:
        configured = {issuer.issuer: issuer.keys for issuer in self.citizen_token_issuers}
        if not configured and self.development:
            return {DEV_TOKEN_ISSUER: DEV_TOKEN_ISSUER_KEYS}
        return configured

    def production_problems(self) -> list[str]:
        """What makes this configuration unfit for production: one line per setting."""
        problems: list[str] = []
        if not self.citizen_token_issuers:
            problems.append("CITIZEN_TOKEN_ISSUERS is not set: no token issuer is trusted")
        for issuer in self.citizen_token_issuers:
            if issuer.issuer == DEV_TOKEN_ISSUER or _same_file(issuer.keys, DEV_TOKEN_ISSUER_KEYS):
                problems.append("CITIZEN_TOKEN_ISSUERS trusts the committed development key")
        amqp = urlsplit(self.amqp_url)
        if amqp.scheme != "amqps":
            problems.append("AMQP_URL is not amqps://: the broker connection has no TLS")
        if unquote(amqp.password or "").endswith(LOCAL_PASSWORD_SUFFIX):
            problems.append("AMQP_URL uses a password of the local stack (<user>-local-secret)")
        if not _mongodb_tls(self.mongodb_url):
            problems.append("MONGODB_URL has no tls=true: the database connection has no TLS")
        return problems


class PlatformSettings(ServiceSettings):
    """Settings of the services that emit events as the MijnOverheid platform."""

    platform_oin: str = Field(
        default="00000001234567890000",
        description="OIN of the organisation running MijnOverheid; part of every event source",
    )


def load_yaml(model: type[ModelT], path: Path) -> ModelT:
    """A configuration file (YAML) read into its model, validated."""
    with path.open(encoding="utf-8") as file:
        return model.model_validate(yaml.safe_load(file))


def _same_file(path: Path, other: Path) -> bool:
    try:
        return path.read_bytes() == other.read_bytes()
    except OSError:
        return False


def _mongodb_tls(url: str) -> bool:
    parts = urlsplit(url)
    options = {key.lower(): values for key, values in parse_qs(parts.query).items()}
    enabled = {"true"} & {value.lower() for key in ("tls", "ssl") for value in options.get(key, [])}
    return parts.scheme == "mongodb+srv" or bool(enabled)
