"""Reading RFC 3464 delivery status notifications (multipart/report; report-type=
delivery-status) and the VERP return path that names the notification."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message

from notifier.adapters.smtp import BOUNCE_LOCAL_PART
from notifier.domain.attempt import DeliveryReport

_XTEXT = re.compile(r"\+([0-9A-Fa-f]{2})")


def notification_id_of(recipient: str) -> str | None:
    """`bounces+<id>@domain` → id."""
    local = recipient.rpartition("@")[0]
    prefix = BOUNCE_LOCAL_PART + "+"
    return local[len(prefix) :] or None if local.startswith(prefix) else None


def delivery_reports(raw: bytes, notification_id: str | None = None) -> list[DeliveryReport]:
    """One report per recipient block; empty for anything that is not a DSN (auto-replies,
    people answering the mail). `notification_id` from the return path wins over ENVID."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if message.get_content_type() != "multipart/report":
        return []
    if str(message.get_param("report-type", "")).lower() != "delivery-status":
        return []
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            return _reports(part, notification_id)
    return []


def _reports(part: Message, notification_id: str | None) -> list[DeliveryReport]:
    payload = part.get_payload()
    blocks = (
        [block for block in payload if isinstance(block, Message)]
        if isinstance(payload, list)
        else []
    )
    if not blocks:
        return []
    per_message, per_recipient = blocks[0], blocks[1:]
    envelope_id = _decode_xtext(str(per_message.get("Original-Envelope-Id", "")).strip())
    found = notification_id or envelope_id or None
    reports = []
    for block in per_recipient:
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip().split(" ")[0]
        if action:
            reports.append(DeliveryReport(found, action, status))
    return reports


def _decode_xtext(value: str) -> str:
    return _XTEXT.sub(lambda match: chr(int(match.group(1), 16)), value)
