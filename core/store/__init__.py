"""Durable storage of the ledger's history (event log, requests, snapshots, tokens)."""

from omnistake.store.base import Batch, RequestRecord, Snapshot, Store, TokenRecord
from omnistake.store.memory import MemoryStore

__all__ = ["Batch", "MemoryStore", "RequestRecord", "Snapshot", "Store", "TokenRecord"]
