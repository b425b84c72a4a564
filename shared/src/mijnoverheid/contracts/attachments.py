"""An attachment of a message-sent: its name, declared type and bytes must agree.

Validators raise `PydanticCustomError` with the rejection reason code as error type (see
contracts/rejection.py).
"""

from __future__ import annotations

import base64
import binascii
import unicodedata
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from mijnoverheid.contracts.rejection import RejectionReason, rejection_error

MAX_FILE_NAME_CHARS = 255
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_TOTAL_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_ATTACHMENT_MEDIA_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
# What a file of each type is called and how its bytes begin: a download is saved under its
# file name, so name, declared type and content must agree ("factuur.pdf.exe" is refused).
FILE_EXTENSIONS: Final = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}
_SIGNATURES: Final = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}
# Control characters, invisible formatting (bidi overrides such as U+202E, zero-width
# characters), line separators, private use and unpaired surrogates: a file name shown to a
# citizen must read as what it is ("factuur\u202efdp.exe" displays as "factuurexe.pdf").
_HIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})


def _short_file_name(value: str) -> str:
    if len(value) > MAX_FILE_NAME_CHARS:
        raise rejection_error(
            RejectionReason.TOO_LARGE, f"file_name is longer than {MAX_FILE_NAME_CHARS} characters"
        )
    return value


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_name: Annotated[str, Field(min_length=1), AfterValidator(_short_file_name)]
    media_type: str
    content: str = Field(description="base64 of the file's bytes")

    @field_validator("file_name")
    @classmethod
    def _plain_file_name(cls, value: str) -> str:
        if "/" in value or "\\" in value or value in {".", ".."}:
            raise ValueError("file_name must not contain a path")
        if any(unicodedata.category(char) in _HIDDEN_CATEGORIES for char in value):
            raise ValueError(
                "file_name must not contain control or invisible formatting characters"
            )
        return value

    @field_validator("media_type")
    @classmethod
    def _allowed_media_type(cls, value: str) -> str:
        if value not in ALLOWED_ATTACHMENT_MEDIA_TYPES:
            raise rejection_error(
                RejectionReason.ATTACHMENT_TYPE_NOT_ALLOWED,
                "media_type is not allowed; allowed: "
                + ", ".join(sorted(ALLOWED_ATTACHMENT_MEDIA_TYPES)),
            )
        return value

    @field_validator("content")
    @classmethod
    def _base64_within_limit(cls, value: str) -> str:
        if len(value) > (MAX_ATTACHMENT_BYTES + 2) // 3 * 4:
            raise rejection_error(
                RejectionReason.TOO_LARGE, f"an attachment exceeds {MAX_ATTACHMENT_BYTES} bytes"
            )
        try:
            decoded = base64.b64decode(value, validate=True)
        except binascii.Error as error:
            raise ValueError("content is not valid base64") from error
        if len(decoded) > MAX_ATTACHMENT_BYTES:
            raise rejection_error(
                RejectionReason.TOO_LARGE, f"an attachment exceeds {MAX_ATTACHMENT_BYTES} bytes"
            )
        return value

    @model_validator(mode="after")
    def _name_type_and_content_agree(self) -> Attachment:
        extensions = FILE_EXTENSIONS[self.media_type]
        if not self.file_name.lower().endswith(extensions):
            raise rejection_error(
                RejectionReason.ATTACHMENT_TYPE_NOT_ALLOWED,
                f"file_name must end in {' or '.join(extensions)} for {self.media_type}",
            )
        head = base64.b64decode(self.content[:16])  # 12 bytes: enough for every signature
        if not head.startswith(_SIGNATURES[self.media_type]):
            raise rejection_error(
                RejectionReason.ATTACHMENT_TYPE_NOT_ALLOWED,
                f"content is not a {self.media_type} file (its first bytes say otherwise)",
            )
        return self

    def decoded(self) -> bytes:
        return base64.b64decode(self.content)
