"""The mock's configuration, from the environment. It refuses to run outside development."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mijnoverheid.settings import REPOSITORY_ROOT, Environment


class NotInDevelopmentError(RuntimeError):
    """The mock hands out any BSN to anyone: it must never run where real people log in."""


class MockSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIGID_MOCK_", extra="ignore")

    # Required and without a default: a forgotten setting fails closed.
    environment: Environment | None = Field(
        default=None, validation_alias=AliasChoices("MIJNOVERHEID_ENVIRONMENT", "environment")
    )
    issuer: str | None = Field(
        default=None, description="the issuer URL; defaults to http://<HTTP_HOST>:<HTTP_PORT>"
    )
    persons_file: Path = REPOSITORY_ROOT / "config" / "digid-test-persons.yaml"
    clients_file: Path = REPOSITORY_ROOT / "config" / "digid-mock-clients.yaml"
    code_lifetime_seconds: int = Field(default=60, ge=5, le=600)
    token_lifetime_seconds: int = Field(default=300, ge=30, le=3600)
    http_host: str = Field(default="127.0.0.1", validation_alias="HTTP_HOST")
    http_port: int = Field(default=8085, validation_alias="HTTP_PORT")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")

    @property
    def issuer_url(self) -> str:
        return (self.issuer or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    def require_development(self) -> None:
        if self.environment is not Environment.DEVELOPMENT:
            raise NotInDevelopmentError(
                "the DigiD mock runs only in development: set MIJNOVERHEID_ENVIRONMENT=development "
                f"(it is {self.environment or 'not set'}); production uses the real DigiD"
            )
