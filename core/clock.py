"""Injected clocks: the ledger never reads the wall clock itself."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time in integer seconds."""

    def now(self) -> int:
        """Current time, integer Unix seconds."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> int:
        """Current Unix time, whole seconds."""
        return int(time.time())


class ManualClock:
    """A clock that only moves when told to (tests, simulations, replays)."""

    def __init__(self, start: int = 1_700_000_000) -> None:
        self._now = start

    def now(self) -> int:
        """The time last set."""
        return self._now

    def set(self, t: int) -> None:
        """Jump to ``t`` (may not go back)."""
        if t < self._now:
            raise ValueError(f"clock cannot go back from {self._now} to {t}")
        self._now = t

    def advance(self, seconds: int) -> int:
        """Move forward by ``seconds`` and return the new time."""
        self.set(self._now + seconds)
        return self._now
