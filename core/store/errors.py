"""Typed errors of the storage layer (all :class:`~omnistake.errors.OmnistakeError`)."""

from __future__ import annotations

from omnistake.errors import InvalidArgument, OmnistakeError


class StoreError(OmnistakeError):
    """Base of storage errors."""

    reason = "STORE_ERROR"
    kind = "internal"


class CorruptRecord(StoreError):
    """A stored event whose checksum, sequence number or body does not check out (a torn or
    corrupted write). It is reported, never applied."""

    reason = "CORRUPT_RECORD"
    kind = "internal"

    def __init__(self, seq: int, detail: str) -> None:
        super().__init__(f"event {seq} is corrupt: {detail}", seq=seq)
        self.seq = seq


class CorruptSnapshot(StoreError):
    """A snapshot whose recomputed state hash differs from the one recorded with it."""

    reason = "CORRUPT_SNAPSHOT"
    kind = "internal"


class StoreUnavailable(StoreError):
    """The database could not be reached or refused the write; nothing was acknowledged."""

    reason = "STORE_UNAVAILABLE"
    kind = "unavailable"


class NotWriter(StoreError):
    """This process follows the log; another process holds the writer lease."""

    reason = "NOT_LEADER"
    kind = "failed_precondition"

    def __init__(self, writer: str | None) -> None:
        who = writer or "unknown (no writer has registered)"
        super().__init__(
            f"this replica is a read-only follower; writes go to the writer {who}",
            writer=who,
        )
        self.writer = writer


class StoreNotEmpty(StoreError):
    """An import into a database that already holds history."""

    reason = "STORE_NOT_EMPTY"
    kind = "failed_precondition"


class BadHistoryFile(StoreError):
    """An export file that is malformed, truncated or whose digests do not match."""

    reason = "BAD_HISTORY_FILE"
    kind = "invalid_argument"


class UnsupportedStoreUrl(InvalidArgument):
    """A store URL with an unknown scheme."""

    reason = "UNSUPPORTED_STORE_URL"


class CorruptDatabase(StoreError):
    """The database file itself is damaged (SQLite reports a malformed image)."""

    reason = "CORRUPT_DATABASE"
    kind = "internal"


__all__ = [
    "BadHistoryFile",
    "CorruptDatabase",
    "CorruptRecord",
    "CorruptSnapshot",
    "NotWriter",
    "StoreError",
    "StoreNotEmpty",
    "StoreUnavailable",
    "UnsupportedStoreUrl",
]
