"""The ledger behind a durable store: what the API, the CLI and chain sync loops use.

:meth:`LedgerService.execute` validates a command against the in-memory ledger, queues its
events with the request's journal record, and answers only once the batch holding them is
committed (group commit: one committer thread writes every queued command in one
transaction, so concurrent callers share one fsync). If a commit fails, the in-memory
ledger is reloaded from the store and every caller whose command was not written gets the
error: no unpersisted event survives in memory.

A repeated request id with the same body returns the first answer; with a different body it
is rejected (:class:`~omnistake.errors.IdempotencyConflict`).

On PostgreSQL several processes may open the same database: the one holding the writer
lease (an advisory lock) writes, the others follow the log and refuse writes with
:class:`~omnistake.store.errors.NotWriter`; a follower takes the lease over when the writer
goes away.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import hashlib
import json
import logging
import os
import secrets
import socket
import sys
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from omnistake.clock import Clock
from omnistake.errors import IdempotencyConflict, InvalidArgument, OmnistakeError
from omnistake.ledger.commands import Command
from omnistake.ledger.ledger import Ledger, Recorded, canonical_state
from omnistake.ledger.state import LedgerState
from omnistake.principals import Principal
from omnistake.store.base import Batch, RequestRecord, Snapshot, Store
from omnistake.store.errors import CorruptSnapshot, NotWriter, StoreUnavailable

log = logging.getLogger(__name__)

#: Default number of events between automatic snapshots.
SNAPSHOT_EVERY = 10_000
#: Replays longer than this many events show a progress bar (on a terminal).
PROGRESS_THRESHOLD = 50_000
#: Committed request ids remembered in memory (closes the race between the store look-up
#: and the in-flight check of a duplicate request).
RECENT_REQUESTS = 65_536


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The answer to a command: its events, and whether this is a stored earlier answer.
    ``request_id`` is the caller's id, or the generated ``auto-...`` one."""

    events: list[Recorded]
    request_id: str | None = None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class RejectedRequest:
    """A journaled request that a rebuild re-executed and the ledger now rejects."""

    request_id: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class RebuildReport:
    """What :meth:`LedgerService.rebuild` did."""

    state_hash: str
    executed: int
    events: int
    skipped: list[str] = field(default_factory=list)
    rejected: list[RejectedRequest] = field(default_factory=list)


def request_hash(command: Command, principal: Principal) -> str:
    """Hash of what makes two requests "the same": the command body and who sent it."""
    return hashlib.sha256(f"{principal}\n{command.to_json()}".encode()).hexdigest()


@dataclass(slots=True)
class _Pending:
    """A decided command waiting for its batch to be committed."""

    batch: Batch
    request_id: str
    future: concurrent.futures.Future[CommandResult]


