"""The storage contract behind :class:`~omnistake.service.LedgerService`.

A store keeps the event log (the only source of truth), the journal of accepted requests
(idempotency record and command body), state snapshots, and hashed API tokens.
Implementations: the in-memory store (tests, throw-away embedding) and the SQL store
(SQLite by default, PostgreSQL for production).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from omnistake.ledger.ledger import Recorded


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """An accepted request: its id, the hash of its body, and the events it produced
    (``first_seq``..``last_seq``; ``last_seq == first_seq - 1`` when there were none).

    The journal fields (``principal``, ``at``, ``command`` JSON, ``pos`` = 1-based order of
    acceptance) let :meth:`~omnistake.service.LedgerService.rebuild` re-execute history."""

    request_id: str
    request_hash: str
    first_seq: int
    last_seq: int
    principal: str = ""
    at: int = 0
    command: str = ""
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Batch:
    """Events of one accepted command, appended atomically with its request record."""

    records: list[Recorded]
    request: RequestRecord | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A saved state: canonical bytes (see :func:`omnistake.ledger.canonical_state`) and the
    state hash recorded with it, as of event ``seq``; ``format`` names the state layout of
    the code that wrote it (see :func:`omnistake.service.state_format`)."""

    seq: int
    state: bytes
    state_hash: str
    format: str = ""


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

    def journal(self, after_pos: int = 0) -> Iterator[RequestRecord]:
        """Accepted requests with ``pos > after_pos``, in order of acceptance."""
        ...

    def journal_length(self) -> int:
        """Number of accepted requests (the ``pos`` of the last one)."""
        ...

    def read_events(self, after_seq: int, limit: int | None = None) -> Iterator[Recorded]:
        """Events with seq > ``after_seq``, in order. Raises
        :class:`~omnistake.store.errors.CorruptRecord` on a record that does not check out."""
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

    def replace_history(self, batches: list[Batch]) -> None:
        """Atomically replace the whole event log, journal and snapshots by ``batches``
        (one transaction: readers see the old history or the new one, never a mix)."""
        ...

    def history_id(self) -> str | None:
        """Changes whenever :meth:`replace_history` runs (None before the first time), so
        followers notice a rebuilt history."""
        ...

    def acquire_writer(self, identity: str) -> bool:
        """Try to take the writer lease for ``identity``; True when this store may write."""
        ...

    def writer(self) -> str | None:
        """Identity of the current (or last registered) writer, if known."""
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
        """Release connections (and the writer lease)."""
        ...
