"""domain.model.receive: the message as it is stored, with its attachments' sizes and hashes."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime

from berichtenbox.domain.model import INBOX, message_id_for, receive
from mijnoverheid.contracts.berichtenbox import MessageSent
from mijnoverheid.contracts.envelope import source_for

SOURCE = source_for("00000001003214345000", "zaaksysteem")
SENT_AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 15, 9, 0, 5, tzinfo=UTC)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 17


def sent(**overrides: object) -> MessageSent:
    data: dict[str, object] = {
        "recipient_bsn": "999993653",
        "subject": "Uw aanslag",
        "body": "Geachte heer/mevrouw,",
        "reference": "KENMERK-1",
        "legal_effect": False,
    }
    data.update(overrides)
    return MessageSent.model_validate(data)


def attachment(file_name: str, media_type: str, content: bytes) -> dict[str, str]:
    encoded = base64.b64encode(content).decode("ascii")
    return {"file_name": file_name, "media_type": media_type, "content": encoded}


def test_receive_makes_the_message_with_a_deterministic_id() -> None:
    new = receive(
        event_source=SOURCE,
        event_id="evt-1",
        sent_at=SENT_AT,
        sender_oin="00000001003214345000",
        sender_name="Belastingdienst",
        data=sent(kind="besluit", deadline="2026-02-01"),
        now=NOW,
    )
    message = new.message
    assert message.message_id == message_id_for(SOURCE, "evt-1")
    assert message.message_id != message_id_for(SOURCE, "evt-2")
    assert message.message_id != message_id_for(source_for("00000001003214345000", "x"), "evt-1")
    assert message.event_source == SOURCE
    assert message.event_id == "evt-1"
    assert message.sent_at == SENT_AT
    assert message.delivered_at == NOW
    assert message.recipient_bsn == "999993653"
    assert message.kind == "besluit"
    assert message.deadline == date(2026, 2, 1)
    assert message.legal_effect is False
    assert message.folder == INBOX
    assert message.attachments == ()
    assert new.attachment_contents == ()


def test_attachments_get_their_size_and_sha256() -> None:
    new = receive(
        event_source=SOURCE,
        event_id="evt-1",
        sent_at=SENT_AT,
        sender_oin="00000001003214345000",
        sender_name="Belastingdienst",
        data=sent(
            attachments=[
                attachment("aanslag.pdf", "application/pdf", PDF),
                attachment("bijlage.png", "image/png", PNG),
                attachment("leeg.pdf", "application/pdf", b""),
            ]
        ),
        now=NOW,
    )
    message = new.message
    assert new.attachment_contents == (PDF, PNG, b"")
    pdf, png, empty = message.attachments
    assert (pdf.file_name, pdf.media_type, pdf.size) == ("aanslag.pdf", "application/pdf", len(PDF))
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (png.file_name, png.media_type, png.size) == ("bijlage.png", "image/png", len(PNG))
    assert png.sha256 == hashlib.sha256(PNG).hexdigest()
    assert empty.size == 0
    assert empty.sha256 == hashlib.sha256(b"").hexdigest()
    assert [file.file_id for file in message.attachments] == [
        f"{message.message_id}.0",
        f"{message.message_id}.1",
        f"{message.message_id}.2",
    ]
