"""Events of the portal: accounts, digital consent and grants (machtigen), owned by the portal,
announced to the services that act on them (internal: organisations never receive them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


# Machtigen: a citizen (the owner) lets another citizen with an activated account (the helper)
# read the messages of chosen organisations, until a moment or until withdrawn.
MAX_GRANT_ORGANISATIONS = 50
GrantId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9-]+$")]


class GrantGiven(BaseModel):
    """`portal.grant-given.<platform OIN>`: the owner authorised the helper to read the owner's
    messages from `organisation_oins`, from now until `valid_until` (null: until withdrawn).
    A grant never changes; the owner withdraws it and gives a new one."""

    model_config = ConfigDict(extra="forbid")

    grant_id: GrantId = Field(description="opaque; the helper's URLs name the grant by it")
    owner_bsn: Bsn
    helper_bsn: Bsn
    owner_name: str = Field(
        min_length=1, max_length=80, description="how the owner lets the helper see them"
    )
    organisation_oins: list[Oin] = Field(min_length=1, max_length=MAX_GRANT_ORGANISATIONS)
    granted_at: datetime
    valid_until: datetime | None = Field(
        default=None, description="the first moment it no longer holds; absent: until withdrawn"
    )

    @model_validator(mode="after")
    def _coherent(self) -> GrantGiven:
        if self.owner_bsn == self.helper_bsn:
            raise ValueError("a citizen cannot authorise themselves")
        if len(set(self.organisation_oins)) != len(self.organisation_oins):
            raise ValueError("an organisation is named twice")
        return self


class GrantWithdrawn(BaseModel):
    """`portal.grant-withdrawn.<platform OIN>`: the owner withdrew the grant; it holds no more
    from then on (also when this arrives before the grant itself)."""

    model_config = ConfigDict(extra="forbid")

    grant_id: GrantId
    withdrawn_at: datetime
