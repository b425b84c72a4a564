from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field

from berichtenbox.domain.message import RetentionPolicy
from mijnoverheid.settings import REPOSITORY_ROOT, PlatformSettings

DEV_RECEIPT_KEY = REPOSITORY_ROOT / "config" / "dev-receipt-signing.key"


class BerichtenboxSettings(PlatformSettings):
    receipt_signing_key: Path = Field(
        default=DEV_RECEIPT_KEY,
        description="PEM Ed25519 private key that signs delivery receipts (the default is a "
        "development key)",
    )
    notifier_broker_user: str = Field(
        default="notifier", description="the only broker user trusted for notification statuses"
    )
    portal_broker_user: str = Field(
        default="portal", description="the only broker user trusted for accounts and consent"
    )
    retention_days: int = Field(default=548, ge=30, le=3653)
    expiry_warning_days: int = Field(default=14, ge=1, le=90)
    retention_scan_seconds: float = Field(default=300.0, gt=0)
    read_report_sweep_seconds: float = Field(
        default=30.0, gt=0, description="how often message-read reports still owed are resent"
    )

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.receipt_signing_key.resolve() == DEV_RECEIPT_KEY.resolve():
            problems.append("RECEIPT_SIGNING_KEY is the committed development key")
        problems += self.platform_user_problems(
            notifier_broker_user=self.notifier_broker_user,
            portal_broker_user=self.portal_broker_user,
        )
        return problems

    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            default=timedelta(days=self.retention_days),
            warn_before=timedelta(days=self.expiry_warning_days),
        )
