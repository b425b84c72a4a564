"""The public contract: MessageSent validation, its reason codes and their texts."""

from __future__ import annotations

from typing import Any

import pytest

from mijnoverheid.contracts.berichtenbox import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_BODY_CHARS,
    MAX_REFERENCE_CHARS,
    MAX_SUBJECT_CHARS,
    MessageSent,
)
from mijnoverheid.contracts.rejection import RejectionReason
from shared.tests.unit.message_sent_examples import (
    attachment,
    message,
    pdf,
    rejection,
)


@pytest.mark.parametrize("kind", ["aanslag", "aanslag, definitief", "besluit (art. 4 Awb)"])
def test_a_kind_is_words_as_docs_events_md_says(kind: str) -> None:
    assert MessageSent.model_validate(message(kind=kind)).kind == kind


def test_a_complete_message_is_valid() -> None:
    sent = MessageSent.model_validate(
        message(kind="aanslag", deadline="2026-03-01", attachments=[attachment(b"%PDF-abc")])
    )
    assert sent.recipient_bsn == "999993653"
    assert sent.deadline is not None
    assert sent.deadline.isoformat() == "2026-03-01"
    assert sent.attachments[0].decoded() == b"%PDF-abc"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        pytest.param({"recipient_bsn": "999993654"}, "invalid-bsn", id="bsn-checksum"),
        pytest.param({"recipient_bsn": "12345678"}, "invalid-bsn", id="bsn-8-digits"),
        pytest.param({"recipient_bsn": "000000000"}, "invalid-bsn", id="bsn-zeros"),
        pytest.param({"recipient_bsn": "١٢٣٤٥٦٧٨٢"}, "invalid-bsn", id="bsn-unicode-digits"),
        pytest.param({"subject": "x" * (MAX_SUBJECT_CHARS + 1)}, "too-large", id="subject"),
        pytest.param({"body": "x" * (MAX_BODY_CHARS + 1)}, "too-large", id="body"),
        pytest.param({"reference": "x" * (MAX_REFERENCE_CHARS + 1)}, "too-large", id="reference"),
        pytest.param({"kind": "x" * 81}, "too-large", id="kind"),
        pytest.param({"kind": "aanslag <b>nu</b>"}, "malformed", id="kind-markup"),
        pytest.param({"kind": "aanslag\nBetaal nu"}, "malformed", id="kind-two-lines"),
        pytest.param(
            {"attachments": [attachment(file_name="x" * 252 + ".pdf")]},
            "too-large",
            id="file-name",
        ),
        pytest.param(
            {"attachments": [attachment() for _ in range(MAX_ATTACHMENTS + 1)]},
            "too-many-attachments",
            id="too-many-attachments",
        ),
        pytest.param(
            {"attachments": [attachment(media_type="text/html")]},
            "attachment-type-not-allowed",
            id="html",
        ),
        pytest.param(
            {"attachments": [attachment(media_type="application/x-msdownload")]},
            "attachment-type-not-allowed",
            id="exe",
        ),
        pytest.param(
            {"attachments": [attachment(media_type="APPLICATION/PDF")]},
            "attachment-type-not-allowed",
            id="media-type-case",
        ),
        pytest.param({"subject": 123}, "malformed", id="subject-not-a-string"),
        pytest.param({"recipient_bsn": 999993653}, "malformed", id="bsn-not-a-string"),
        pytest.param({"legal_effect": "misschien"}, "malformed", id="legal-effect-not-a-bool"),
        pytest.param({"legal_effect": None}, "malformed", id="legal-effect-null"),
        pytest.param({"deadline": "morgen"}, "malformed", id="deadline-not-a-date"),
        pytest.param({"attachments": "bijlage.pdf"}, "malformed", id="attachments-not-a-list"),
        pytest.param({"subject": ""}, "malformed", id="empty-subject"),
        pytest.param({"priority": "high"}, "malformed", id="extra-field"),
        pytest.param(
            {"attachments": [{**attachment(), "size": 13}]}, "malformed", id="extra-field-nested"
        ),
        pytest.param(
            {"attachments": [{**attachment(), "content": "dit is geen base64!"}]},
            "malformed",
            id="bad-base64",
        ),
        pytest.param(
            {"attachments": [{**attachment(), "content": "YWJj\nZGVm"}]},
            "malformed",
            id="base64-with-newline",
        ),
        pytest.param(
            {"attachments": [attachment(file_name="../../etc/passwd")]},
            "malformed",
            id="file-name-with-slash",
        ),
        pytest.param(
            {"attachments": [attachment(file_name="C:\\Users\\aanslag.pdf")]},
            "malformed",
            id="file-name-with-backslash",
        ),
        pytest.param({"attachments": [attachment(file_name="..")]}, "malformed", id="dot-dot"),
        pytest.param({"attachments": [attachment(file_name="")]}, "malformed", id="no-file-name"),
    ],
)
def test_invalid_messages_are_refused_with_their_reason(
    overrides: dict[str, Any], reason: str
) -> None:
    found, detail = rejection(message(**overrides))
    assert found == RejectionReason(reason)
    assert detail


