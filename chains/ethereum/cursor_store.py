"""SQLite persistence of the indexer: cursor, recent block hashes, discovered contracts and
the ids of recently reported events (for rollbacks)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from omnistake.chains.ethereum.events import SourceKind


class CursorStore:
    """SQLite persistence of the cursor, recent block hashes and discovered contracts."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        if str(path) != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS idx_cursor (id INTEGER PRIMARY KEY CHECK (id = 1),"
            " block INTEGER NOT NULL, hash TEXT);"
            "CREATE TABLE IF NOT EXISTS idx_hashes (block INTEGER PRIMARY KEY, hash TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS idx_entities (address TEXT PRIMARY KEY,"
            " kind TEXT NOT NULL, block INTEGER NOT NULL);"
            "CREATE TABLE IF NOT EXISTS idx_events (block INTEGER NOT NULL,"
            " block_hash TEXT NOT NULL, log_index INTEGER NOT NULL,"
            " PRIMARY KEY (block_hash, log_index));"
            "CREATE INDEX IF NOT EXISTS idx_events_block ON idx_events (block);"
        )

    def cursor(self) -> tuple[int, str | None] | None:
        """(last handled block, its hash) or None before the first batch."""
        with self._lock:
            row = self._db.execute("SELECT block, hash FROM idx_cursor WHERE id = 1").fetchone()
        return (int(row[0]), row[1]) if row else None

    def hashes_desc(self, below_or_at: int) -> list[tuple[int, str]]:
        """Stored (block, hash) pairs at or below a height, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT block, hash FROM idx_hashes WHERE block <= ? ORDER BY block DESC",
                (below_or_at,),
            ).fetchall()
        return [(int(b), str(h)) for b, h in rows]

    def entities(self) -> dict[str, SourceKind]:
        """Discovered vaults, delegators and slashers: address (lower case) -> kind."""
        with self._lock:
            rows = self._db.execute("SELECT address, kind FROM idx_entities").fetchall()
        return {str(a): SourceKind(k) for a, k in rows}

    def advance(
        self,
        block: int,
        block_hash: str,
        hashes: Sequence[tuple[int, str]],
        entities: Sequence[tuple[str, SourceKind, int]],
        window: int,
        events: Sequence[tuple[int, str, int]] = (),
    ) -> None:
        """Atomically move the cursor forward; record hashes, new contracts and event ids."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO idx_cursor (id, block, hash) VALUES (1, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET block = excluded.block, hash = excluded.hash",
                    (block, block_hash),
                )
                db.executemany("INSERT OR REPLACE INTO idx_hashes VALUES (?, ?)", list(hashes))
                db.executemany(
                    "INSERT OR IGNORE INTO idx_entities VALUES (?, ?, ?)",
                    [(a.lower(), str(k), b) for a, k, b in entities],
                )
                db.executemany("INSERT OR IGNORE INTO idx_events VALUES (?, ?, ?)", list(events))
                db.execute("DELETE FROM idx_events WHERE block < ?", (block - window,))
                # Keep hashes of the last `window` blocks, but never fewer than 16 entries.
                db.execute(
                    "DELETE FROM idx_hashes WHERE block < ? AND block NOT IN"
                    " (SELECT block FROM idx_hashes ORDER BY block DESC LIMIT 16)",
                    (block - window,),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def rewind(self, block: int, block_hash: str | None) -> None:
        """Atomically move the cursor back to ``block`` and forget everything above it."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO idx_cursor (id, block, hash) VALUES (1, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET block = excluded.block, hash = excluded.hash",
                    (block, block_hash),
                )
                db.execute("DELETE FROM idx_hashes WHERE block > ?", (block,))
                db.execute("DELETE FROM idx_entities WHERE block > ?", (block,))
                db.execute("DELETE FROM idx_events WHERE block > ?", (block,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def events_above(self, block: int) -> list[tuple[str, int]]:
        """(block hash, log index) of reported events above ``block``, in chain order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT block_hash, log_index FROM idx_events WHERE block > ?"
                " ORDER BY block, log_index",
                (block,),
            ).fetchall()
        return [(str(h), int(i)) for h, i in rows]

    def close(self) -> None:
        """Close the database."""
        self._db.close()
