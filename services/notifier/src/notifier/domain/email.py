"""The e-mail text: says there is something new and where to look, never what it says.

No BSN, no subject or body of a message, no case details: only the sender organisation, the
kind of message, legal effect and deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifier.domain.notification import Notification


@dataclass(frozen=True)
class Email:
    subject: str
    text: str


def new_message_email(notification: Notification, portal_url: str) -> Email:
    lines = [
        "Beste lezer,",
        "",
        f"Er staat een nieuw bericht van {notification.organisation_name} in uw Berichtenbox "
        "op MijnOverheid.",
    ]
    if notification.kind:
        lines.append(f"Soort bericht: {notification.kind}.")
    if notification.legal_effect:
        lines.append("Dit bericht heeft rechtsgevolgen: lees het zo snel mogelijk.")
    if notification.deadline:
        lines.append(f"Let op: u moet uiterlijk {notification.deadline:%d-%m-%Y} reageren.")
    lines += [
        "",
        f"Log in op {portal_url} om het bericht te lezen.",
        "",
        "Deze e-mail is automatisch verstuurd; u kunt er niet op antwoorden.",
        "MijnOverheid vraagt u nooit per e-mail om inloggegevens of betaalgegevens.",
    ]
    return Email(
        subject="Nieuw bericht in uw Berichtenbox op MijnOverheid", text="\n".join(lines) + "\n"
    )
