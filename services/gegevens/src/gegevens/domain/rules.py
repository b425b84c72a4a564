"""What an organisation may publish beyond the identity checks: pure, no I/O."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from gegevens.domain.model import RecordVersion
from mijnoverheid.kernel import Refusal, RejectionReason


def check(command: RecordVersion, known_registers: Collection[str]) -> None:
    """Only registers the organisation is registered for; links only to its own hosts.

    Raises Refusal. The texts name no input: an unknown code is the sender's own text, not
    ours to echo.
    """
    if command.register_code not in known_registers:
        raise Refusal(
            RejectionReason.REGISTER_NOT_ALLOWED,
            "register_code: not a register of Persoonlijke Gegevens (see docs/gegevens.md)",
        )
    if command.register_code not in command.sender.registers:
        raise Refusal(
            RejectionReason.REGISTER_NOT_ALLOWED,
            "register_code: the organisation is not registered for this register",
        )
    if command.where_to_change is not None:
        host = (urlsplit(command.where_to_change.url).hostname or "").lower()
        if host not in (allowed.lower() for allowed in command.sender.link_hosts):
            raise Refusal(
                RejectionReason.URL_NOT_ALLOWED,
                "where_to_change.url: the host is not registered for the organisation",
            )
