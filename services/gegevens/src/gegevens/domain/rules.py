"""What an organisation may publish beyond the identity checks: pure, no I/O."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlsplit

from mijnoverheid.contracts.gegevens import RegistrationChanged, RegistrationRemoved
from mijnoverheid.contracts.rejection import RejectionReason
from mijnoverheid.identity import OrganisationRegistry
from mijnoverheid.inbound import Accepted, Refused

EventData = TypeVar("EventData", RegistrationChanged, RegistrationRemoved)


def refusal(accepted: Accepted[EventData], registry: OrganisationRegistry) -> Refused | None:
    """Only registers the organisation is registered for; links only to its own hosts.

    The texts name no input: an unknown code is the sender's own text, not ours to echo.
    """
    sender, event, data = accepted.sender, accepted.event, accepted.data

    def refuse(reason: RejectionReason, detail: str) -> Refused:
        return Refused(sender, event.id, event.type, reason, detail)

    if registry.register(data.register_code) is None:
        return refuse(
            RejectionReason.REGISTER_NOT_ALLOWED,
            "register_code: not a register of Persoonlijke Gegevens (see docs/gegevens.md)",
        )
    if data.register_code not in sender.registers:
        return refuse(
            RejectionReason.REGISTER_NOT_ALLOWED,
            "register_code: the organisation is not registered for this register",
        )
    if isinstance(data, RegistrationChanged):
        host = urlsplit(data.where_to_change.url).hostname or ""
        if not sender.may_link_to(host):
            return refuse(
                RejectionReason.URL_NOT_ALLOWED,
                "where_to_change.url: the host is not registered for the organisation",
            )
    return None
