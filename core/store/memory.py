"""An in-memory store: the full contract, nothing on disk (tests and throw-away use)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from dataclasses import replace

from omnistake.ledger.ledger import Recorded
from omnistake.store.base import Batch, RequestRecord, Snapshot, TokenRecord
from omnistake.store.errors import StoreError


class MemoryStore:
    """Keeps everything in Python lists and dicts."""

    def __init__(self) -> None:
        self._events: list[Recorded] = []
        self._requests: dict[str, RequestRecord] = {}
        self._journal: list[RequestRecord] = []
        self._snapshots: list[Snapshot] = []
        self._tokens: dict[str, TokenRecord] = {}
        self._writer: str | None = None
        self._history_id: str | None = None
        self._mu = threading.Lock()

    def append(self, batches: list[Batch]) -> None:
        with self._mu:
            events, requests, journal = self._stage(batches, len(self._events))
            self._events.extend(events)
            self._journal.extend(journal)
            self._requests.update(requests)

    def _stage(
        self, batches: list[Batch], last: int
    ) -> tuple[list[Recorded], dict[str, RequestRecord], list[RequestRecord]]:
        events: list[Recorded] = []
        requests: dict[str, RequestRecord] = {}
        journal: list[RequestRecord] = []
        pos = len(self._journal)
        for batch in batches:
            for record in batch.records:
                if record.seq != last + 1:
                    raise StoreError(f"event {record.seq} does not follow {last}")
                events.append(record)
                last += 1
            if batch.request is not None:
                request = batch.request
                if request.request_id in requests or request.request_id in self._requests:
                    raise StoreError(f"request id {request.request_id!r} is already stored")
                pos += 1
                request = replace(request, pos=pos)
                requests[request.request_id] = request
                journal.append(request)
        return events, requests, journal

    def find_request(self, request_id: str) -> RequestRecord | None:
        return self._requests.get(request_id)

    def journal(self, after_pos: int = 0) -> Iterator[RequestRecord]:
        yield from self._journal[after_pos:]

    def journal_length(self) -> int:
        return len(self._journal)

    def read_events(self, after_seq: int, limit: int | None = None) -> Iterator[Recorded]:
        end = len(self._events) if limit is None else min(len(self._events), after_seq + limit)
        yield from self._events[after_seq:end]

    def last_seq(self) -> int:
        return len(self._events)

    def latest_snapshot(self) -> Snapshot | None:
        return self._snapshots[-1] if self._snapshots else None

    def save_snapshot(self, snapshot: Snapshot) -> None:
        self._snapshots.append(snapshot)

    def replace_history(self, batches: list[Batch]) -> None:
        with self._mu:
            old = self._requests, self._journal
            self._requests, self._journal = {}, []
            try:
                events, requests, journal = self._stage(batches, 0)
            except StoreError:
                self._requests, self._journal = old
                raise
            self._events, self._requests, self._journal = events, requests, journal
            self._snapshots = []
            self._history_id = secrets.token_hex(8)

    def history_id(self) -> str | None:
        return self._history_id

    def acquire_writer(self, identity: str) -> bool:
        self._writer = identity
        return True

    def writer(self) -> str | None:
        return self._writer

    def put_token(self, token: TokenRecord) -> None:
        self._tokens[token.token_hash] = token

    def find_token(self, token_hash: str) -> TokenRecord | None:
        return self._tokens.get(token_hash)

    def revoke_token(self, token_hash: str) -> None:
        if token_hash in self._tokens:
            self._tokens[token_hash] = replace(self._tokens[token_hash], revoked=True)

    def close(self) -> None:
        pass
