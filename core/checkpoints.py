"""Time-indexed values: the time-travel primitive behind every historical query.

A :class:`Trace` keeps ``(timestamp, value)`` checkpoints in time order, with the semantics
of Symbiotic's ``Checkpoints`` library: a push at the latest timestamp overwrites it (so
within one second only the last write is visible), and a lookup at ``t`` returns the value
of the last checkpoint at or before ``t``, or the default when there is none. Lookups are
binary searches, so a query costs O(log n) however long the history.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Generic, TypeVar

T = TypeVar("T")


class Trace(Generic[T]):
    """Checkpointed history of one value."""

    __slots__ = ("_default", "_keys", "_values")

    def __init__(self, default: T) -> None:
        self._default = default
        self._keys: list[int] = []
        self._values: list[T] = []

    def push(self, key: int, value: T) -> None:
        """Record ``value`` from ``key`` on. Keys never go back; an equal key overwrites."""
        if self._keys:
            last = self._keys[-1]
            if key < last:
                raise ValueError(f"checkpoint at {key} is before the latest one at {last}")
            if key == last:
                self._values[-1] = value
                return
        self._keys.append(key)
        self._values.append(value)

    def pop(self) -> tuple[int, T]:
        """Remove and return the latest checkpoint (used for not-yet-effective values)."""
        return self._keys.pop(), self._values.pop()

    def at(self, t: int) -> T:
        """The value in force at ``t`` (changes made at ``t`` included)."""
        i = bisect_right(self._keys, t)
        return self._values[i - 1] if i else self._default

    def latest(self) -> T:
        """The most recent value (default when empty)."""
        return self._values[-1] if self._values else self._default

    def latest_key(self) -> int | None:
        """Timestamp of the most recent checkpoint, or None when empty."""
        return self._keys[-1] if self._keys else None

    def __len__(self) -> int:
        return len(self._keys)

    def __bool__(self) -> bool:
        return bool(self._keys)

    def items(self) -> list[tuple[int, T]]:
        """All checkpoints, oldest first."""
        return list(zip(self._keys, self._values, strict=True))

    def dump(self) -> list[list[object]]:
        """Plain-data form for snapshots and hashing."""
        return [[k, v] for k, v in zip(self._keys, self._values, strict=True)]

    @classmethod
    def load(cls, data: list[list[object]], default: T) -> Trace[T]:
        """Inverse of :meth:`dump`."""
        trace: Trace[T] = cls(default)
        for key, value in data:
            trace._keys.append(int(key))  # type: ignore[call-overload]
            trace._values.append(value)  # type: ignore[arg-type]
        return trace

    def __repr__(self) -> str:
        return f"Trace({self.items()!r})"