class LedgerService:
    """A :class:`Ledger` whose every accepted command is durable before it is answered.

    ``snapshot_every``: events between automatic snapshots (0 disables them).
    ``follow_interval``: seconds between log polls of a follower. ``takeover``: whether a
    follower takes the writer lease when it becomes free. ``progress``: show a progress bar
    on long replays (default: when stderr is a terminal).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        *,
        snapshot_every: int = SNAPSHOT_EVERY,
        follow_interval: float = 0.2,
        takeover: bool = True,
        progress: bool | None = None,
        identity: str | None = None,
    ) -> None:
        self.store = store
        self.ledger = Ledger(clock)
        self.snapshot_every = snapshot_every
        self.follow_interval = follow_interval
        self.takeover = takeover
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.identity = identity or (
            f"{socket.gethostname()} pid {os.getpid()} ({secrets.token_hex(3)})"
        )
        self._mu = threading.RLock()  # the ledger, the queue, the in-flight requests
        self._cv = threading.Condition(self._mu)
        self._commit_mu = threading.Lock()  # one writer of the store at a time
        self._queue: list[_Pending] = []
        self._inflight: dict[str, _Pending] = {}
        self._recent: OrderedDict[str, RequestRecord] = OrderedDict()
        self._journal_pos = 0
        self._snapshot_seq = 0
        self._history_id: str | None = None
        self._closed = threading.Event()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._thread: threading.Thread | None = None
        self.is_writer = store.acquire_writer(self.identity)
        self._recover()
        if self.is_writer:
            self._start(self._commit_loop, "omnistake-committer")
        else:
            self._start(self._follow_loop, "omnistake-follower")

    @classmethod
    def open(cls, url: str, clock: Clock | None = None, **options: object) -> LedgerService:
        """A service over the store at ``url`` (see :func:`omnistake.store.open_store`);
        ``options`` are the keyword arguments of the constructor."""
        from omnistake.store import open_store

        store = open_store(url)
        try:
            return cls(store, clock, **options)  # type: ignore[arg-type]
        except BaseException:
            store.close()
            raise

    def _start(self, target: Callable[[], None], name: str) -> None:
        self._thread = threading.Thread(target=target, name=name, daemon=True)
        self._thread.start()

    # -- start-up ----------------------------------------------------------------------------

    def _recover(self) -> None:
        """Load the latest snapshot (checking its state hash), then replay the rest."""
        history_id = self.store.history_id()
        state = load_state(self.store, progress=self.progress)
        with self._mu:
            self._history_id = history_id
            self.ledger.state = state
            snapshot = self.store.latest_snapshot()
            usable = snapshot is not None and snapshot.format in ("", state_format())
            self._snapshot_seq = snapshot.seq if snapshot is not None and usable else 0
            self._journal_pos = self.store.journal_length()

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
        outcome = self._prepare(command, principal, request_id, at)
        if isinstance(outcome, CommandResult):
            return outcome
        pending, replayed = outcome
        result = pending.future.result()
        return replace(result, replayed=True) if replayed else result

    async def execute(
        self,
        command: Command,
        *,
        principal: Principal,
        request_id: str | None = None,
        at: int | None = None,
    ) -> CommandResult:
        """Validate, persist, apply, without blocking the event loop."""
        outcome = await asyncio.to_thread(self._prepare, command, principal, request_id, at)
        if isinstance(outcome, CommandResult):
            return outcome
        pending, replayed = outcome
        result = await asyncio.wrap_future(pending.future)
        return replace(result, replayed=True) if replayed else result

    def _prepare(
        self, command: Command, principal: Principal, request_id: str | None, at: int | None
    ) -> CommandResult | tuple[_Pending, bool]:
        """Decide ``command`` and queue it (or find the earlier answer to its request id)."""
        if request_id is not None and (
            not isinstance(request_id, str) or not request_id or len(request_id) > 128
        ):
            raise InvalidArgument("request_id must be 1-128 characters", field="request_id")
        if not self.is_writer:
            raise NotWriter(self.store.writer())
        body = request_hash(command, principal)
        if request_id is not None:
            earlier = self.store.find_request(request_id)
            if earlier is not None:
                return self._replayed(earlier, body)
            if request_id.startswith("auto-"):
                raise InvalidArgument(
                    "request ids starting with 'auto-' are generated by the service",
                    field="request_id",
                )
        with self._mu:
            if self._closed.is_set():
                raise StoreUnavailable("the ledger service is closed")
            if request_id is not None:
                inflight = self._inflight.get(request_id)
                if inflight is not None:
                    if inflight.batch.request is not None and (
                        inflight.batch.request.request_hash != body
                    ):
                        raise _conflict(request_id)
                    return inflight, True
                recent = self._recent.get(request_id)
                if recent is not None:
                    return self._replayed(recent, body)
            when = self.ledger.clock.now() if at is None else at
            decided = self.ledger.decide(command, principal=principal, at=when)
            first = self.ledger.seq + 1
            records = [self.ledger.apply(event) for event in decided]
            self._journal_pos += 1
            rid = request_id or f"auto-{first}-{secrets.token_hex(4)}"
            request = RequestRecord(
                rid,
                body,
                first,
                first + len(records) - 1,
                principal=str(principal),
                at=when,
                command=command.to_json(),
                pos=self._journal_pos,
            )
            pending = _Pending(Batch(records, request), rid, concurrent.futures.Future())
            self._inflight[rid] = pending
            self._queue.append(pending)
            self._cv.notify()
        return pending, False

    def _replayed(self, earlier: RequestRecord, body: str) -> CommandResult:
        if earlier.request_hash != body:
            raise _conflict(earlier.request_id)
        count = earlier.last_seq - earlier.first_seq + 1
        events = list(self.store.read_events(earlier.first_seq - 1, count)) if count else []
        return CommandResult(events, earlier.request_id, replayed=True)

    # -- group commit ------------------------------------------------------------------------

    def _commit_loop(self) -> None:
        while True:
            with self._cv:
                while not self._queue and not self._closed.is_set():
                    self._cv.wait()
                if not self._queue and self._closed.is_set():
                    return
            with self._commit_mu:
                with self._mu:
                    batch, self._queue = self._queue, []
                if batch:
                    self._commit(batch)
            if not self.is_writer:  # the lease was lost: follow the new writer
                log.warning("lost the writer lease; following the log as %s", self.identity)
                self._follow_loop()
                return
            if self.snapshot_every and self._due_snapshot():
                try:
                    self.snapshot()
                except OmnistakeError as exc:
                    log.warning("automatic snapshot failed: %s", exc)

    def _commit(self, batch: list[_Pending]) -> None:
        """Write ``batch`` in one transaction and answer its callers (caller holds
        ``_commit_mu``)."""
        try:
            self.store.append([p.batch for p in batch])
        except BaseException as exc:
            self._fail(batch, exc)
            return
        with self._mu:
            for p in batch:
                self._inflight.pop(p.request_id, None)
                if p.batch.request is not None:
                    self._recent[p.request_id] = p.batch.request
            while len(self._recent) > RECENT_REQUESTS:
                self._recent.popitem(last=False)
        for p in batch:
            p.future.set_result(CommandResult(p.batch.records, p.request_id))
        self._notify()

    def _fail(self, batch: list[_Pending], exc: BaseException) -> None:
        """A commit failed: drop the unpersisted events (reload from the store) and fail
        every caller of this batch and of the queue decided on top of it."""
        with self._mu:
            failed, self._queue = batch + self._queue, []
            self._inflight.clear()
            if isinstance(exc, NotWriter) or not getattr(self.store, "is_writer", True):
                self.is_writer = False
            try:
                self._recover()
            except BaseException as reload_exc:  # the store is gone: refuse everything
                log.error("reloading the ledger after a failed commit failed: %s", reload_exc)
                self._closed.set()
        error = (
            exc
            if isinstance(exc, OmnistakeError)
            else StoreUnavailable(f"the commit failed, nothing was acknowledged: {exc}")
        )
        log.warning("commit of %d command(s) failed: %s", len(failed), error)
        for p in failed:
            p.future.set_exception(error)

    def _due_snapshot(self) -> bool:
        return self.ledger.seq - self._snapshot_seq >= self.snapshot_every

    def _flush_locked(self) -> None:
        """Commit the queue now (caller holds ``_commit_mu`` and ``_mu``)."""
        batch, self._queue = self._queue, []
        if batch:
            self._commit(batch)

    # -- followers ---------------------------------------------------------------------------

    def _follow_loop(self) -> None:
        while not self._closed.wait(self.follow_interval):
            try:
                if self.takeover and self.store.acquire_writer(self.identity):
                    self._catch_up()
                    with self._mu:
                        self._journal_pos = self.store.journal_length()
                        self.is_writer = True
                    log.info("took the writer lease as %s", self.identity)
                    self._commit_loop()
                    return
                self._catch_up()
            except Exception as exc:  # keep following: the next poll retries
                log.warning(
                    "following the log failed: %s",
                    exc,
                    exc_info=not isinstance(exc, OmnistakeError),
                )

    def _catch_up(self) -> None:
        """Apply the events other processes appended since the last poll (or reload, when
        the writer rebuilt the history)."""
        applied = False
        while True:
            if self.store.history_id() != self._history_id:
                self._recover()
                applied = True
                break
            new = list(self.store.read_events(self.ledger.seq, 5_000))
            if not new:
                break
            if self.store.history_id() != self._history_id:
                continue  # rebuilt while we read: reload instead
            with self._mu:
                for record in new:
                    if record.seq == self.ledger.seq + 1:
                        self.ledger.apply(record.event, record.seq)
                        applied = True
        if applied:
            self._notify()

    # -- history -----------------------------------------------------------------------------

    def reading(self) -> contextlib.AbstractContextManager[object]:
        """Hold while reading ``self.ledger`` from another thread: a command being applied is
        never seen half-done. (Commands hold it only while they apply, never across I/O.)"""
        return self._mu

    def events_since(self, after_seq: int, limit: int = 1000) -> list[Recorded]:
        """Stored (durable) events after ``after_seq``, at most ``limit`` of them."""
        return list(self.store.read_events(after_seq, limit))

    async def watch(self, after_seq: int = 0) -> AsyncIterator[Recorded]:
        """Every event after ``after_seq``, in order, then each new one as it is committed;
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
            if not loop.is_closed():
                loop.call_soon_threadsafe(wake.set)

    # -- snapshots ---------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Commit what is queued, save a snapshot of the current state (with its state hash)
        and return it."""
        with self._commit_mu:
            with self._mu:
                self._flush_locked()
                data = canonical_state(self.ledger.state)
                seq = self.ledger.seq
            snap = Snapshot(seq, data, hashlib.sha256(data).hexdigest(), state_format())
            self.store.save_snapshot(snap)
            self._snapshot_seq = seq
        return snap

    # -- rebuild -----------------------------------------------------------------------------

    def rebuild(self, exclude: Callable[[str], bool]) -> RebuildReport:
        """Re-execute the journal in order (same principal and ``at``), skipping requests
        whose id ``exclude`` accepts, into a fresh history that atomically replaces the old
        one. Re-executed commands that the ledger now rejects are dropped and reported."""
        if not self.is_writer:
            raise NotWriter(self.store.writer())
        with self._commit_mu, self._mu:
            self._flush_locked()
            fresh = Ledger(self.ledger.clock)
            batches: list[Batch] = []
            skipped: list[str] = []
            rejected: list[RejectedRequest] = []
            for entry in list(self.store.journal()):
                if exclude(entry.request_id):
                    skipped.append(entry.request_id)
                    continue
                command = Command.from_json(entry.command)
                try:
                    decided = fresh.decide(
                        command, principal=Principal.parse(entry.principal), at=entry.at
                    )
                except OmnistakeError as exc:
                    rejected.append(RejectedRequest(entry.request_id, exc.reason, exc.message))
                    continue
                first = fresh.seq + 1
                records = [fresh.apply(event) for event in decided]
                request = replace(entry, first_seq=first, last_seq=fresh.seq, pos=len(batches) + 1)
                batches.append(Batch(records, request))
            self.store.replace_history(batches)
            self._history_id = self.store.history_id()
            self.ledger.state = fresh.state
            self._journal_pos = len(batches)
            self._recent.clear()
            self._snapshot_seq = 0
            report = RebuildReport(
                state_hash=fresh.state_hash(),
                executed=len(batches),
                events=fresh.seq,
                skipped=skipped,
                rejected=rejected,
            )
        self._notify()
        return report

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Commit what is queued, stop the committer (or follower) and close the store."""
        with self._cv:
            self._closed.set()
            self._cv.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)
        self.store.close()

    def __enter__(self) -> LedgerService:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _conflict(request_id: str) -> IdempotencyConflict:
    return IdempotencyConflict(
        f"request id {request_id!r} was used before for a different command",
        field="request_id",
    )


