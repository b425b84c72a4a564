"""When to try a thin event again, and when to give up: pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TryAgain:
    level: int  # which delay queue
    seconds: float


@dataclass(frozen=True)
class GiveUp:
    attempts: int


@dataclass(frozen=True)
class RetryPolicy:
    """`delays_seconds`: before retry 1, 2, …, one per delay queue; the last repeats until
    `max_attempts` attempts were made."""

    delays_seconds: tuple[float, ...]
    max_attempts: int

    def __post_init__(self) -> None:
        if not self.delays_seconds or self.max_attempts < 1:
            raise ValueError("a retry policy needs at least one delay and one attempt")

    def after(self, failed_attempt: int) -> TryAgain | GiveUp:
        if failed_attempt >= self.max_attempts:
            return GiveUp(failed_attempt)
        level = min(failed_attempt, len(self.delays_seconds)) - 1
        return TryAgain(level, self.delays_seconds[level])
