"""The public contract: the CloudEvents envelope, its source (an OIN URN) and derived event ids."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from mijnoverheid.contracts.berichtenbox import (
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
from mijnoverheid.kernel import EVENT_ID_NAMESPACE
from shared.tests.unit.message_sent_examples import (
    message,
)

OIN = "00000001003214345000"
SOURCE = f"urn:nld:oin:{OIN}:systeem:zaaksysteem"


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


# Lone surrogates are left out: they cannot reach an id (see test_shared_inbound_envelope).
parts = st.lists(
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x1f")),
    min_size=1,
)


@given(first=parts, second=parts)
def test_derived_event_ids_are_equal_exactly_when_the_parts_are(
    first: list[str], second: list[str]
) -> None:
    assert (derived_event_id(*first) == derived_event_id(*second)) is (first == second)
