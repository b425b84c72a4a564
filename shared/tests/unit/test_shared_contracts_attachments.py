"""The public contract: MessageSent attachments, their size limits and names, and a media type
that must agree with the name and the content."""

from __future__ import annotations

import pytest

from mijnoverheid.contracts.berichtenbox import (
    MAX_ATTACHMENT_BYTES,
    MAX_TOTAL_ATTACHMENT_BYTES,
    MessageSent,
)
from mijnoverheid.contracts.rejection import RejectionReason
from shared.tests.unit.message_sent_examples import (
    attachment,
    message,
    pdf,
    rejection,
)

MiB = 1024 * 1024


def test_an_attachment_over_the_limit_is_too_large() -> None:
    reason, _ = rejection(message(attachments=[attachment(pdf(MAX_ATTACHMENT_BYTES + 3))]))
    assert reason is RejectionReason.TOO_LARGE


def test_an_attachment_one_byte_over_the_limit_is_too_large() -> None:
    reason, _ = rejection(message(attachments=[attachment(pdf(MAX_ATTACHMENT_BYTES + 1))]))
    assert reason is RejectionReason.TOO_LARGE


def test_attachments_over_the_total_limit_are_too_large() -> None:
    count = MAX_TOTAL_ATTACHMENT_BYTES // (4 * MiB) + 1
    reason, detail = rejection(message(attachments=[attachment(pdf(4 * MiB))] * count))
    assert reason is RejectionReason.TOO_LARGE
    assert "in total" in detail


@pytest.mark.parametrize(
    "file_name",
    ["factuur\u202efdp.exe", "aan\u200bslag.pdf", "aanslag\n.pdf", "brief\x00.pdf", "a\u2066b.pdf"],
)
def test_a_file_name_with_control_or_invisible_characters_is_malformed(file_name: str) -> None:
    reason, detail = rejection(message(attachments=[attachment(file_name=file_name)]))
    assert reason is RejectionReason.MALFORMED
    assert "invisible" in detail


@pytest.mark.parametrize(
    ("file_name", "media_type", "content"),
    [
        ("factuur.pdf.exe", "application/pdf", b"%PDF-1.7"),
        ("factuur", "application/pdf", b"%PDF-1.7"),
        ("foto.pdf", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("aanslag.pdf", "application/pdf", b"MZ\x90\x00 a Windows program"),
        ("aanslag.pdf", "application/pdf", b"<html><script>"),
        ("foto.png", "image/png", b"%PDF-1.7"),
        ("foto.jpg", "image/jpeg", b"\x89PNG\r\n\x1a\n"),
        ("leeg.pdf", "application/pdf", b""),
    ],
)
def test_name_media_type_and_content_must_agree(
    file_name: str, media_type: str, content: bytes
) -> None:
    attached = attachment(content, file_name=file_name, media_type=media_type)
    reason, _ = rejection(message(attachments=[attached]))
    assert reason is RejectionReason.ATTACHMENT_TYPE_NOT_ALLOWED


@pytest.mark.parametrize(
    ("file_name", "media_type", "content"),
    [
        ("Aanslag 2025.PDF", "application/pdf", b"%PDF-1.4"),
        ("foto.png", "image/png", b"\x89PNG\r\n\x1a\n\0"),
        ("foto.JPEG", "image/jpeg", b"\xff\xd8\xff\xe0"),
        ("foto.jpg", "image/jpeg", b"\xff\xd8\xff\xdb"),
    ],
)
def test_agreeing_name_type_and_content_are_accepted(
    file_name: str, media_type: str, content: bytes
) -> None:
    attached = attachment(content, file_name=file_name, media_type=media_type)
    MessageSent.model_validate(message(attachments=[attached]))
