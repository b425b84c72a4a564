"""Reading RFC 3464 delivery status notifications (multipart/report; report-type=
delivery-status) and the signed VERP return path that names the notification.

Only the return path identifies the notification, and only when its tag verifies: the id alone
is no secret, and a report's `Original-Envelope-Id` is whatever its sender wrote.
"""

from __future__ import annotations

import email
import email.policy
import hmac
from email.message import Message

from notifier.adapters.smtp import BOUNCE_LOCAL_PART, TAG_SEPARATOR, bounce_tag
from notifier.domain.attempt import DeliveryReport


def notification_id_of(recipient: str, secret: bytes) -> str | None:
    """`bounces+<id>.<tag>@domain` → id, when the tag is the HMAC of the id under `secret`;
    None for anything else (no id, no tag, a wrong tag)."""
    local = recipient.rpartition("@")[0]
    prefix = BOUNCE_LOCAL_PART + "+"
    if not local.startswith(prefix):
        return None
    notification_id, separator, tag = local[len(prefix) :].rpartition(TAG_SEPARATOR)
    if not notification_id or not separator:
        return None
    expected = bounce_tag(notification_id, secret).encode()
    # Constant time: how much of a guessed tag is right must not show in the answer's timing.
    return notification_id if hmac.compare_digest(tag.lower().encode(), expected) else None


def addressed_to_a_notification(recipient: str) -> bool:
    """Whether the address has the form of a notification's return path (`bounces+…@`), signed
    correctly or not."""
    return recipient.rpartition("@")[0].startswith(BOUNCE_LOCAL_PART + "+")


def delivery_reports(raw: bytes, notification_id: str | None = None) -> list[DeliveryReport]:
    """One report per recipient block, about `notification_id` (from the verified return path;
    an envelope id in the report is not trusted); empty for anything that is not a DSN
    (auto-replies, people answering the mail)."""
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
    per_recipient = blocks[1:]  # blocks[0] is per message (Reporting-MTA, envelope id, …)
    reports = []
    for block in per_recipient:
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip().split(" ")[0]
        if action:
            reports.append(DeliveryReport(notification_id, action, status))
    return reports
