"""The citizen's inbox on in-memory fakes: a message to start from and a world (store, trail,
outbox, clock) around the Mailbox, shared by the inbox and trash tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from berichtenbox.adapters.signing import Ed25519ReceiptSigner
from berichtenbox.domain.mailbox import (
    FolderCount,
    ListingCriteria,
    MessageSummary,
)
from berichtenbox.domain.message import AttachmentFile, Message
from berichtenbox.handlers.citizen import Mailbox
from berichtenbox.handlers.read_reports import ReadReporter
from mijnoverheid.contracts.envelope import source_for
from services.berichtenbox.tests.unit.fakes import InMemoryTrail, RecordingPublisher

BSN, OTHER_BSN = "999993653", "999990019"


SENDER_OIN = "00000001003214345000"


NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


PLATFORM_SOURCE = source_for("00000001234567890000", "berichtenbox")


def a_message(**overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "message_id": "m-1",
        "event_source": source_for(SENDER_OIN, "zaaksysteem"),
        "event_id": "evt-1",
        "sender_oin": SENDER_OIN,
        "sender_name": "Belastingdienst",
        "recipient_bsn": BSN,
        "subject": "Uw aanslag",
        "body": "Geachte heer/mevrouw,",
        "reference": "KENMERK-1",
        "legal_effect": True,
        "kind": None,
        "deadline": None,
        "sent_at": NOW - timedelta(days=1),
        "delivered_at": NOW - timedelta(days=1),
        "expires_at": NOW + timedelta(days=100),
        "attachments": (AttachmentFile("m-1.0", "aanslag.pdf", "application/pdf", 3, "ab"),),
        "content_digest": "sha256:00",
    }
    fields.update(overrides)
    return Message(**fields)


# --- the service layer, on fakes -----------------------------------------------------------


class InMemoryInboxStore:
    def __init__(self, *messages: Message) -> None:
        self.messages = {m.message_id: m for m in messages}
        self.files: dict[str, bytes] = {"m-1.0": b"pdf"}

    async def owned(self, bsn: str, message_id: str) -> Message | None:
        found = self.messages.get(message_id)
        return found if found is not None and found.recipient_bsn == bsn else None

    async def listing(
        self, bsn: str, criteria: ListingCriteria, now: datetime, *, skip: int, limit: int
    ) -> tuple[list[MessageSummary], int]:
        raise NotImplementedError

    async def folders(self, bsn: str, now: datetime) -> list[FolderCount]:
        raise NotImplementedError

    async def set_read_at(self, message_id: str, at: datetime) -> None:
        self.messages[message_id] = replace(self.messages[message_id], read_at=at)

    async def set_folder(
        self,
        message_id: str,
        folder: str,
        *,
        trashed_from: str | None = None,
        trashed_at: datetime | None = None,
    ) -> None:
        self.messages[message_id] = replace(
            self.messages[message_id],
            folder=folder,
            trashed_from=trashed_from,
            trashed_at=trashed_at,
        )

    async def open_attachment(self, file_id: str) -> AsyncIterator[bytes]:
        if file_id not in self.files:
            raise LookupError(file_id)

        async def chunks() -> AsyncIterator[bytes]:
            yield self.files[file_id]

        return chunks()

    async def delete_content(self, message: Message, at: datetime) -> None:
        for file in message.attachments:
            self.files.pop(file.file_id, None)
        self.messages[message.message_id] = replace(
            message, subject="", body="", attachments=(), deleted_at=at
        )


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


class InMemoryOutbox:
    def __init__(self) -> None:
        self.owed_reports: dict[str, datetime] = {}

    async def owe(self, message_id: str, read_at: datetime) -> None:
        self.owed_reports.setdefault(message_id, read_at)

    async def settle(self, message_id: str) -> None:
        self.owed_reports.pop(message_id, None)

    async def owed(self) -> list[tuple[str, datetime]]:
        return list(self.owed_reports.items())


@dataclass
class MessagesById:
    store: InMemoryInboxStore

    async def by_id(self, message_id: str) -> Message | None:
        return self.store.messages.get(message_id)


@dataclass
class World:
    store: InMemoryInboxStore
    trail: InMemoryTrail
    publisher: RecordingPublisher
    clock: Clock
    inbox: Mailbox
    outbox: InMemoryOutbox
    read_reports: ReadReporter


def world(*messages: Message, failures: int = 0) -> World:
    store, trail, publisher, clock, outbox = (
        InMemoryInboxStore(*messages),
        InMemoryTrail(),
        RecordingPublisher(failures),
        Clock(),
        InMemoryOutbox(),
    )
    read_reports = ReadReporter(
        outbox=outbox,
        messages=MessagesById(store),  # type: ignore[arg-type]
        trail=trail,
        publisher=publisher,
        source=PLATFORM_SOURCE,
        clock=clock,
    )
    signer = Ed25519ReceiptSigner(Ed25519PrivateKey.generate())
    inbox = Mailbox(store=store, trail=trail, read_reports=read_reports, clock=clock, signer=signer)
    return World(store, trail, publisher, clock, inbox, outbox, read_reports)
