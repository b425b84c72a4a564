"""The citizen's inbox as pure rules: folder names and kinds, the folder overview, when content
is available, search terms, the download's file name and the trail as text."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from berichtenbox.domain import mailbox as rules
from berichtenbox.domain.mailbox import (
    FolderCount,
    content_available,
    folder_kind,
    folder_name,
    folder_overview,
)
from berichtenbox.domain.trail import TrailEntry, TrailKind, next_entry
from berichtenbox.domain.trail_export import trail_text
from berichtenbox.entrypoints.citizen_views import content_disposition
from services.berichtenbox.tests.unit.inbox_world import (
    BSN,
    NOW,
    a_message,
)


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("inbox", "inbox"),
        ("archive", "archive"),
        ("Inbox", "inbox"),
        ("ARCHIVE", "archive"),
        ("Belastingen 2025", "Belastingen 2025"),
        ("Zorg_ü-2", "Zorg_ü-2"),
        ("x" * 40, "x" * 40),
    ],
)
def test_folder_names_that_are_accepted(requested: str, expected: str) -> None:
    assert folder_name(requested) == expected


@pytest.mark.parametrize(
    "requested",
    ["", "x" * 41, "a/b", "../x", " lead", "trail ", "   ", "tab\there", "x\n", "a.b", "$set"],
)
def test_folder_names_that_are_refused(requested: str) -> None:
    with pytest.raises(rules.InvalidFolderError):
        folder_name(requested)


def test_the_trail_records_only_the_kind_of_an_own_folder() -> None:
    assert [folder_kind(f) for f in ("inbox", "archive", "trash", "Scheiding")] == [
        "inbox",
        "archive",
        "trash",
        "own",
    ]


def test_folder_overview_lists_the_standard_folders_first_also_when_empty() -> None:
    overview = folder_overview({"zorg": 2, "Belasting": 1, "archive": 3}, {"zorg": 1})
    assert overview == [
        FolderCount("inbox", 0, 0),
        FolderCount("archive", 3, 0),
        FolderCount("Belasting", 1, 0),
        FolderCount("zorg", 2, 1),
        FolderCount("trash", 0, 0),
    ]


def test_content_is_available_until_deleted_expired_or_past_its_expiry() -> None:
    assert content_available(a_message(), NOW)
    assert not content_available(a_message(deleted_at=NOW), NOW)
    assert not content_available(a_message(expired_at=NOW), NOW)
    assert not content_available(a_message(expires_at=NOW), NOW)


def test_search_terms_are_trimmed_and_blank_means_no_search() -> None:
    assert rules.search_term("  aanslag ") == "aanslag"
    assert rules.search_term("   ") is None


def test_content_disposition_quotes_the_file_name_safely() -> None:
    header = content_disposition('Aanslag "2025"\r\nX-Evil: 1; ü\\.pdf')
    assert "\r" not in header
    assert "\n" not in header
    assert header.startswith('attachment; filename="Aanslag _2025___X-Evil: 1_ __.pdf"; ')
    assert header.endswith(
        "filename*=UTF-8''Aanslag%20%222025%22%0D%0AX-Evil%3A%201%3B%20%C3%BC%5C.pdf"
    )


def chain(message_id: str, *kinds_and_causes: tuple[TrailKind, str]) -> list[TrailEntry]:
    entries: list[TrailEntry] = []
    for index, (kind, cause) in enumerate(kinds_and_causes):
        previous = entries[-1] if entries else None
        entries.append(
            next_entry(previous, message_id, kind, NOW + timedelta(minutes=index), cause)
        )
    return entries


def test_trail_text_is_readable_in_dutch_and_english_and_says_whether_it_verifies() -> None:
    entries = chain(
        "m-1",
        (TrailKind.SUBMITTED, "submitted"),
        (TrailKind.STORED, "stored"),
        (TrailKind.READ, rules.READ_CAUSE),
        (TrailKind.READ, rules.READ_REPORTED_CAUSE),
    )
    text = trail_text(a_message(), entries)
    assert "keten intact / chain intact (4 regels / entries)" in text
    assert "geopend door de ontvanger / opened by the recipient" in text
    assert "afzender geïnformeerd dat het bericht is geopend" in text
    assert entries[-1].hash in text
    assert BSN not in text

    tampered = [*entries[:2], replace(entries[2], cause="moved:x"), entries[3]]
    assert "CHAIN BROKEN at entry 3" in trail_text(a_message(), tampered)
