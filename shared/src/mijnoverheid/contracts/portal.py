"""Events of the portal: accounts and digital consent, owned by the portal, announced to the
services that act on them (internal: organisations never receive them)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from mijnoverheid.identity import Bsn, Oin

SERVICE: Final = "portal"


class AccountActivated(BaseModel):
    """`portal.account-activated.<platform OIN>`: a citizen of 14 or older logged in for the
    first time; the account exists from then on and cannot be cancelled."""

    model_config = ConfigDict(extra="forbid")

    bsn: Bsn
    activated_at: datetime


class DigitalConsentChanged(BaseModel):
    """`portal.digital-consent-changed.<platform OIN>`: the citizen said whether they can be
    reached electronically by an organisation (Wmebv, art. 2:8 Awb). The newest change per
    organisation, by `changed_at` and then `change_id`, is the citizen's choice."""

    model_config = ConfigDict(extra="forbid")

    bsn: Bsn
    organisation_oin: Oin
    digital: bool = Field(description="true: the organisation may send electronically")
    changed_at: datetime
    change_id: str = Field(min_length=1, max_length=100)
