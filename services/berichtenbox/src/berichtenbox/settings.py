from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from berichtenbox.adapters.signing import load_public_key
from berichtenbox.domain.message import RetentionPolicy
from berichtenbox.domain.reminder import ReminderPolicy, ReminderScope
from mijnoverheid.settings import REPOSITORY_ROOT, PlatformSettings

DEV_RECEIPT_KEY = REPOSITORY_ROOT / "config" / "dev-receipt-signing.key"


class RetiredReceiptKey(BaseModel):
    """A receipt key signed with before a rotation: its public key and when it was in use."""

    public_key: Path
    valid_from: AwareDatetime
    valid_until: AwareDatetime

    @model_validator(mode="after")
    def _a_period(self) -> RetiredReceiptKey:
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must come after valid_from")
        return self


class BerichtenboxSettings(PlatformSettings):
    receipt_signing_key: Path = Field(
        default=DEV_RECEIPT_KEY,
        description="PEM Ed25519 private key that signs delivery receipts (the default is a "
        "development key)",
    )
    receipt_signing_key_valid_from: AwareDatetime | None = Field(
        default=None, description="since when RECEIPT_SIGNING_KEY signs (published with it)"
    )
    receipt_retired_keys: list[RetiredReceiptKey] = Field(
        default_factory=list,
        description='JSON: [{"public_key": "<PEM file>", "valid_from": "<RFC 3339>", '
        '"valid_until": "<RFC 3339>"}]: every key signed with before, still published',
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
    # Days, not a duration that could be 0: a reminder on delivery would double the notice.
    unread_reminder_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description="after how many days a message still unread gets its one reminder e-mail",
    )
    unread_reminders: ReminderScope = Field(
        default=ReminderScope.ALL,
        description="which unread messages are reminded of: legal-effect, all (those without "
        "legal effect only if the citizen wants e-mail about messages) or off",
    )
    read_report_sweep_seconds: float = Field(
        default=30.0, gt=0, description="how often message-read reports still owed are resent"
    )

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.receipt_signing_key.resolve() == DEV_RECEIPT_KEY.resolve():
            problems.append("RECEIPT_SIGNING_KEY is the committed development key")
        if any(_same_key(key.public_key, DEV_RECEIPT_KEY) for key in self.receipt_retired_keys):
            problems.append("RECEIPT_RETIRED_KEYS lists the committed development key")
        problems += self.platform_user_problems(
            notifier_broker_user=self.notifier_broker_user,
            portal_broker_user=self.portal_broker_user,
        )
        return problems

    def configuration_problems(self) -> list[str]:
        problems = super().configuration_problems()
        for key in self.receipt_retired_keys:
            if not key.public_key.is_file():
                problems.append(f"RECEIPT_RETIRED_KEYS names a file that cannot be read: {key}")
        newest_retired = max((key.valid_until for key in self.receipt_retired_keys), default=None)
        current = self.receipt_signing_key_valid_from
        if current and newest_retired and newest_retired > current:
            problems.append(
                "RECEIPT_SIGNING_KEY_VALID_FROM is before the end of a retired key's period"
            )
        return problems

    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            default=timedelta(days=self.retention_days),
            warn_before=timedelta(days=self.expiry_warning_days),
        )

    def reminders(self) -> ReminderPolicy:
        return ReminderPolicy(timedelta(days=self.unread_reminder_days), self.unread_reminders)


def _same_key(public_key: Path, private_key: Path) -> bool:
    """Whether a public key file holds the public half of `private_key`."""
    try:
        return load_public_key(public_key) == load_public_key(private_key)
    except (OSError, ValueError):
        return False
