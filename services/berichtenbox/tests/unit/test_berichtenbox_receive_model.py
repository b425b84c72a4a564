"""domain.message.receive: the message as it is stored, with its attachments' sizes and hashes."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from berichtenbox.domain.message import (
    INBOX,
    NewMessage,
    ReceiveMessage,
    RetentionPolicy,
    Submission,
    SubmittedAttachment,
    message_id_for,
    receive,
)
from berichtenbox.domain.receipt import content_digest
from mijnoverheid.contracts.envelope import source_for
from mijnoverheid.kernel import Origin, Refusal, RejectionReason

OIN = "00000001003214345000"
SOURCE = source_for(OIN, "zaaksysteem")
SENT_AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 15, 9, 0, 5, 678901, tzinfo=UTC)
NOW_MS = NOW.replace(microsecond=678000)
POLICY = RetentionPolicy()
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 17


def sent(**overrides: object) -> Submission:
    data: dict[str, object] = {
        "recipient_bsn": "999993653",
        "subject": "Uw aanslag",
        "body": "Geachte heer/mevrouw,",
        "reference": "KENMERK-1",
        "legal_effect": False,
    }
    data.update(overrides)
    data["attachments"] = tuple(data.get("attachments", ()))  # type: ignore[arg-type]
    return Submission(**data)  # type: ignore[arg-type]


def attachment(file_name: str, media_type: str, content: bytes) -> SubmittedAttachment:
    return SubmittedAttachment(file_name, media_type, content)


def origin(event_id: str = "evt-1", source: str = SOURCE) -> Origin:
    return Origin(OIN, "Belastingdienst", source, event_id, SENT_AT)


def received(submission: Submission, event_id: str = "evt-1") -> NewMessage:
    return receive(ReceiveMessage(origin(event_id), submission), now=NOW, retention=POLICY)


def test_receive_makes_the_message_with_a_deterministic_id() -> None:
    message = received(sent(kind="besluit", deadline=date(2026, 2, 1))).message
    assert message.message_id == message_id_for(origin("evt-1"))
    assert message.message_id == received(sent(), "evt-1").message.message_id
    assert message.message_id != received(sent(), "evt-2").message.message_id
    assert message.message_id != message_id_for(origin(source=source_for(OIN, "ander-systeem")))
    assert (message.event_source, message.event_id) == (SOURCE, "evt-1")
    assert message.sent_at == SENT_AT
    assert message.recipient_bsn == "999993653"
    assert message.kind == "besluit"
    assert message.deadline == date(2026, 2, 1)
    assert message.legal_effect is False
    assert message.folder == INBOX
    assert message.attachments == ()


def test_times_are_kept_to_milliseconds_as_the_database_keeps_them() -> None:
    message = received(sent()).message
    assert message.delivered_at == NOW_MS
    assert message.expires_at == NOW_MS + POLICY.default


def test_the_sender_may_choose_the_expiry_within_bounds() -> None:
    wanted = datetime(2026, 6, 1, 12, 0, 0, 999999, tzinfo=UTC)
    assert received(sent(expires_at=wanted)).message.expires_at == wanted.replace(
        microsecond=999000
    )
    earliest = NOW_MS + POLICY.minimum
    latest = NOW_MS + POLICY.maximum
    assert received(sent(expires_at=earliest)).message.expires_at == earliest
    assert received(sent(expires_at=latest)).message.expires_at == latest


@pytest.mark.parametrize(
    "offset",
    [POLICY.minimum - timedelta(seconds=1), POLICY.maximum + timedelta(seconds=1), -POLICY.default],
)
def test_an_expiry_outside_the_bounds_is_refused(offset: timedelta) -> None:
    with pytest.raises(Refusal) as refused:
        received(sent(expires_at=NOW_MS + offset))
    assert refused.value.reason is RejectionReason.EXPIRY_OUT_OF_BOUNDS


def test_a_deadline_after_the_chosen_expiry_is_refused() -> None:
    expires_at = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Amsterdam
    with pytest.raises(Refusal) as refused:
        received(sent(expires_at=expires_at, deadline=date(2026, 6, 1)))
    assert refused.value.reason is RejectionReason.EXPIRY_OUT_OF_BOUNDS
    assert "deadline lies after expires_at" in refused.value.detail
    # Readable until the end of the deadline day in the Netherlands (22:00 UTC in summer).
    midnight = datetime(2026, 5, 31, 22, 0, tzinfo=UTC)
    assert received(sent(expires_at=midnight, deadline=date(2026, 5, 31))).message.deadline


def test_a_deadline_beyond_the_platforms_retention_is_refused_too() -> None:
    last_day = (NOW_MS + POLICY.default).date() - timedelta(days=1)
    assert received(sent(deadline=last_day)).message.deadline == last_day
    with pytest.raises(Refusal) as refused:
        received(sent(deadline=last_day + timedelta(days=2)))
    assert refused.value.reason is RejectionReason.EXPIRY_OUT_OF_BOUNDS
    assert "set expires_at" in refused.value.detail


def test_attachments_get_their_size_and_sha256() -> None:
    new = received(
        sent(
            attachments=[
                attachment("aanslag.pdf", "application/pdf", PDF),
                attachment("bijlage.png", "image/png", PNG),
                attachment("leeg.pdf", "application/pdf", b""),
            ]
        )
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


def test_the_content_digest_covers_content_and_attachments() -> None:
    message = received(sent(attachments=[attachment("a.pdf", "application/pdf", PDF)])).message
    assert message.content_digest == content_digest(message)
    assert message.content_digest.startswith("sha256:")
    changed_body = replace(message, body="Iets anders")
    assert content_digest(changed_body) != message.content_digest
    changed_file = replace(message, attachments=(replace(message.attachments[0], sha256="0" * 64),))
    assert content_digest(changed_file) != message.content_digest
    # Where and when it was delivered is not content.
    assert content_digest(replace(message, folder="archive")) == message.content_digest
