"""The storage contract behind :class:`~omnistake.service.LedgerService`.

A store keeps the event log (the only source of truth), the idempotency record of every
accepted request, state snapshots, and hashed API tokens. Implementations: the in-memory
store (tests, throw-away embedding) and the SQL store (SQLite by default, PostgreSQL for
production).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from omnistake.ledger.ledger import Recorded


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """An accepted request: its id, the hash of its body, and the events it produced."""

    request_id: str
    request_hash: str
    first_seq: int
    last_seq: int


@dataclass(frozen=True, slots=True)
class Batch:
    """Events of one accepted command, appended atomically with its request record."""

    records: list[Recorded]
    request: RequestRecord | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A saved state: canonical bytes (see :func:`omnistake.ledger.canonical_state`) and the
    state hash recorded with it, as of event ``seq``."""

    seq: int
    state: bytes
    state_hash: str


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """An API token, stored only as its SHA-256 hash."""

    token_hash: str
    principal: str
    created_at: int
    expires_at: int | None
    revoked: bool = False


class Store(Protocol):
    """Durable storage of the ledger's history."""

    def append(self, batches: list[Batch]) -> None:
        """Durably append the batches' events and request records in one transaction (group
        commit); return only once they are on disk."""
        ...

    def find_request(self, request_id: str) -> RequestRecord | None:
        """The accepted request with this id, if any."""
        ...

    def read_events(self, after_seq: int, limit: int | None = None) -> Iterator[Recorded]:
        """Events with seq > ``after_seq``, in order."""
        ...

    def last_seq(self) -> int:
        """Sequence number of the last stored event (0 when empty)."""
        ...

    def latest_snapshot(self) -> Snapshot | None:
        """The most recent snapshot, if any."""
        ...

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store a snapshot."""
        ...

    def put_token(self, token: TokenRecord) -> None:
        """Store a (hashed) API token."""
        ...

    def find_token(self, token_hash: str) -> TokenRecord | None:
        """Look a token up by hash."""
        ...

    def revoke_token(self, token_hash: str) -> None:
        """Mark a token revoked."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
