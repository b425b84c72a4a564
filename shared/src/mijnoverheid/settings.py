"""Configuration every service takes from its environment (12-factor).

Secure by default: a service runs in production unless MIJNOVERHEID_ENVIRONMENT says
development, and in production it refuses to start on any setting that is only fit for
development (`production_problems`): a committed key or secret, a password of the local
stack, a connection without TLS or a broker login without a certificate, no trusted token
issuer. Settings that contradict each other are refused in every environment
(`configuration_problems`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import yaml
from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mijnoverheid.identity import serial_numbers_in
from mijnoverheid.messaging.connection import broker_urls
from mijnoverheid.tls import certificate_user

ModelT = TypeVar("ModelT", bound=BaseModel)
REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
DEV_TOKEN_ISSUER_KEYS = REPOSITORY_ROOT / "config" / "dev-token-issuer.pub"
DEV_TOKEN_ISSUER = "urn:mijnoverheid:dev-token-issuer"  # noqa: S105 - an issuer id
LOCAL_PASSWORD_SUFFIX = "-local-secret"  # noqa: S105 - what to refuse, not a secret
# TLS options aio-pika reads from an AMQP URL; ignored beside our own context, so refused there.
_AMQP_URL_TLS_OPTIONS = ("cafile", "capath", "cadata", "certfile", "keyfile", "no_verify_ssl")
# MongoDB URL options that turn off certificate or host name checks.
_MONGODB_INSECURE = ("tlsinsecure", "tlsallowinvalidcertificates", "tlsallowinvalidhostnames")


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
        description="amqps://host:5671/<vhost>; with AMQP_CERT_FILE the broker user is the "
        "certificate's subject (no user or password in the URL); the nodes of a cluster as "
        "host-1:5671,host-2:5671,host-3:5671"
    )
    amqp_ca_file: Path | None = Field(
        default=None,
        description="PEM with the CA certificates that verify the broker (amqps); default: "
        "the system's trust store",
    )
    amqp_cert_file: Path | None = Field(
        default=None,
        description="PEM: the service's client certificate, then its CA certificates up to "
        "(not with) the root; logs in with EXTERNAL as the certificate's subject DN",
    )
    amqp_key_file: Path | None = Field(default=None, description="PEM: its private key")
    mongodb_url: str = "mongodb://127.0.0.1:27017"
    mongodb_ca_file: Path | None = Field(
        default=None,
        description="PEM with the CA certificates that verify the database; turns TLS on",
    )
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
    def amqp_tls(self) -> bool:
        return urlsplit(self.amqp_url).scheme == "amqps"

    @property
    def broker_user(self) -> str:
        """Who the service is on the broker (and the user_id of what it publishes)."""
        if self.amqp_cert_file is not None:
            return certificate_user(self.amqp_cert_file)
        return unquote(urlsplit(self.amqp_url).username or "guest")

    def trusted_issuers(self) -> dict[str, Path]:
        configured = {issuer.issuer: issuer.keys for issuer in self.citizen_token_issuers}
        if not configured and self.development:
            return {DEV_TOKEN_ISSUER: DEV_TOKEN_ISSUER_KEYS}
        return configured

    def configuration_problems(self) -> list[str]:
        """Settings that contradict each other or name files that cannot be read, in every
        environment; in production also `production_problems`. One line per setting."""
        problems: list[str] = []
        if (self.amqp_cert_file is None) != (self.amqp_key_file is None):
            problems.append("AMQP_CERT_FILE and AMQP_KEY_FILE must be set together")
        amqp = urlsplit(self.amqp_url)
        for name, value in (
            ("AMQP_CA_FILE", self.amqp_ca_file),
            ("AMQP_CERT_FILE", self.amqp_cert_file),
        ):
            if value is not None and not self.amqp_tls:
                problems.append(f"{name} is set but AMQP_URL is not amqps://: no TLS to use it")
        if self.amqp_cert_file is not None and (amqp.username or amqp.password):
            problems.append("AMQP_URL names a user, but AMQP_CERT_FILE makes the certificate it")
        given = {key.lower() for key in parse_qs(amqp.query)}
        if given & set(_AMQP_URL_TLS_OPTIONS):
            problems.append(
                "AMQP_URL carries TLS options: use AMQP_CA_FILE, AMQP_CERT_FILE, AMQP_KEY_FILE"
            )
        if self.mongodb_ca_file is not None and "false" in _mongodb_options(self.mongodb_url):
            problems.append("MONGODB_CA_FILE is set but MONGODB_URL says tls=false")
        for name, path in (
            ("AMQP_CA_FILE", self.amqp_ca_file),
            ("AMQP_CERT_FILE", self.amqp_cert_file),
            ("AMQP_KEY_FILE", self.amqp_key_file),
            ("MONGODB_CA_FILE", self.mongodb_ca_file),
        ):
            if path is not None and not _readable(path):
                problems.append(f"{name} cannot be read: {path}")
        if not self.development:
            problems += self.production_problems()
        return problems

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
        if self.amqp_cert_file is None and self.amqp_tls:
            problems.append(
                "AMQP_CERT_FILE is not set: services log in to the broker with their "
                "certificate (EXTERNAL), never with a password"
            )
        if not self.mongodb_tls:
            problems.append(
                "MONGODB_URL has no tls=true and MONGODB_CA_FILE is not set: the database "
                "connection has no TLS"
            )
        options = {key.lower(): values for key, values in _mongodb_query(self.mongodb_url).items()}
        if any("true" in options.get(key, []) for key in _MONGODB_INSECURE):
            problems.append("MONGODB_URL turns off the check of the database's certificate")
        return problems

    @property
    def mongodb_tls(self) -> bool:
        return self.mongodb_ca_file is not None or _mongodb_tls(self.mongodb_url)


class PlatformSettings(ServiceSettings):
    """Settings of the services that emit events as the MijnOverheid platform."""

    platform_oin: str = Field(
        default="00000001234567890000",
        description="OIN of the organisation running MijnOverheid; part of every event source",
    )

    def platform_user_problems(self, **settings: str) -> list[str]:
        """Settings that name a platform service's broker user (the only one trusted for some
        events): in production the DN of one of the platform's certificates, whose SERIALNUMBER
        is PLATFORM_OIN; anything else could be nobody, or someone else."""
        return [
            f"{name.upper()} is not the user of a platform certificate (a subject DN with "
            f"SERIALNUMBER={self.platform_oin}): {value!r}"
            for name, value in settings.items()
            if serial_numbers_in(value) != [self.platform_oin]
        ]


def load_yaml(model: type[ModelT], path: Path) -> ModelT:
    """A configuration file (YAML) read into its model, validated."""
    with path.open(encoding="utf-8") as file:
        return model.model_validate(yaml.safe_load(file))


def _same_file(path: Path, other: Path) -> bool:
    try:
        return path.read_bytes() == other.read_bytes()
    except OSError:
        return False


def _readable(path: Path) -> bool:
    try:
        with path.open("rb"):
            return True
    except OSError:
        return False


def _mongodb_query(url: str) -> dict[str, list[str]]:
    return {
        key: [v.lower() for v in values] for key, values in parse_qs(urlsplit(url).query).items()
    }


def _mongodb_options(url: str) -> set[str]:
    """The values of the URL's tls/ssl options, lower case."""
    options = {key.lower(): values for key, values in _mongodb_query(url).items()}
    return {value for key in ("tls", "ssl") for value in options.get(key, [])}


def _mongodb_tls(url: str) -> bool:
    # mongodb+srv:// means TLS unless the URL turns it off.
    options = _mongodb_options(url)
    return "true" in options or (urlsplit(url).scheme == "mongodb+srv" and "false" not in options)
