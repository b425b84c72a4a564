"""The portal's configuration, from the environment (12-factor). Secure by default: a setting
forgotten in production fails closed, and the development conveniences (a generated key, a
cookie without Secure over http) exist only when MIJNOVERHEID_ENVIRONMENT says development:
in production the portal refuses to start on any of them (`production_problems`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from mijnoverheid.assurance import Level
from mijnoverheid.settings import REPOSITORY_ROOT, PlatformSettings

LOCAL = REPOSITORY_ROOT / ".local" / "portal"
MAX_TOKEN_LIFETIME = 300


class PortalSettings(PlatformSettings):
    """The shared settings (environment, broker, database, registry, HTTP) and the portal's."""

    portal_url: str | None = Field(
        default=None, description="public base URL; defaults to http://<HTTP_HOST>:<HTTP_PORT>"
    )
    assets_dir: Path = Field(
        default=REPOSITORY_ROOT / "node_modules",
        description="where `npm ci` put the NL Design System packages",
    )

    # Login (OpenID Connect, NL GOV profile): the DigiD broker, or the mock in development.
    oidc_issuer: str = Field(min_length=1)
    oidc_client_id: str = "mijnoverheid-portal-dev"
    oidc_client_key: Path | None = Field(
        default=None, description="private JWK (JSON) for private_key_jwt; generated in dev"
    )
    oidc_min_acr: Level = Level.MIDDEN
    oidc_backchannel_url: str | None = Field(
        default=None,
        description="development in containers only: where the portal itself reaches the IdP",
    )

    # Tokens the portal signs for the services' citizen APIs.
    portal_token_issuer: str = "urn:nld:mijnoverheid:portal"  # noqa: S105 - an id
    portal_token_signing_key: Path | None = Field(
        default=None, description="PEM Ed25519 private key; generated into .local/ in dev"
    )
    portal_token_lifetime_seconds: int = Field(default=120, ge=10, le=MAX_TOKEN_LIFETIME)

    session_cookie_secure: bool = True
    session_idle_seconds: int = Field(default=900, ge=60, le=900)
    session_absolute_seconds: int = Field(default=8 * 3600, ge=600, le=12 * 3600)

    berichtenbox_url: str = "http://127.0.0.1:8081"
    zaken_url: str = "http://127.0.0.1:8082"
    gegevens_url: str = "http://127.0.0.1:8083"
    notifier_url: str = "http://127.0.0.1:8084"

    @property
    def base_url(self) -> str:
        return (self.portal_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    @property
    def client_key_path(self) -> Path:
        return self.oidc_client_key or LOCAL / "oidc-client.jwk.json"

    @property
    def token_key_path(self) -> Path:
        return self.portal_token_signing_key or LOCAL / "token-signing.key"

    def production_problems(self) -> list[str]:
        # The portal verifies no citizen tokens: it is their issuer.
        problems = [p for p in super().production_problems() if "CITIZEN_TOKEN" not in p]
        for name, value in (
            ("OIDC_CLIENT_KEY", self.oidc_client_key),
            ("PORTAL_TOKEN_SIGNING_KEY", self.portal_token_signing_key),
            ("PORTAL_URL", self.portal_url),
        ):
            if value is None:
                problems.append(f"{name} is not set (generated keys are for development only)")
        if self.oidc_backchannel_url:
            problems.append("OIDC_BACKCHANNEL_URL is set: it is for development only")
        if not self.session_cookie_secure:
            problems.append("SESSION_COOKIE_SECURE=false: session cookies must be Secure")
        if not (self.portal_url or "https://").startswith("https://"):
            problems.append("PORTAL_URL is not https")
        return problems
