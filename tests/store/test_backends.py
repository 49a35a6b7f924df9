"""The store contract and the service's durability on both backends (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from omnistake.clock import ManualClock
from omnistake.errors import IdempotencyConflict, InvalidArgument
from omnistake.ledger import Ledger
from omnistake.ledger.events import Deposited
from omnistake.service import LedgerService
from omnistake.store import Batch, RequestRecord, TokenRecord, open_store
from omnistake.store.errors import StoreError, StoreUnavailable, UnsupportedStoreUrl
from omnistake.store.schema import SCHEMA_REVISION, SCHEMA_VERSION
from omnistake.store.sql import SqlStore
from store_world import T0, WHO, deposit, staker, withdraw, world


def open_service(url: str, **options: object) -> LedgerService:
    return LedgerService.open(url, ManualClock(T0), **options)


def set_up(svc: LedgerService) -> None:
    for rid, command in world():
        svc.execute_sync(command, principal=WHO, request_id=rid)


def clean_replay_hash(url: str) -> str:
    store = open_store(url)
    try:
        return Ledger.from_events(store.read_events(0)).state_hash()
    finally:
        store.close()


def test_open_store_rejects_unknown_scheme() -> None:
    with pytest.raises(UnsupportedStoreUrl) as info:
        open_store("mysql://localhost/x")
    assert info.value.reason == "UNSUPPORTED_STORE_URL"


def test_schema_is_migrated_on_open(store_url: str) -> None:
    store = open_store(store_url)
    assert isinstance(store, SqlStore)
    with store.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        revision = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
    store.close()
    assert {"events", "requests", "snapshots", "api_tokens", "meta"} <= tables
    assert revision == SCHEMA_REVISION
    again = open_store(store_url)  # a second open finds it migrated
    assert isinstance(again, SqlStore) and again.schema_version() == SCHEMA_VERSION
    again.close()


def test_sqlite_is_wal_with_full_sync(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    assert isinstance(store, SqlStore)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    store.close()


def test_store_round_trips_events_requests_and_tokens(store_url: str) -> None:
    ledger = Ledger(ManualClock(T0))
    batches = []
    for i, (rid, command) in enumerate(world()):
        first = ledger.seq + 1
        records = ledger.execute(command, principal=WHO)
        request = RequestRecord(
            rid, f"h{i}", first, ledger.seq, principal=str(WHO), at=T0, command=command.to_json()
        )
        batches.append(Batch(records, request))
    store = open_store(store_url)
    assert store.acquire_writer("round-trip test")
    store.append(batches[:2])
    store.append(batches[2:])
    assert store.last_seq() == ledger.seq
    assert [r.event for r in store.read_events(0)] == [r.event for b in batches for r in b.records]
    assert [r.seq for r in store.read_events(1, 2)] == [2, 3]
    found = store.find_request("setup-vault")
    assert found is not None and found.pos == 4 and found.command == world()[3][1].to_json()
    assert [r.request_id for r in store.journal(2)] == ["setup-operator", "setup-vault"]
    assert store.journal_length() == 4
    with pytest.raises(StoreError):  # a gap in the log is refused
        store.append([Batch([batches[0].records[0]], None)])
    store.put_token(TokenRecord("ab" * 32, "admin:admin", T0, None))
    store.revoke_token("ab" * 32)
    token = store.find_token("ab" * 32)
    assert token is not None and token.revoked and token.principal == "admin:admin"
    store.close()


def test_acknowledged_commands_survive_reopen(store_url: str) -> None:
    svc = open_service(store_url)
    set_up(svc)
    for i in range(20):
        svc.execute_sync(deposit(i), principal=WHO, request_id=f"d{i}")
    expected = svc.ledger.state_hash()
    svc.close()
    again = open_service(store_url)
    assert again.ledger.state_hash() == expected == clean_replay_hash(store_url)
    assert again.ledger.seq == 24
    again.close()


def test_group_commit_shares_transactions(store_url: str) -> None:
    svc = open_service(store_url, snapshot_every=0)
    set_up(svc)
    store = svc.store
    assert isinstance(store, SqlStore)
    commits = 0

    def count(_conn: object) -> None:
        nonlocal commits
        commits += 1

    sa.event.listen(store.engine, "commit", count)
    n_threads, per_thread = 16, 15

    def worker(k: int) -> None:
        for i in range(per_thread):
            svc.execute_sync(deposit(k * 100 + i), principal=WHO, request_id=f"w{k}-{i}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    total = n_threads * per_thread
    assert svc.ledger.seq == 4 + total
    assert 0 < commits < total  # several commands per transaction
    svc.close()
    assert clean_replay_hash(store_url) == open_service(store_url).ledger.state_hash()


async def test_async_execute_and_watch(store_url: str) -> None:
    svc = open_service(store_url)
    set_up(svc)
    import asyncio

    seen: list[int] = []

    async def follow() -> None:
        async for record in svc.watch(0):
            seen.append(record.seq)
            if record.seq == 4 + 30:
                return

    watcher = asyncio.create_task(follow())
    results = await asyncio.gather(
        *(svc.execute(deposit(i), principal=WHO, request_id=f"a{i}") for i in range(30))
    )
    await asyncio.wait_for(watcher, 10)
    assert seen == list(range(1, 35))
    assert sorted(r.events[0].seq for r in results) == list(range(5, 35))
    svc.close()


def test_idempotency(store_url: str) -> None:
    svc = open_service(store_url)
    set_up(svc)
    first = svc.execute_sync(deposit(1), principal=WHO, request_id="req-1")
    again = svc.execute_sync(deposit(1), principal=WHO, request_id="req-1")
    assert again.replayed and not first.replayed
    assert again.events == first.events
    assert svc.ledger.seq == 5  # applied once
    with pytest.raises(IdempotencyConflict) as info:
        svc.execute_sync(deposit(1, amount=7), principal=WHO, request_id="req-1")
    assert info.value.reason == "IDEMPOTENCY_KEY_REUSED" and "req-1" in info.value.message
    with pytest.raises(InvalidArgument):
        svc.execute_sync(deposit(2), principal=WHO, request_id="auto-9")
    unnamed = svc.execute_sync(deposit(3), principal=WHO)
    assert unnamed.request_id is not None and unnamed.request_id.startswith("auto-")
    svc.close()
    reopened = open_service(store_url)  # the record is durable, not a cache
    after = reopened.execute_sync(deposit(1), principal=WHO, request_id="req-1")
    assert after.replayed and after.events == first.events
    with pytest.raises(IdempotencyConflict):
        reopened.execute_sync(deposit(1, amount=7), principal=WHO, request_id="req-1")
    assert reopened.ledger.seq == 6
    reopened.close()


def test_concurrent_duplicates_apply_once(store_url: str) -> None:
    svc = open_service(store_url, snapshot_every=0)
    set_up(svc)
    results = []
    lock = threading.Lock()

    def worker() -> None:
        for i in range(10):
            r = svc.execute_sync(deposit(i), principal=WHO, request_id=f"dup-{i}")
            with lock:
                results.append(r)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert svc.ledger.seq == 4 + 10
    assert sum(not r.replayed for r in results) == 10
    svc.close()


def test_failed_commit_keeps_no_unpersisted_events(sqlite_url: str) -> None:
    svc = open_service(sqlite_url, snapshot_every=0)
    set_up(svc)
    svc.execute_sync(deposit(1), principal=WHO, request_id="ok-1")
    # Another writer sneaks an event in at the next seq: the service's commit must fail.
    intruder = Ledger(ManualClock(T0))
    intruder.replay(open_store(sqlite_url).read_events(0))
    extra = intruder.execute(deposit(99, amount=5), principal=WHO)
    other = open_store(sqlite_url)
    other.append([Batch(extra, None)])
    other.close()
    with pytest.raises(StoreError):
        svc.execute_sync(deposit(2), principal=WHO, request_id="lost-2")
    # Reloaded from the store: the intruder's event is there, the failed command is not.
    assert svc.ledger.state_hash() == clean_replay_hash(sqlite_url)
    assert svc.store.find_request("lost-2") is None
    stakers = {r.event.staker for r in svc.store.read_events(0) if isinstance(r.event, Deposited)}
    assert staker(2) not in stakers and staker(99) in stakers
    # and it carries on
    svc.execute_sync(deposit(2), principal=WHO, request_id="lost-2")
    assert svc.ledger.state_hash() == clean_replay_hash(sqlite_url)
    svc.close()


def test_closed_service_refuses(sqlite_url: str) -> None:
    svc = open_service(sqlite_url)
    set_up(svc)
    svc.close()
    with pytest.raises((StoreUnavailable, StoreError)):
        svc.execute_sync(withdraw(1, 1), principal=WHO)


def test_schema_from_a_newer_release_is_refused(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    assert isinstance(store, SqlStore)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError) as info:
        open_store(sqlite_url)
    assert "9999" in info.value.message and SCHEMA_REVISION in info.value.message


def test_migrates_a_revision_0001_database(store_url: str) -> None:
    from pathlib import Path

    import omnistake.store.sql as sql_module
    from alembic import command
    from alembic.config import Config

    engine = sa.create_engine(sql_module.engine_url(store_url))
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(sql_module.__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            sa.text(
                "INSERT INTO snapshots (seq, state, state_hash, created_at) VALUES (0, :s, :h, 0)"
            ),
            {"s": b"{}", "h": "0" * 64},
        )
    engine.dispose()
    store = open_store(store_url)
    assert isinstance(store, SqlStore) and store.schema_version() == SCHEMA_VERSION
    snap = store.latest_snapshot()
    assert snap is not None and snap.format == "" and snap.state == b"{}"
    with store.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == SCHEMA_REVISION
    store.close()