@functools.cache
def state_format() -> str:
    """Names the state layout of this code: the release and a fingerprint of the modules
    that define the state's canonical form (and of an empty state in it). A snapshot written
    by code with another layout is not an error, only useless: start-up then replays the
    whole log instead."""
    from omnistake import __version__, checkpoints
    from omnistake.ledger import state as state_module

    digest = hashlib.sha256(canonical_state(LedgerState()))
    for module in (state_module, checkpoints):
        with contextlib.suppress(OSError, TypeError):
            digest.update(Path(str(module.__file__)).read_bytes())
    return f"{__version__}/{digest.hexdigest()[:16]}"


def load_state(store: Store, *, progress: bool = False, use_snapshot: bool = True) -> LedgerState:
    """The state a store's history gives: the latest snapshot (its recorded state hash
    checked) plus the events after it, or a replay from nothing (``use_snapshot=False``, or
    a snapshot written by code with another state layout)."""
    ledger = Ledger()
    snapshot = store.latest_snapshot() if use_snapshot else None
    if snapshot is not None and snapshot.format and snapshot.format != state_format():
        log.warning(
            "snapshot at event %d has state format %s, this code writes %s: replaying the log",
            snapshot.seq,
            snapshot.format,
            state_format(),
        )
        snapshot = None
    if snapshot is not None:
        try:
            ledger.state = LedgerState.load(json.loads(snapshot.state))
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptSnapshot(
                f"snapshot at event {snapshot.seq} does not load: {exc}"
            ) from None
        if ledger.state_hash() != snapshot.state_hash:
            raise CorruptSnapshot(
                f"snapshot at event {snapshot.seq} does not match its recorded state hash"
            )
    todo = store.last_seq() - ledger.seq
    ledger.replay(_with_progress(store.read_events(ledger.seq), todo, progress))
    return ledger.state


def _with_progress(events: Iterator[Recorded], total: int, show: bool) -> Iterable[Recorded]:
    if not show or total < PROGRESS_THRESHOLD:
        return events
    from rich.console import Console
    from rich.progress import Progress

    def run() -> Iterator[Recorded]:
        console = Console(stderr=True)
        with Progress(console=console, transient=console.is_terminal) as bar:
            task = bar.add_task("replaying the event log", total=total)
            for i, record in enumerate(events, 1):
                yield record
                if i % 1000 == 0 or i == total:
                    bar.update(task, completed=i)

    return run()


# Kept importable from here (it used to live in this module).
__all__ = [
    "CommandResult",
    "CorruptSnapshot",
    "LedgerService",
    "RebuildReport",
    "RejectedRequest",
    "load_state",
    "request_hash",
    "state_format",
]
