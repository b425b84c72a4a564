from __future__ import annotations

from pydantic import Field

from mijnoverheid.settings import PlatformSettings


class NotifierSettings(PlatformSettings):
    # Many deliveries in flight let the database writes of concurrent notifications share
    # one round trip (adapters/batching.py); SMTP_POOL_SIZE still bounds the relay's load.
    prefetch: int = Field(default=256, ge=1, le=1000)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_starttls: bool = False
    smtp_validate_certs: bool = True
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 30.0
    smtp_pool_size: int = Field(default=4, ge=1, le=100, description="persistent connections")
    smtp_rate_limit: float = Field(default=100.0, description="mails a second; 0 = no limit")
    notifier_from_address: str = "noreply@mijnoverheid.localhost"
    portal_url: str = "https://mijn.overheid.nl"
    berichtenbox_broker_user: str = Field(
        default="berichtenbox", description="the only broker user trusted for message triggers"
    )
    zaken_broker_user: str = "zaken"
    gegevens_broker_user: str = "gegevens"
    notifier_bounce_domain: str | None = Field(
        default=None, description="domain of the VERP return path; default: the From domain"
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

    @property
    def bounce_domain(self) -> str:
        return self.notifier_bounce_domain or self.notifier_from_address.rsplit("@", 1)[-1]
