"""Where a sync loop keeps its place: the cursor per chain, the fact ids of recently fed
blocks (to know what a deep reorg orphaned, even after a restart), instruction outcomes (so a
slash or payout is handed to the adapter once) and small counters.

Kept apart from the ledger's store on purpose: a tiny interface this package owns, with an
in-memory and a SQLite implementation (a file next to the ledger's). Every write is one
transaction, so a crash leaves either the old cursor or the new one; facts fed before a
crash are simply fed again, and the ledger's idempotency answers them as replays.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from .records import Cursor


class SyncStore(Protocol):
    """Durable sync-loop bookkeeping."""

    def cursor(self, chain_id: str) -> Cursor | None:
        """The last block fed, or None."""
        ...

    def begin_block(self, chain_id: str, height: int, block_hash: str, fact_ids: list[str]) -> None:
        """Before feeding a block's facts: journal them (durably), so that facts of a block
        whose cursor move was lost in a crash are still known if that block is orphaned."""
        ...

    def record_block(self, cursor: Cursor, fact_ids: list[str]) -> None:
        """Atomically: the block at ``cursor`` was fed with these facts; move the cursor."""
        ...

    def fed_hash(self, chain_id: str, height: int) -> str | None:
        """Hash of the journaled block at ``height`` (fed or begun), if any."""
        ...

    def rollback(self, to: Cursor) -> list[str]:
        """Forget journaled blocks above ``to`` (returning their fact ids); move the cursor
        back to ``to`` if it is above it (never forward)."""
        ...

    def outcome(self, instruction_id: str) -> str | None:
        """A recorded instruction outcome (JSON), if any."""
        ...

    def record_outcome(self, chain_id: str, instruction_id: str, outcome: str) -> None:
        """Record an instruction's outcome (JSON)."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A small named value."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Set a small named value."""
        ...

    def close(self) -> None:
        """Release the file."""
        ...


class MemorySyncStore:
    """Everything in dicts (tests, throw-away embedding)."""

    def __init__(self) -> None:
        self._cursors: dict[str, Cursor] = {}
        self._blocks: dict[str, dict[int, tuple[str, list[str]]]] = {}
        self._outcomes: dict[str, str] = {}
        self._meta: dict[str, str] = {}

    def cursor(self, chain_id: str) -> Cursor | None:
        return self._cursors.get(chain_id)

    def begin_block(self, chain_id: str, height: int, block_hash: str, fact_ids: list[str]) -> None:
        self._blocks.setdefault(chain_id, {})[height] = (block_hash, list(fact_ids))

    def record_block(self, cursor: Cursor, fact_ids: list[str]) -> None:
        self.begin_block(cursor.chain_id, cursor.height, cursor.block_hash, fact_ids)
        self._cursors[cursor.chain_id] = cursor

    def fed_hash(self, chain_id: str, height: int) -> str | None:
        entry = self._blocks.get(chain_id, {}).get(height)
        return entry[0] if entry else None

    def rollback(self, to: Cursor) -> list[str]:
        blocks = self._blocks.setdefault(to.chain_id, {})
        dropped = sorted(h for h in blocks if h > to.height)
        out = [fid for h in dropped for fid in blocks.pop(h)[1]]
        current = self._cursors.get(to.chain_id)
        if current is not None and current.height > to.height:
            self._cursors[to.chain_id] = to
        return out

    def outcome(self, instruction_id: str) -> str | None:
        return self._outcomes.get(instruction_id)

    def record_outcome(self, chain_id: str, instruction_id: str, outcome: str) -> None:
        self._outcomes[instruction_id] = outcome

    def get_meta(self, key: str) -> str | None:
        return self._meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self._meta[key] = value

    def close(self) -> None:
        pass


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sync_cursor (
    chain_id TEXT PRIMARY KEY, height INTEGER NOT NULL, block_hash TEXT NOT NULL,
    state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sync_block (
    chain_id TEXT NOT NULL, height INTEGER NOT NULL, block_hash TEXT NOT NULL,
    fact_ids TEXT NOT NULL, PRIMARY KEY (chain_id, height));
CREATE TABLE IF NOT EXISTS sync_outcome (
    instruction_id TEXT PRIMARY KEY, chain_id TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class SqliteSyncStore:
    """A SQLite file (WAL, synchronous=FULL): survives restarts and crashes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def cursor(self, chain_id: str) -> Cursor | None:
        with self._lock:
            row = self._db.execute(
                "SELECT height, block_hash, state FROM sync_cursor WHERE chain_id = ?",
                (chain_id,),
            ).fetchone()
        return None if row is None else Cursor(chain_id, row[0], row[1], row[2])

    def _set_cursor(self, cursor: Cursor) -> None:
        self._db.execute(
            "INSERT INTO sync_cursor (chain_id, height, block_hash, state) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chain_id) DO UPDATE SET height = excluded.height,"
            " block_hash = excluded.block_hash, state = excluded.state",
            (cursor.chain_id, cursor.height, cursor.block_hash, cursor.state),
        )

    def _journal(self, chain_id: str, height: int, block_hash: str, fact_ids: list[str]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO sync_block (chain_id, height, block_hash, fact_ids)"
            " VALUES (?, ?, ?, ?)",
            (chain_id, height, block_hash, json.dumps(fact_ids)),
        )

    def begin_block(self, chain_id: str, height: int, block_hash: str, fact_ids: list[str]) -> None:
        with self._lock:
            self._journal(chain_id, height, block_hash, fact_ids)

    def fed_hash(self, chain_id: str, height: int) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT block_hash FROM sync_block WHERE chain_id = ? AND height = ?",
                (chain_id, height),
            ).fetchone()
        return None if row is None else str(row[0])

    def record_block(self, cursor: Cursor, fact_ids: list[str]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._journal(cursor.chain_id, cursor.height, cursor.block_hash, fact_ids)
                self._set_cursor(cursor)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def rollback(self, to: Cursor) -> list[str]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = self._db.execute(
                    "SELECT fact_ids FROM sync_block WHERE chain_id = ? AND height > ?"
                    " ORDER BY height",
                    (to.chain_id, to.height),
                ).fetchall()
                self._db.execute(
                    "DELETE FROM sync_block WHERE chain_id = ? AND height > ?",
                    (to.chain_id, to.height),
                )
                self._db.execute(
                    "UPDATE sync_cursor SET height = ?, block_hash = ?, state = ?"
                    " WHERE chain_id = ? AND height > ?",
                    (to.height, to.block_hash, to.state, to.chain_id, to.height),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return [fid for (text,) in rows for fid in json.loads(text)]

    def outcome(self, instruction_id: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT outcome FROM sync_outcome WHERE instruction_id = ?", (instruction_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def record_outcome(self, chain_id: str, instruction_id: str, outcome: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO sync_outcome (instruction_id, chain_id, outcome)"
                " VALUES (?, ?, ?)",
                (instruction_id, chain_id, outcome),
            )

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM sync_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO sync_meta (key, value) VALUES (?, ?)", (key, value)
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_sync_store(ledger_url: str) -> SyncStore:
    """The sync store that goes with a ledger store URL: a ``<file>.sync`` SQLite file next
    to a ``sqlite:///<file>`` ledger, otherwise in memory (PostgreSQL deployments pass a
    :class:`SqliteSyncStore` path of their choosing)."""
    if ledger_url.startswith("sqlite:///"):
        return SqliteSyncStore(ledger_url.removeprefix("sqlite:///") + ".sync")
    return MemorySyncStore()
