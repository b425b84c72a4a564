"""Storage-only fields of a message document, and what the retention scan still has to do.

None of these is part of the Message: they are the scan's marks and the flags the store can
filter on (messages.py writes them, `_to_message` leaves them behind).
"""

from __future__ import annotations

from berichtenbox.domain.message import TRASH
from berichtenbox.ports import RetentionTask
from mijnoverheid.storage import Document

WARNED = "expiry_warned_at"  # the scan's mark that the expiry warning went out
REMINDED = "unread_reminded_at"  # the scan's mark that the unread reminder went out
# Kept with read_at and the content marks: FerretDB hands the database equality on booleans
# (`$ne` too) but never a null test, so these let PostgreSQL leave out the read or unread
# messages and those without content before FerretDB decodes a row. A filter on them is
# written as `$ne` of the other value, so that a document stored before they existed still
# matches, and the null tests beside them (applied after) keep the answer exact.
UNREAD = "unread"
GONE = "gone"
_UNREAD_WITH_CONTENT: Document = {
    UNREAD: {"$ne": False},
    GONE: {"$ne": True},
    "read_at": None,
    "deleted_at": None,
    "expired_at": None,
    # The citizen deleted it (into the trash): no reminder to read it.
    "folder": {"$ne": TRASH},
}
STILL_TO_DO: dict[RetentionTask, Document] = {
    RetentionTask.EXPIRE: {"expired_at": None},
    RetentionTask.WARN: {**_UNREAD_WITH_CONTENT, WARNED: None},
    RetentionTask.REMIND: {**_UNREAD_WITH_CONTENT, REMINDED: None},
}