def test_a_missing_field_is_malformed() -> None:
    data = message()
    del data["legal_effect"]
    reason, detail = rejection(data)
    assert reason is RejectionReason.MALFORMED
    assert "legal_effect" in detail


def test_the_specific_reason_wins_over_malformed() -> None:
    reason, detail = rejection(message(subject=123, extra="x", recipient_bsn="999993654"))
    assert reason is RejectionReason.INVALID_BSN
    assert detail.startswith("recipient_bsn:")


def test_malformed_detail_names_at_most_five_problems() -> None:
    data = {f"extra_{index}": index for index in range(10)}
    reason, detail = rejection(data)
    assert reason is RejectionReason.MALFORMED
    assert detail.count(";") == 4


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"subject": "x" * MAX_SUBJECT_CHARS}, id="subject"),
        pytest.param({"body": "x" * MAX_BODY_CHARS}, id="body"),
        pytest.param({"reference": "x" * MAX_REFERENCE_CHARS}, id="reference"),
        pytest.param(
            {"attachments": [attachment() for _ in range(MAX_ATTACHMENTS)]}, id="attachments"
        ),
        pytest.param({"attachments": [attachment(pdf(MAX_ATTACHMENT_BYTES))]}, id="one-attachment"),
        pytest.param(
            {"attachments": [attachment(pdf(MAX_ATTACHMENT_BYTES))] * 2},
            id="total-attachments",
        ),
    ],
)
def test_limits_are_inclusive(overrides: dict[str, Any]) -> None:
    MessageSent.model_validate(message(**overrides))


@pytest.mark.parametrize(
    "kind", ["Betaal direct via www.belasting-terugave.nl", "belasting-terugave.nl", "bijv.nl"]
)
def test_a_kind_with_a_domain_name_is_refused_it_would_reach_the_mail(kind: str) -> None:
    reason, detail = rejection(message(kind=kind))
    assert reason is RejectionReason.URL_NOT_ALLOWED
    assert kind not in detail


@pytest.mark.parametrize("kind", ["aanslag", "besluit o.b.v. art. 4 Awb", "beschikking 2025.1"])
def test_a_kind_of_plain_words_is_accepted(kind: str) -> None:
    assert MessageSent.model_validate(message(kind=kind)).kind == kind


SECRET = "GEHEIM-7731"


@pytest.mark.parametrize(
    ("overrides", "secret"),
    [
        pytest.param({"recipient_bsn": "999993654"}, "999993654", id="invalid-bsn"),
        pytest.param({"recipient_bsn": "12345678"}, "12345678", id="short-bsn"),
        pytest.param({"recipient_bsn": 999993653}, "999993653", id="bsn-as-number"),
        pytest.param({"subject": SECRET * 30}, SECRET, id="subject"),
        pytest.param({"body": SECRET * 10_000}, SECRET, id="body"),
        pytest.param({"reference": SECRET * 10}, SECRET, id="reference"),
        pytest.param({"subject": ["999993653"]}, "999993653", id="wrong-type"),
        pytest.param({"extra": SECRET}, SECRET, id="extra-field-value"),
        pytest.param({"deadline": SECRET}, SECRET, id="deadline"),
        pytest.param({"legal_effect": SECRET}, SECRET, id="legal-effect"),
        pytest.param(
            {"attachments": [{**attachment(), "content": SECRET + "!"}]}, SECRET, id="base64"
        ),
        pytest.param(
            {"attachments": [attachment(file_name=f"{SECRET}/brief.pdf")]}, SECRET, id="file-name"
        ),
    ],
)
def test_reason_texts_never_contain_the_input(overrides: dict[str, Any], secret: str) -> None:
    _, detail = rejection(message(**overrides))
    assert secret not in detail


def test_the_media_type_is_not_echoed_either() -> None:
    _, detail = rejection(message(attachments=[attachment(media_type=f"text/{SECRET}")]))
    assert SECRET not in detail
