"""An in-memory store: the full contract, nothing on disk (tests and throw-away use)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from omnistake.ledger.ledger import Recorded
from omnistake.store.base import Batch, RequestRecord, Snapshot, TokenRecord


class MemoryStore:
    """Keeps everything in Python lists and dicts."""

    def __init__(self) -> None:
        self._events: list[Recorded] = []
        self._requests: dict[str, RequestRecord] = {}
        self._snapshots: list[Snapshot] = []
        self._tokens: dict[str, TokenRecord] = {}

    def append(self, batches: list[Batch]) -> None:
        for batch in batches:
            for record in batch.records:
                if record.seq != len(self._events) + 1:
                    raise ValueError(f"event {record.seq} does not follow {len(self._events)}")
                self._events.append(record)
            if batch.request is not None:
                self._requests[batch.request.request_id] = batch.request

    def find_request(self, request_id: str) -> RequestRecord | None:
        return self._requests.get(request_id)

    def read_events(self, after_seq: int, limit: int | None = None) -> Iterator[Recorded]:
        end = len(self._events) if limit is None else min(len(self._events), after_seq + limit)
        yield from self._events[after_seq:end]

    def last_seq(self) -> int:
        return len(self._events)

    def latest_snapshot(self) -> Snapshot | None:
        return self._snapshots[-1] if self._snapshots else None

    def save_snapshot(self, snapshot: Snapshot) -> None:
        self._snapshots.append(snapshot)

    def put_token(self, token: TokenRecord) -> None:
        self._tokens[token.token_hash] = token

    def find_token(self, token_hash: str) -> TokenRecord | None:
        return self._tokens.get(token_hash)

    def revoke_token(self, token_hash: str) -> None:
        if token_hash in self._tokens:
            self._tokens[token_hash] = replace(self._tokens[token_hash], revoked=True)

    def close(self) -> None:
        pass
