"""The public contract: MessageSent validation and its reason codes; the CloudEvent envelope."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from mijnoverheid.contracts.berichtenbox import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_BODY_CHARS,
    MAX_REFERENCE_CHARS,
    MAX_SUBJECT_CHARS,
    MAX_TOTAL_ATTACHMENT_BYTES,
    MessageSent,
)
from mijnoverheid.contracts.envelope import (
    CloudEvent,
    derived_event_id,
    encode,
    new_event,
    oin_of_source,
    source_for,
)
from mijnoverheid.contracts.rejection import RejectionReason, reason_of
from mijnoverheid.kernel import EVENT_ID_NAMESPACE

OIN = "00000001003214345000"
SOURCE = f"urn:nld:oin:{OIN}:systeem:zaaksysteem"
MiB = 1024 * 1024


def pdf(size: int) -> bytes:
    """A PDF of `size` bytes, as far as its first bytes tell."""
    return (b"%PDF-" + b"\0" * size)[:size]


def attachment(
    content: bytes = b"%PDF-1.7 test",
    *,
    file_name: str = "aanslag.pdf",
    media_type: str = "application/pdf",
) -> dict[str, Any]:
    return {
        "file_name": file_name,
        "media_type": media_type,
        "content": base64.b64encode(content).decode("ascii"),
    }


def message(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "recipient_bsn": "999993653",
        "subject": "Uw aanslag inkomstenbelasting 2025",
        "body": "Geachte heer/mevrouw, hierbij ontvangt u uw aanslag.",
        "reference": "KENMERK-1",
        "legal_effect": True,
    }
    data.update(overrides)
    return data


def rejection(data: dict[str, Any]) -> tuple[RejectionReason, str]:
    with pytest.raises(ValidationError) as caught:
        MessageSent.model_validate(data)
    return reason_of(caught.value)


# --- MessageSent --------------------------------------------------------------------------


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


# --- the CloudEvent envelope --------------------------------------------------------------


def envelope(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "specversion": "1.0",
        "id": "evt-1",
        "source": SOURCE,
        "type": "nl.mijnoverheid.berichtenbox.message-sent",
        "time": "2026-01-15T10:00:00+01:00",
        "data": message(),
    }
    document.update(overrides)
    return document


def test_a_valid_envelope_names_its_source_oin() -> None:
    event = CloudEvent.model_validate(envelope())
    assert event.source_oin == OIN
    assert event.type == "nl.mijnoverheid.berichtenbox.message-sent"
    assert event.datacontenttype == "application/json"


@pytest.mark.parametrize(
    "source",
    [
        "urn:nld:oin:0000000100321434500:systeem:zaaksysteem",  # 19 digits
        "urn:nld:oin:000000010032143450000:systeem:zaaksysteem",  # 21 digits
        "urn:nld:oin:0000000100321434500a:systeem:zaaksysteem",
        f"urn:nld:oin:{OIN}",
        f"urn:nld:oin:{OIN}:systeem:",
        f"urn:nld:oin:{OIN}:systeem:zaak systeem",
        f"urn:nld:oin:{OIN}:systeem:zaak/systeem",
        f"urn:nld:oin:{OIN}:applicatie:zaaksysteem",
        f"URN:NLD:OIN:{OIN}:systeem:zaaksysteem",
        f"xurn:nld:oin:{OIN}:systeem:zaaksysteem",
        "https://belastingdienst.example/zaaksysteem",
        "",
    ],
)
def test_the_source_must_be_an_nl_gov_oin_urn(source: str) -> None:
    with pytest.raises(ValidationError, match="source"):
        CloudEvent.model_validate(envelope(source=source))
    assert oin_of_source(source) is None


def test_a_source_with_a_trailing_newline_is_refused() -> None:
    assert oin_of_source(SOURCE + "\n") is None


@given(
    oin=st.text(alphabet="0123456789", min_size=20, max_size=20),
    system=st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
        min_size=1,
        max_size=40,
    ),
)
def test_source_for_and_oin_of_source_round_trip(oin: str, system: str) -> None:
    assert oin_of_source(source_for(oin, system)) == oin


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("specversion", "0.3"),
        ("id", ""),
        ("id", "x" * 201),
        ("type", ""),
        ("time", "2026-01-15T10:00:00"),  # no time zone
        ("time", "gisteren"),
        ("datacontenttype", "application/xml"),
    ],
)
def test_invalid_envelope_fields_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        CloudEvent.model_validate(envelope(**{field: value}))


def test_envelope_extensions_are_kept_and_the_event_is_immutable() -> None:
    event = CloudEvent.model_validate(envelope(traceparent="00-abc-def-01"))
    assert event.model_extra == {"traceparent": "00-abc-def-01"}
    with pytest.raises(ValidationError):
        event.id = "other"  # type: ignore[misc]


def test_new_event_and_encode_leave_out_what_is_none() -> None:
    data = MessageSent.model_validate(message())
    time = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    event = new_event(source=SOURCE, type_="t", data=data, id_="evt-2", time=time)
    document = json.loads(encode(event))
    assert "subject" not in document  # the envelope's optional subject is None
    assert "kind" not in document["data"]
    assert document["data"]["recipient_bsn"] == "999993653"
    assert CloudEvent.model_validate(document) == event


def test_derived_event_id_is_a_deterministic_uuid5() -> None:
    first = derived_event_id(SOURCE, "evt-1", "message-delivered")
    assert first == derived_event_id(SOURCE, "evt-1", "message-delivered")
    parsed = uuid.UUID(first)
    assert parsed.version == 5
    assert parsed == uuid.uuid5(EVENT_ID_NAMESPACE, f"{SOURCE}\x1fevt-1\x1fmessage-delivered")


def test_derived_event_ids_differ_by_every_part_and_by_how_parts_are_split() -> None:
    ids = {
        derived_event_id(SOURCE, "evt-1", "message-delivered"),
        derived_event_id(SOURCE, "evt-2", "message-delivered"),
        derived_event_id(SOURCE, "evt-1", "message-rejected"),
        derived_event_id(source_for(OIN, "ander-systeem"), "evt-1", "message-delivered"),
        derived_event_id("evt-1", SOURCE, "message-delivered"),
        derived_event_id("ab", "c"),
        derived_event_id("a", "bc"),
        derived_event_id("abc"),
    }
    assert len(ids) == 8


# Lone surrogates are left out: they cannot reach an id (see test_shared_inbound).
parts = st.lists(
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x1f")),
    min_size=1,
)


@given(first=parts, second=parts)
def test_derived_event_ids_are_equal_exactly_when_the_parts_are(
    first: list[str], second: list[str]
) -> None:
    assert (derived_event_id(*first) == derived_event_id(*second)) is (first == second)
