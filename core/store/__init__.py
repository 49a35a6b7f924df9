"""Durable storage of the ledger's history (event log, journal, snapshots, tokens)."""

from omnistake.store.base import Batch, RequestRecord, Snapshot, Store, TokenRecord
from omnistake.store.errors import UnsupportedStoreUrl
from omnistake.store.memory import MemoryStore


def open_store(url: str) -> Store:
    """Open the store a URL names: ``memory://`` (nothing on disk), ``sqlite:///path``
    (the embedded default: one file, WAL) or ``postgresql://user:pw@host:port/db``.
    The schema is created or migrated on open."""
    if url == "memory://":
        return MemoryStore()
    if url.startswith(("sqlite:///", "postgresql://", "postgres://", "postgresql+psycopg://")):
        from omnistake.store.sql import SqlStore

        return SqlStore(url)
    raise UnsupportedStoreUrl(
        f"unsupported store URL {url!r}: use memory://, sqlite:///PATH or postgresql://...",
        field="db",
    )


__all__ = [
    "Batch",
    "MemoryStore",
    "RequestRecord",
    "Snapshot",
    "Store",
    "TokenRecord",
    "open_store",
]
