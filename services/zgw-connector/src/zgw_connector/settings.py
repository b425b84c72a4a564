"""The ZGW connector's settings (besides every service's): its public HTTPS endpoint, the
secrets of the organisations' Open Notificaties clients and of its own ZGW API clients, and
its retries. Secrets come from the environment or MIJNOVERHEID_SETTINGS_DIR, never from the
registry; in development a missing one is the local stack's `<client id>-local-secret`, which
production refuses, with every other setting that is only fit for development."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mijnoverheid.identity import Organisation, OrganisationRegistry
from mijnoverheid.settings import LOCAL_PASSWORD_SUFFIX, PlatformSettings

MIN_SECRET_LENGTH = 32
DEV_TOKEN_SECRET = f"zgw-connector-token{LOCAL_PASSWORD_SUFFIX}"


class ConnectorSettings(PlatformSettings):
    model_config = SettingsConfigDict(hide_input_in_errors=True)
    serves_citizens: ClassVar[bool] = False

    zgw_https_host: str = Field(default="127.0.0.1", description="the endpoint's address")
    zgw_https_port: int = Field(default=8443, description="the endpoint for Open Notificaties")
    zgw_tls_cert_file: Path | None = Field(
        default=None, description="PEM: the endpoint's server certificate and its chain"
    )
    zgw_tls_key_file: Path | None = Field(default=None, description="PEM: its key")
    zgw_tls_client_ca_file: Path | None = Field(
        default=None,
        description="PEM: CAs of the organisations' client certificates (mutual TLS); unset: "
        "OAuth2 client credentials only",
    )
    zgw_ca_file: Path | None = Field(
        default=None, description="PEM: CAs that verify the ZGW APIs; default: the system's"
    )
    zgw_notification_client_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='JSON {"<notification_client_id>": "<secret>"}: the Open Notificaties '
        "client of each organisation",
    )
    zgw_api_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='JSON {"<OIN>": "<secret>"}: the JWT-ZGW secret of the connector '
        "as a client of each organisation's ZGW APIs",
    )
    zgw_token_secret: SecretStr | None = Field(
        default=None, description="signs the access tokens; the same for every replica"
    )
    zgw_retry_delays_seconds: tuple[float, float, float, float] = (10, 60, 600, 3600)
    zgw_max_attempts: int = Field(
        default=8, ge=1, description="attempts for a zaak that is not complete, then dead letter"
    )
    zgw_http_timeout_seconds: float = Field(default=10.0, gt=0)

    def registry(self) -> OrganisationRegistry:
        return OrganisationRegistry.load(self.organisation_registry)

    def client_secrets(self, registry: OrganisationRegistry) -> dict[str, str]:
        given = self.zgw_notification_client_secrets
        secrets = {key: value.get_secret_value() for key, value in given.items()}
        for org in registry.zgw_organisations:
            assert org.zgw is not None
            client = org.zgw.notification_client_id
            if client not in secrets and self.development:
                secrets[client] = f"{client}{LOCAL_PASSWORD_SUFFIX}"
        return secrets

    def api_secret(self, org: Organisation) -> str | None:
        assert org.zgw is not None
        given = self.zgw_api_secrets.get(org.oin)
        if given is not None:
            return given.get_secret_value()
        return f"{org.zgw.client_id}{LOCAL_PASSWORD_SUFFIX}" if self.development else None

    def token_secret(self) -> str:
        if self.zgw_token_secret is not None:
            return self.zgw_token_secret.get_secret_value()
        return DEV_TOKEN_SECRET

    def configuration_problems(self) -> list[str]:
        problems = super().configuration_problems()
        if (self.zgw_tls_cert_file is None) != (self.zgw_tls_key_file is None):
            problems.append("ZGW_TLS_CERT_FILE and ZGW_TLS_KEY_FILE must be set together")
        if self.zgw_tls_client_ca_file is not None and self.zgw_tls_cert_file is None:
            problems.append("ZGW_TLS_CLIENT_CA_FILE is set but the endpoint has no TLS")
        for name, path in (
            ("ZGW_TLS_CERT_FILE", self.zgw_tls_cert_file),
            ("ZGW_TLS_KEY_FILE", self.zgw_tls_key_file),
            ("ZGW_TLS_CLIENT_CA_FILE", self.zgw_tls_client_ca_file),
            ("ZGW_CA_FILE", self.zgw_ca_file),
        ):
            if path is not None and not path.is_file():
                problems.append(f"{name} cannot be read: {path}")
        return problems

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.zgw_tls_cert_file is None:
            problems.append(
                "ZGW_TLS_CERT_FILE is not set: the endpoint for Open Notificaties has no TLS"
            )
        problems += _secret_problems("ZGW_TOKEN_SECRET", self.zgw_token_secret)
        try:
            registry = self.registry()
        except (OSError, ValueError) as error:
            return [*problems, f"ORGANISATION_REGISTRY cannot be read: {type(error).__name__}"]
        clients = self.zgw_notification_client_secrets
        for org in registry.zgw_organisations:
            assert org.zgw is not None
            for root in (org.zgw.zaken_api, org.zgw.catalogi_api):
                if urlsplit(root).scheme != "https":
                    problems.append(f"the ZGW API of {org.name} is not https: {root}")
            problems += _secret_problems(
                f"ZGW_NOTIFICATION_CLIENT_SECRETS[{org.zgw.notification_client_id}]",
                clients.get(org.zgw.notification_client_id),
            )
            problems += _secret_problems(
                f"ZGW_API_SECRETS[{org.oin}]", self.zgw_api_secrets.get(org.oin)
            )
        return problems


def _secret_problems(name: str, secret: SecretStr | None) -> list[str]:
    if secret is None:
        return [f"{name} is not set"]
    value = secret.get_secret_value()
    if value.endswith(LOCAL_PASSWORD_SUFFIX):
        return [f"{name} is a secret of the local stack (…{LOCAL_PASSWORD_SUFFIX})"]
    if len(value) < MIN_SECRET_LENGTH:
        return [f"{name} is shorter than {MIN_SECRET_LENGTH} characters"]
    return []
