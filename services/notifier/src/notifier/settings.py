from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mijnoverheid.settings import LOCAL_PASSWORD_SUFFIX, PlatformSettings

# Signs the VERP return paths (adapters/smtp.py). Known to everyone who reads this file: for
# development and tests only; every real deployment sets NOTIFIER_BOUNCE_SECRET.
DEV_BOUNCE_SECRET = "development-only-notifier-bounce-secret-not-for-production"  # noqa: S105
MIN_BOUNCE_SECRET_LENGTH = 16


class NotifierSettings(PlatformSettings):
    # A setting that fails validation is not echoed in the error (it may be a secret).
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    # Many deliveries in flight let the database writes of concurrent notifications share
    # one round trip (adapters/batching.py); SMTP_POOL_SIZE still bounds the relay's load.
    prefetch: int = Field(default=256, ge=1, le=1000)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_starttls: bool = False
    smtp_implicit_tls: bool = Field(default=False, description="TLS from the first byte (465)")
    smtp_validate_certs: bool = True
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM with the CA certificates that verify the relay; default: the system's",
    )
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 30.0
    smtp_pool_size: int = Field(default=4, ge=1, le=100, description="persistent connections")
    smtp_rate_limit: float = Field(
        default=100.0, description="notification mails a second; 0 = no limit"
    )
    # Confirmation mails have a lane of their own (one connection, their own rate), so a burst
    # of them never takes capacity from the notifications, and cannot starve either.
    smtp_verification_rate_limit: float = Field(
        default=5.0, gt=0, description="confirmation mails a second (their own connection)"
    )
    notifier_verification_mails_per_hour: int = Field(
        default=3, ge=1, description="confirmation mails per citizen, and per address, an hour"
    )
    notifier_verification_mails_per_day: int = Field(
        default=10, ge=1, description="confirmation mails per citizen, and per address, a day"
    )
    notifier_from_address: str = "noreply@mijnoverheid.localhost"
    portal_url: str = "https://mijn.overheid.nl"
    # The only broker users trusted for the triggers of each service (in production the subject
    # DNs of the services' certificates).
    berichtenbox_broker_user: str = Field(
        default="berichtenbox", description="the only broker user trusted for message triggers"
    )
    zaken_broker_user: str = "zaken"
    gegevens_broker_user: str = "gegevens"
    notifier_bounce_domain: str | None = Field(
        default=None, description="domain of the VERP return path; default: the From domain"
    )
    notifier_bounce_secret: SecretStr = Field(
        default=SecretStr(DEV_BOUNCE_SECRET),
        min_length=MIN_BOUNCE_SECRET_LENGTH,
        description="key of the HMAC in the VERP return path; the same for every instance",
    )
    notifier_bounce_host: str = "127.0.0.1"
    notifier_bounce_port: int = Field(default=2525, description="bounce endpoint; 0 = off")
    notifier_retry_delays_seconds: tuple[float, float, float, float] = (10, 60, 600, 3600)
    notifier_max_attempts: int = Field(default=5, ge=1)
    notifier_sending_lease_seconds: float = 90.0
    notifier_overdue_after_seconds: float = 48 * 3600
    notifier_overdue_scan_seconds: float = 60.0
    notifier_verification_valid_seconds: float = 24 * 3600
    notifier_dev_auto_verify: bool = Field(
        default=False, description="development only: an address counts as verified at once"
    )

    def configuration_problems(self) -> list[str]:
        problems = super().configuration_problems()
        if self.smtp_starttls and self.smtp_implicit_tls:
            problems.append("SMTP_STARTTLS and SMTP_IMPLICIT_TLS cannot both be set")
        if self.smtp_ca_file is not None and not self.smtp_ca_file.is_file():
            problems.append(f"SMTP_CA_FILE cannot be read: {self.smtp_ca_file}")
        return problems

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.bounce_secret_is_the_development_default:
            problems.append("NOTIFIER_BOUNCE_SECRET is the committed development secret")
        if not (self.smtp_starttls or self.smtp_implicit_tls):
            problems.append("neither SMTP_STARTTLS nor SMTP_IMPLICIT_TLS is set: mail without TLS")
        if (self.smtp_password or "").endswith(LOCAL_PASSWORD_SUFFIX):
            problems.append("SMTP_PASSWORD is a password of the local stack (<user>-local-secret)")
        if self.notifier_dev_auto_verify:
            problems.append("NOTIFIER_DEV_AUTO_VERIFY is set: addresses must be confirmed")
        if self.smtp_validate_certs is False:
            problems.append("SMTP_VALIDATE_CERTS=false: the relay's certificate is not checked")
        problems += self.platform_user_problems(
            berichtenbox_broker_user=self.berichtenbox_broker_user,
            zaken_broker_user=self.zaken_broker_user,
            gegevens_broker_user=self.gegevens_broker_user,
        )
        return problems

    @property
    def bounce_secret(self) -> bytes:
        return self.notifier_bounce_secret.get_secret_value().encode()

    @property
    def bounce_secret_is_the_development_default(self) -> bool:
        return self.notifier_bounce_secret.get_secret_value() == DEV_BOUNCE_SECRET

    @property
    def bounce_domain(self) -> str:
        return self.notifier_bounce_domain or self.notifier_from_address.rsplit("@", 1)[-1]
