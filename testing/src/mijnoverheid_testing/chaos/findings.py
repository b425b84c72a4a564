"""What the auditor finds: broken invariants (each with the event ids involved) and figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

SHOWN_IDS = 20  # ids printed per broken invariant (all of them go to the JSON report)


@dataclass(frozen=True)
class Finding:
    invariant: str
    detail: str
    ids: tuple[str, ...]

    def line(self) -> str:
        shown = ", ".join(self.ids[:SHOWN_IDS])
        more = f" (+{len(self.ids) - SHOWN_IDS} more)" if len(self.ids) > SHOWN_IDS else ""
        return f"FAILED {self.invariant}: {self.detail} [{len(self.ids)}] {shown}{more}"


@dataclass
class Findings:
    broken: list[Finding] = field(default_factory=list)
    figures: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # every invariant, held or broken

    def check(self, invariant: str, detail: str, ids: Iterable[str]) -> None:
        """Records a broken invariant when `ids` is not empty."""
        self.checked.append(invariant)
        found = tuple(sorted(set(ids)))
        if found:
            self.broken.append(Finding(invariant, detail, found))

    @property
    def passed(self) -> bool:
        return not self.broken
