"""The message trail as a citizen can read, print or keep it (Dutch and English). Pure."""

from __future__ import annotations

import json
from typing import Final

from berichtenbox.domain.canonical import rfc3339
from berichtenbox.domain.mailbox import READ_REPORTED_CAUSE
from berichtenbox.domain.message import Message
from berichtenbox.domain.trail import TrailEntry, TrailKind, verify_chain

KIND_LABELS: Final[dict[TrailKind, tuple[str, str]]] = {
    TrailKind.SUBMITTED: ("verzonden door de afzender", "sent by the sender"),
    TrailKind.STORED: ("afgeleverd in de Berichtenbox", "delivered to the Berichtenbox"),
    TrailKind.NOTIFICATION: ("melding over het bericht", "notification about the message"),
    TrailKind.READ: ("geopend door de ontvanger", "opened by the recipient"),
    TrailKind.MOVED: ("verplaatst naar een andere map", "moved to another folder"),
    TrailKind.EXPIRY_WARNED: (
        "waarschuwing verstuurd: het bericht verloopt binnenkort",
        "warning sent: the message expires soon",
    ),
    TrailKind.UNREAD_REMINDED: (
        "herinnering verstuurd: het bericht is nog niet geopend",
        "reminder sent: the message has not been opened yet",
    ),
    TrailKind.EXPIRED: (
        "inhoud verwijderd: de bewaartermijn is verstreken",
        "content removed: the retention period has ended",
    ),
    TrailKind.DELETED: ("inhoud verwijderd door de ontvanger", "content deleted by the recipient"),
    TrailKind.VIEWED_BY_HELPER: (
        "bekeken door een gemachtigde van de ontvanger",
        "viewed by someone the recipient authorised",
    ),
}
CAUSE_LABELS: Final[dict[str, tuple[str, str]]] = {
    READ_REPORTED_CAUSE: (
        "afzender geïnformeerd dat het bericht is geopend",
        "sender informed that the message was opened",
    ),
}


# Moves into and out of the trash read as what the citizen did: deleted, restored.
TRASH_LABELS: Final[dict[str, tuple[str, str]]] = {
    "to": ("verwijderd naar de prullenbak", "deleted to the trash"),
    "from": ("teruggezet uit de prullenbak", "restored from the trash"),
}


HELPER_DOWNLOAD_LABEL: Final = (
    "bijlage gedownload door een gemachtigde van de ontvanger",
    "attachment downloaded by someone the recipient authorised",
)


def label(entry: TrailEntry) -> str:
    dutch, english = CAUSE_LABELS.get(entry.cause) or KIND_LABELS[entry.kind]
    if entry.kind == TrailKind.VIEWED_BY_HELPER and "attachment" in entry.details:
        dutch, english = HELPER_DOWNLOAD_LABEL
    if entry.kind == TrailKind.MOVED:
        side = next((s for s in ("to", "from") if entry.details.get(s) == "trash"), None)
        if side is not None:
            dutch, english = TRASH_LABELS[side]
    return f"{dutch} / {english}"


def trail_text(message: Message, entries: list[TrailEntry]) -> str:
    verification = verify_chain(entries)
    if verification.valid:
        outcome = (
            f"keten intact / chain intact ({verification.entries} regels / entries)"
            if entries
            else "geen regels / no entries"
        )
    else:
        outcome = (
            f"KETEN VERBROKEN bij regel {verification.first_invalid_seq} / "
            f"CHAIN BROKEN at entry {verification.first_invalid_seq}"
        )
    lines = [
        "Berichtspoor / Message trail",
        "",
        f"Bericht / Message:        {message.message_id}",
        f"Afzender / Sender:        {message.sender_name} (OIN {message.sender_oin})",
        f"Kenmerk / Reference:      {message.reference}",
        f"Controle / Verification:  {outcome}",
        "",
        "Elke regel bevat de SHA-256-hash van de vorige; zo is te zien of een regel is gewijzigd.",
        "Every entry holds the SHA-256 hash of the one before, so a changed entry shows.",
    ]
    for entry in entries:
        lines += [
            "",
            f"{entry.seq}. {rfc3339(entry.at)}  {label(entry)}",
            f"   oorzaak / cause:            {entry.cause}",
        ]
        if entry.details:
            lines.append(f"   gegevens / details:         {_details(entry)}")
        lines += [
            f"   vorige hash / previous hash: {entry.prev_hash}",
            f"   hash:                        {entry.hash}",
        ]
    return "\n".join(lines) + "\n"


def _details(entry: TrailEntry) -> str:
    return ", ".join(
        f"{key}={value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
        for key, value in sorted(entry.details.items())
    )
