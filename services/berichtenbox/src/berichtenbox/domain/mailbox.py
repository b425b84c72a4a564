"""What a citizen sees of their Berichtenbox and may do with it: pure rules, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from berichtenbox.domain.message import ARCHIVE, INBOX, TRASH, Message
from berichtenbox.domain.trail import TrailEntry

# Names no own folder can have (compared case-insensitively).
STANDARD_FOLDERS: Final = (INBOX, ARCHIVE, TRASH)
# A folder the citizen names: letters, digits, underscore, space and hyphen.
FOLDER_PATTERN: Final = r"^[\w -]{1,40}$"
_FOLDER = re.compile(r"[\w -]{1,40}")
MAX_SEARCH_CHARS: Final = 100

# Trail causes: one entry per cause and message, so each is the "exactly once" decision.
READ_CAUSE: Final = "read"
READ_REPORTED_CAUSE: Final = "read-reported"
DELETED_CAUSE: Final = "deleted"
EXPIRED_CAUSE: Final = "expired"
EXPIRY_WARNED_CAUSE: Final = "expiry-warned"
UNREAD_REMINDED_CAUSE: Final = "unread-reminded"
_MOVED_PREFIX: Final = "moved:"

FolderKind = Literal["inbox", "archive", "trash", "own"]
Order = Literal["newest", "unread-first"]
ORDERS: Final[tuple[Order, ...]] = ("newest", "unread-first")


class MessageNotFoundError(LookupError):
    """No such message for this citizen; another citizen's message is "not found" too."""


class ContentGoneError(Exception):
    """The message exists, but its content was deleted by the citizen or has expired."""


class AttachmentNotFoundError(LookupError):
    pass


class InvalidFolderError(ValueError):
    pass


class NotInTrashError(Exception):
    """Deleting for good is done from the trash only: a message elsewhere is moved there first,
    so that one mistaken click never removes a message with legal effect."""


@dataclass(frozen=True)
class ListingCriteria:
    unread: bool | None = None
    sender_oin: str | None = None
    folder: str | None = None
    search: str | None = None
    # Unread messages first (each part newest first), as the Berichtenbox shows its inbox.
    order: Order = "newest"
    # Only from these organisations (a helper's listing: what the grant covers).
    senders: tuple[str, ...] | None = None

    @property
    def unread_first(self) -> bool:
        return self.order == "unread-first" and self.unread is None


@dataclass(frozen=True)
class Window:
    skip: int
    limit: int


@dataclass(frozen=True)
class MessageSummary:
    """A message as a listing shows it: no body, no recipient."""

    message_id: str
    sender_oin: str
    sender_name: str
    subject: str
    reference: str
    legal_effect: bool
    kind: str | None
    deadline: date | None
    sent_at: datetime
    delivered_at: datetime
    expires_at: datetime
    folder: str
    read_at: datetime | None
    attachment_count: int
    trashed_at: datetime | None = None


@dataclass(frozen=True)
class Placement:
    """Where a message is filed: in the trash it remembers where it came from."""

    folder: str
    trashed_from: str | None = None
    trashed_at: datetime | None = None


@dataclass(frozen=True)
class FolderCount:
    name: str
    total: int
    unread: int


def folder_name(requested: str) -> str:
    """The folder to file a message in; `Inbox` and `ARCHIVE` mean the standard folders."""
    if _FOLDER.fullmatch(requested) is None or requested != requested.strip():
        raise InvalidFolderError(
            "a folder name is 1 to 40 letters, digits, spaces, '_' or '-', "
            "without leading or trailing spaces"
        )
    standard = requested.casefold()
    return standard if standard in STANDARD_FOLDERS else requested


def folder_kind(folder: str) -> FolderKind:
    """What the trail records of a folder: the citizen's own folder names stay private."""
    if folder == INBOX:
        return "inbox"
    if folder == ARCHIVE:
        return "archive"
    if folder == TRASH:
        return "trash"
    return "own"


def placement_after_move(message: Message, target: str, now: datetime) -> Placement | None:
    """Where a move puts the message; None when it is there already (nothing changes)."""
    if target == message.folder:
        return None
    if target == TRASH:
        return Placement(TRASH, trashed_from=message.folder, trashed_at=now)
    return Placement(target)


def restore_target(message: Message) -> str | None:
    """Where a restore puts the message back: the folder it was deleted from (an own folder
    comes back with it). None when it is not in the trash."""
    if message.folder != TRASH:
        return None
    return message.trashed_from or INBOX


def unread_first_windows(skip: int, limit: int, unread_total: int) -> tuple[Window, Window]:
    """One page of "unread first, then read": the part of the unread list and the part of
    the read list that the page covers (either may be empty, limit 0)."""
    unread_skip = min(skip, unread_total)
    unread_limit = max(0, min(limit, unread_total - skip))
    read_skip = max(0, skip - unread_total)
    return Window(unread_skip, unread_limit), Window(read_skip, limit - unread_limit)


def search_term(requested: str) -> str | None:
    term = requested.strip()
    return term or None


def content_available(message: Message, now: datetime) -> bool:
    """Listed and readable: not deleted, not expired, and not past its expiry (even when the
    retention job has not removed it yet)."""
    return message.has_content and message.expires_at > now


def summary_of(message: Message) -> MessageSummary:
    return MessageSummary(
        message_id=message.message_id,
        sender_oin=message.sender_oin,
        sender_name=message.sender_name,
        subject=message.subject,
        reference=message.reference,
        legal_effect=message.legal_effect,
        kind=message.kind,
        deadline=message.deadline,
        sent_at=message.sent_at,
        delivered_at=message.delivered_at,
        expires_at=message.expires_at,
        folder=message.folder,
        read_at=message.read_at,
        attachment_count=len(message.attachments),
        trashed_at=message.trashed_at,
    )


def move_cause(token: str) -> str:
    """Every move is its own entry: a message may go back and forth."""
    return f"{_MOVED_PREFIX}{token}"


def entry_with_cause(entries: list[TrailEntry], cause: str) -> TrailEntry | None:
    return next((entry for entry in entries if entry.cause == cause), None)


def folder_overview(totals: dict[str, int], unread: dict[str, int]) -> list[FolderCount]:
    """Inbox and archive first (also when empty), then the citizen's own by name, then the
    trash."""
    own = sorted((name for name in totals if name not in STANDARD_FOLDERS), key=str.casefold)
    return [
        FolderCount(name, totals.get(name, 0), unread.get(name, 0))
        for name in (INBOX, ARCHIVE, *own, TRASH)
    ]
