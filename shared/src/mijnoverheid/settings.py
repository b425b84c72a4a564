"""Configuration every service takes from its environment (12-factor)."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ModelT = TypeVar("ModelT", bound=BaseModel)
REPOSITORY_ROOT = Path(__file__).resolve().parents[3]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    amqp_url: str = Field(description="amqp://<service user>:<password>@host:5672/<vhost>")
    mongodb_url: str = "mongodb://127.0.0.1:27017"
    mongodb_database: str | None = Field(default=None, description="defaults to the service name")
    organisation_registry: Path = REPOSITORY_ROOT / "config" / "organisations.yaml"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    log_level: str = "INFO"
    prefetch: int = Field(default=32, ge=1, le=1000)
    graceful_timeout_seconds: float = 15.0
    citizen_token_public_keys: Path = Field(
        default=REPOSITORY_ROOT / "config" / "dev-token-issuer.pub",
        description="PEM file with the citizen-token issuer's Ed25519 public keys",
    )

    @property
    def broker_user(self) -> str:
        return unquote(urlsplit(self.amqp_url).username or "guest")


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
