"""The ledger behind a durable store: what the API, the CLI and chain sync loops use.

:meth:`LedgerService.execute` validates a command, appends its events to the store (with the
request's idempotency record, in one transaction) and only then applies them to the
in-memory ledger and answers. A repeated request id with the same body returns the first
answer; with a different body it is rejected.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass

from omnistake.clock import Clock
from omnistake.errors import IdempotencyConflict, InvalidArgument
from omnistake.ledger.commands import Command
from omnistake.ledger.ledger import Ledger, Recorded, canonical_state, state_hash
from omnistake.ledger.state import LedgerState
from omnistake.principals import Principal
from omnistake.store.base import Batch, RequestRecord, Snapshot, Store


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The answer to a command: its events, and whether this is a stored earlier answer."""

    events: list[Recorded]
    request_id: str | None = None
    replayed: bool = False


def request_hash(command: Command, principal: Principal) -> str:
    """Hash of what makes two requests "the same": the command body and who sent it."""
    return hashlib.sha256(f"{principal}\n{command.to_json()}".encode()).hexdigest()


class CorruptSnapshot(Exception):
    """A snapshot whose recomputed state hash differs from the one recorded with it."""


class LedgerService:
    """A :class:`Ledger` whose every accepted command is durable before it is answered."""

    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.ledger = Ledger(clock)
        self._lock = threading.RLock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._recover()

    @classmethod
    def open(cls, url: str, clock: Clock | None = None) -> LedgerService:
        """A service over the store at ``url`` (see :func:`omnistake.store.open_store`)."""
        from omnistake.store import open_store

        return cls(open_store(url), clock)

    # -- start-up ----------------------------------------------------------------------------

    def _recover(self) -> None:
        snapshot = self.store.latest_snapshot()
        if snapshot is not None:
            state = LedgerState.load(json.loads(snapshot.state))
            if state_hash(state) != snapshot.state_hash:
                raise CorruptSnapshot(
                    f"snapshot at event {snapshot.seq} does not match its recorded state hash"
                )
            self.ledger.state = state
        self.ledger.replay(self.store.read_events(self.ledger.seq))

    # -- commands ----------------------------------------------------------------------------

    def execute_sync(
        self,
        command: Command,
        *,
        principal: Principal,
        request_id: str | None = None,
        at: int | None = None,
    ) -> CommandResult:
        """Validate, persist, apply; blocking."""
        if request_id is not None and (not request_id or len(request_id) > 128):
            raise InvalidArgument("request_id must be 1-128 characters", field="request_id")
        body = request_hash(command, principal)
        with self._lock:
            if request_id is not None:
                earlier = self.store.find_request(request_id)
                if earlier is not None:
                    if earlier.request_hash != body:
                        raise IdempotencyConflict(
                            f"request id {request_id!r} was used before for a different command",
                            field="request_id",
                        )
                    count = earlier.last_seq - earlier.first_seq + 1
                    events = list(self.store.read_events(earlier.first_seq - 1, count))
                    return CommandResult(events, request_id, replayed=True)
            decided = self.ledger.decide(command, principal=principal, at=at)
            first = self.ledger.seq + 1
            records = [Recorded(first + i, event) for i, event in enumerate(decided)]
            request = (
                RequestRecord(request_id, body, first, first + len(records) - 1)
                if request_id is not None
                else None
            )
            self.store.append([Batch(records, request)])
            for record in records:
                self.ledger.apply(record.event, record.seq)
        self._notify()
        return CommandResult(records, request_id)

    async def execute(
        self,
        command: Command,
        *,
        principal: Principal,
        request_id: str | None = None,
        at: int | None = None,
    ) -> CommandResult:
        """Validate, persist, apply, without blocking the event loop."""
        return await asyncio.to_thread(
            self.execute_sync, command, principal=principal, request_id=request_id, at=at
        )

    # -- history -----------------------------------------------------------------------------

    def events_since(self, after_seq: int, limit: int = 1000) -> list[Recorded]:
        """Stored events after ``after_seq``, at most ``limit`` of them."""
        return list(self.store.read_events(after_seq, limit))

    async def watch(self, after_seq: int = 0) -> AsyncIterator[Recorded]:
        """Every event after ``after_seq``, in order, then each new one as it is applied;
        never skips or repeats one."""
        cursor = after_seq
        loop = asyncio.get_running_loop()
        while True:
            wake = asyncio.Event()
            self._waiters.append((loop, wake))
            try:
                batch = await asyncio.to_thread(self.events_since, cursor, 500)
                for record in batch:
                    cursor = record.seq
                    yield record
                if not batch:
                    await wake.wait()
            finally:
                self._waiters.remove((loop, wake))

    def _notify(self) -> None:
        for loop, wake in list(self._waiters):
            loop.call_soon_threadsafe(wake.set)

    # -- snapshots ---------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Save a snapshot of the current state (with its state hash) and return it."""
        with self._lock:
            snap = Snapshot(
                self.ledger.seq, canonical_state(self.ledger.state), self.ledger.state_hash()
            )
            self.store.save_snapshot(snap)
        return snap

    def close(self) -> None:
        """Close the store."""
        self.store.close()
