"""Whether an organisation may deliver a message digitally to a citizen. Pure.

Only to a citizen with an activated MijnOverheid account, and only when the citizen said they
can be reached electronically by that organisation (Wmebv, art. 2:8 Awb): otherwise the
organisation sends paper. Both facts are the portal's; the Berichtenbox keeps a projection of
them (the events arrive in any order, so the newest consent change wins by its own time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mijnoverheid.kernel import Refusal, RejectionReason


@dataclass(frozen=True)
class ConsentChange:
    organisation_oin: str
    digital: bool
    changed_at: datetime
    change_id: str

    @property
    def order(self) -> tuple[datetime, str]:
        # The portal's own order of a citizen's changes: by time, then by id.
        return (self.changed_at, self.change_id)


@dataclass(frozen=True)
class ActivateAccount:
    bsn: str
    activated_at: datetime


@dataclass(frozen=True)
class ChangeConsent:
    bsn: str
    change: ConsentChange


@dataclass(frozen=True)
class AskDigitalDelivery:
    request_event_id: str
    request_source: str
    asker_oin: str
    bsns: tuple[str, ...]


def why_not_digital(
    activated_at: datetime | None, changes: Iterable[ConsentChange], organisation_oin: str
) -> RejectionReason | None:
    """None when the organisation may deliver digitally; otherwise why it may not."""
    if activated_at is None:
        return RejectionReason.ACCOUNT_NOT_ACTIVATED
    own = [change for change in changes if change.organisation_oin == organisation_oin]
    latest = max(own, key=lambda change: change.order, default=None)
    if latest is None or not latest.digital:
        return RejectionReason.NO_DIGITAL_CONSENT
    return None


def require_digital(
    activated_at: datetime | None, changes: Iterable[ConsentChange], organisation_oin: str
) -> None:
    reason = why_not_digital(activated_at, changes, organisation_oin)
    if reason is RejectionReason.ACCOUNT_NOT_ACTIVATED:
        raise Refusal(reason, "the citizen has no activated MijnOverheid account: send paper")
    if reason is RejectionReason.NO_DIGITAL_CONSENT:
        raise Refusal(reason, "the citizen has not consented to digital post from you: send paper")
