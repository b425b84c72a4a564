from __future__ import annotations

from pydantic import Field

from mijnoverheid.settings import PlatformSettings


class NotifierSettings(PlatformSettings):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    notifier_from_address: str = "noreply@mijnoverheid.localhost"
    portal_url: str = "https://mijn.overheid.nl"
    berichtenbox_broker_user: str = Field(
        default="berichtenbox", description="the only broker user trusted to send triggers"
    )
