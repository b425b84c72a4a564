"""A rendered e-mail: says there is something new and where to look, never what it says."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
