"""Durable memory of what the adapter has accepted or sent.

* consumed deposit signatures (a signature credits at most one deposit);
* payouts and slashes by id: the pending transaction (signature, last valid block height)
  is written *before* sending, the result after confirmation, so an id is never paid twice,
  even across a crash between send and confirmation.

:class:`MemoryJournal` for tests; :class:`SqliteJournal` (stdlib ``sqlite3``) for a file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """State of one payout/slash id."""

    op_id: str
    fingerprint: str
    signature: str | None
    last_valid_block_height: int | None
    result: dict[str, Any] | None
    planned: dict[str, Any] | None = None


class Journal(Protocol):
    """Storage used by deposit verification and the custodian."""

    def claim_signature(self, signature: str, deposit_key: str) -> bool:
        """Mark ``signature`` consumed; ``False`` if it already was."""
        ...

    def signature_claimed(self, signature: str) -> bool:
        """Whether ``signature`` is consumed."""
        ...

    def signature_key(self, signature: str) -> str | None:
        """The deposit key ``signature`` was consumed for, or ``None``."""
        ...

    def get(self, op_id: str) -> JournalEntry | None:
        """The entry for ``op_id``."""
        ...

    def begin(
        self,
        op_id: str,
        fingerprint: str,
        signature: str,
        last_valid: int,
        planned: dict[str, Any],
    ) -> bool:
        """Record the transaction about to be sent for ``op_id`` and its planned result.

        Returns ``False`` (and records nothing) when ``op_id`` already has an entry: another
        worker got there first.
        """
        ...

    def abandon(self, op_id: str) -> None:
        """Forget a pending transaction that can never land (failed or expired)."""
        ...

    def complete(self, op_id: str, result: dict[str, Any]) -> None:
        """Record the confirmed result of ``op_id``."""
        ...


class MemoryJournal:
    """In-memory :class:`Journal`."""

    def __init__(self) -> None:
        self._sigs: dict[str, str] = {}
        self._ops: dict[str, JournalEntry] = {}
        self._lock = threading.Lock()

    def claim_signature(self, signature: str, deposit_key: str) -> bool:
        """Mark consumed."""
        with self._lock:
            if signature in self._sigs:
                return False
            self._sigs[signature] = deposit_key
            return True

    def signature_claimed(self, signature: str) -> bool:
        """Whether consumed."""
        return signature in self._sigs

    def signature_key(self, signature: str) -> str | None:
        """The deposit key of a consumed signature."""
        return self._sigs.get(signature)

    def get(self, op_id: str) -> JournalEntry | None:
        """Entry for ``op_id``."""
        return self._ops.get(op_id)

    def begin(
        self,
        op_id: str,
        fingerprint: str,
        signature: str,
        last_valid: int,
        planned: dict[str, Any],
    ) -> bool:
        """Record a pending send unless ``op_id`` has an entry."""
        with self._lock:
            if op_id in self._ops:
                return False
            self._ops[op_id] = JournalEntry(
                op_id, fingerprint, signature, last_valid, None, dict(planned)
            )
            return True

    def abandon(self, op_id: str) -> None:
        """Drop a pending send."""
        with self._lock:
            e = self._ops.get(op_id)
            if e is not None and e.result is None:
                del self._ops[op_id]

    def complete(self, op_id: str, result: dict[str, Any]) -> None:
        """Record the result."""
        with self._lock:
            e = self._ops[op_id]
            self._ops[op_id] = JournalEntry(
                op_id, e.fingerprint, e.signature, e.last_valid_block_height, result, e.planned
            )


class SqliteJournal:
    """:class:`Journal` in one SQLite file (WAL, one writer)."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS deposit_signatures"
            " (signature TEXT PRIMARY KEY, deposit_key TEXT NOT NULL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS operations (op_id TEXT PRIMARY KEY,"
            " fingerprint TEXT NOT NULL, signature TEXT, last_valid INTEGER, result TEXT,"
            " planned TEXT)"
        )
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def claim_signature(self, signature: str, deposit_key: str) -> bool:
        """Mark consumed."""
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO deposit_signatures VALUES (?, ?)", (signature, deposit_key)
                )
            except sqlite3.IntegrityError:
                return False
            return True

    def signature_claimed(self, signature: str) -> bool:
        """Whether consumed."""
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM deposit_signatures WHERE signature = ?", (signature,)
            ).fetchone()
        return row is not None

    def signature_key(self, signature: str) -> str | None:
        """The deposit key of a consumed signature."""
        with self._lock:
            row = self._db.execute(
                "SELECT deposit_key FROM deposit_signatures WHERE signature = ?", (signature,)
            ).fetchone()
        return None if row is None else str(row[0])

    def get(self, op_id: str) -> JournalEntry | None:
        """Entry for ``op_id``."""
        with self._lock:
            row = self._db.execute(
                "SELECT fingerprint, signature, last_valid, result, planned FROM operations"
                " WHERE op_id = ?",
                (op_id,),
            ).fetchone()
        if row is None:
            return None
        result = None if row[3] is None else json.loads(row[3])
        planned = None if row[4] is None else json.loads(row[4])
        return JournalEntry(op_id, row[0], row[1], row[2], result, planned)

    def begin(
        self,
        op_id: str,
        fingerprint: str,
        signature: str,
        last_valid: int,
        planned: dict[str, Any],
    ) -> bool:
        """Record a pending send unless ``op_id`` has an entry (atomic across processes)."""
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO operations VALUES (?, ?, ?, ?, NULL, ?)",
                    (op_id, fingerprint, signature, last_valid, json.dumps(planned)),
                )
            except sqlite3.IntegrityError:
                return False
            return True

    def abandon(self, op_id: str) -> None:
        """Drop a pending send."""
        with self._lock:
            self._db.execute("DELETE FROM operations WHERE op_id = ? AND result IS NULL", (op_id,))

    def complete(self, op_id: str, result: dict[str, Any]) -> None:
        """Record the result."""
        with self._lock:
            self._db.execute(
                "UPDATE operations SET result = ? WHERE op_id = ?", (json.dumps(result), op_id)
            )
