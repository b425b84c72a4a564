"""Every page renders in both languages from answers shaped like the services' APIs, and every
text key exists in both languages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.requests import Request

from mijnoverheid.assurance import Level
from portal.receipts import ReceiptCheck
from portal.sessions import Citizen, Session
from portal.web.render import LANGUAGES, Renderer, texts

MESSAGE = {
    "message_id": "m-1",
    "href": "/api/v1/messages/m-1",
    "sender": {"oin": "00000001003214345000", "name": "Belastingdienst"},
    "subject": "Uw aanslag",
    "reference": "K-1",
    "legal_effect": True,
    "kind": "aanslag",
    "deadline": "2027-01-31",
    "sent_at": "2026-11-30T10:00:00Z",
    "delivered_at": "2026-11-30T10:00:01Z",
    "expires_at": "2028-05-30T10:00:01Z",
    "folder": "inbox",
    "read": False,
    "read_at": None,
    "attachment_count": 1,
    "trashed_at": None,
}
TRASHED = {**MESSAGE, "folder": "trash", "trashed_at": "2026-12-01T10:00:00Z"}
STATUS = {
    "statustype_code": "ontvangen",
    "statustype_omschrijving": "Ontvangen",
    "statustoelichting": None,
    "datum_status_gezet": "2026-11-28T09:00:00Z",
    "is_eindstatus": False,
}
CASE = {
    "case_id": "c-1",
    "identificatie": "Z-1",
    "organisation_oin": "00000001001234567000",
    "organisation_name": "Gemeente Voorbeeldstad",
    "zaaktype_omschrijving": "Parkeervergunning",
    "state": "open",
    "current_status": STATUS,
    "einddatum_gepland": "2026-12-31",
    "_links": {"self": "/api/v1/cases/c-1", "dossier": "https://loket.example/z/1"},
    "history": [STATUS],
}
REGISTRATION = {
    "registration_id": "r-1",
    "registration_key": "OBJ-1",
    "valid_from": "2026-01-01T00:00:00Z",
    "last_updated": "2026-01-02T00:00:00Z",
    "where_to_change": {"description": "Loket", "url": "https://loket.example"},
    "_links": {"self": "/api/v1/registrations/r-1"},
    "organisation": {"oin": "00000001001234567000", "name": "Gemeente Voorbeeldstad"},
    "register": {"code": "WOZ", "name": "WOZ-waarde"},
    "facts": [
        {"label": "WOZ-waarde", "value": {"type": "amount", "amount": "1.00", "currency": "EUR"}},
        {"label": "Peildatum", "value": {"type": "date", "date": "2025-01-01"}},
        {"label": "Adres", "value": {"type": "text", "text": "Dorpsstraat 1"}},
    ],
}
FOLDERS = [
    {"name": "inbox", "total": 1, "unread": 1},
    {"name": "Eigen", "total": 0, "unread": 0},
    {"name": "trash", "total": 1, "unread": 0},
]
ATTACHMENT = {
    "index": 0,
    "href": "x",
    "file_name": "a.pdf",
    "media_type": "application/pdf",
    "size": 10,
    "sha256": "00",
}
# Every kind of trail entry, and moves into and out of the trash, have a label.
TRAIL_KINDS: list[tuple[str, dict[str, str]]] = [
    ("submitted", {}),
    ("stored", {}),
    ("notification", {}),
    ("read", {}),
    ("moved", {"from": "inbox", "to": "trash"}),
    ("moved", {"from": "trash", "to": "own"}),
    ("moved", {"from": "inbox", "to": "archive"}),
    ("expiry-warned", {}),
    ("expired", {}),
    ("deleted", {}),
]
TRAIL = {
    "message_id": "m-1",
    "entries": [
        {
            "seq": seq,
            "kind": kind,
            "at": "2026-11-30T10:00:00.000Z",
            "cause": kind,
            "details": details,
            "prev_hash": "0" * 64,
            "hash": "a" * 64,
        }
        for seq, (kind, details) in enumerate(TRAIL_KINDS, start=1)
    ],
    "verification": {"valid": True, "entries": 1, "first_invalid_seq": None},
}
SIGNED = {"delivered_at": "2026-11-30T10:00:01.000Z", "content_digest": "sha256:00"}
CONTACT = {
    "email": "a@example.nl",
    "email_verified": True,
    "email_undeliverable": False,
    "pending_email": None,
    "preferences": {"language": "nl", "messages": True, "cases": True, "registrations": False},
}
PAGES: dict[str, dict[str, Any]] = {
    "start.html": {},
    "logged_out.html": {},
    "problem.html": {"reason": "acr_too_low", "values": {"level": "midden"}},
    "overview.html": {"activated_at": "2026-11-30T10:00:00Z", "unread": 1, "open_cases": 2},
    "berichtenbox.html": {
        "folders": FOLDERS,
        "folder": "inbox",
        "search": "",
        "messages": [MESSAGE, {**MESSAGE, "read": True}],
        "total": 2,
        "page": 2,
        "has_next": True,
    },
    "berichtenbox.html#trash": {
        "folders": FOLDERS,
        "folder": "trash",
        "search": "",
        "messages": [TRASHED],
        "total": 1,
        "page": 1,
        "has_next": False,
    },
    "message.html": {
        "message": {
            **MESSAGE,
            "body": "Tekst",
            "content_digest": "sha256:00",
            "attachments": [ATTACHMENT],
        },
        "folders": FOLDERS,
    },
    "message.html#trash": {
        "message": {**TRASHED, "body": "Tekst", "content_digest": "sha256:00", "attachments": []},
        "folders": FOLDERS,
    },
    "proof.html": {
        "message_id": "m-1",
        "trail": TRAIL,
        "receipt": ReceiptCheck("valid", "bb-0123456789abcdef", SIGNED),
    },
    "proof.html#bad": {
        "message_id": "m-1",
        "trail": TRAIL,
        "receipt": ReceiptCheck("bad_signature", "bb-0123456789abcdef", {}),
    },
    "cases.html": {"cases": [CASE], "page": 1, "has_next": False},
    "case.html": {"case": CASE},
    "registrations.html": {
        "organisations": [
            {
                "oin": "00000001001234567000",
                "name": "Gemeente",
                "last_updated": "2026-01-02T00:00:00Z",
                "registers": [
                    {
                        "code": "WOZ",
                        "name": "WOZ-waarde",
                        "last_updated": "2026-01-02T00:00:00Z",
                        "registrations": [REGISTRATION],
                    }
                ],
            }
        ]
    },
    "registration.html": {"registration": REGISTRATION},
    "settings.html": {
        "contact": CONTACT,
        "organisations": [],
        "consents": {},
        "history": [],
        "names": {},
        "activated_at": "2026-11-30T10:00:00Z",
        "done": "toestemming",
    },
    "confirm.html": {"code": "ABCD-EFGH"},
}


def _request(language: str) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/overzicht",
        "query_string": b"",
        "headers": [(b"cookie", f"lang={language}".encode())],
    }
    request = Request(scope)
    now = datetime.now(UTC)
    citizen = Citizen("999993653", "J. Jansen", Level.MIDDEN.value)
    request.state.session = Session("k", "csrf-token", now, now, citizen=citizen)
    return request


def test_both_languages_have_the_same_texts() -> None:
    assert set(texts("nl")) == set(texts("en"))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", sorted(PAGES))
def test_every_page_renders(template: str, language: str) -> None:
    response = Renderer({"development": False}).page(
        _request(language), template.split("#")[0], **PAGES[template]
    )
    body = bytes(response.body).decode()
    assert f'<html lang="{language}">' in body
    assert "<script" not in body
    assert "style=" not in body
