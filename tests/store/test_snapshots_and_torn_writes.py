"""Snapshots (every N events, hash-checked at start-up) and torn / corrupted records."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from omnistake.clock import ManualClock
from omnistake.ledger import Ledger
from omnistake.service import LedgerService
from omnistake.store import open_store
from omnistake.store.errors import CorruptDatabase, CorruptRecord, CorruptSnapshot
from omnistake.store.sql import SqlStore
from store_world import T0, WHO, deposit, world


def build(url: str, deposits: int, snapshot_every: int) -> str:
    svc = LedgerService.open(url, ManualClock(T0), snapshot_every=snapshot_every)
    for rid, command in world():
        svc.execute_sync(command, principal=WHO, request_id=rid)
    for i in range(deposits):
        svc.execute_sync(deposit(i), principal=WHO, request_id=f"d{i}")
    state_hash = svc.ledger.state_hash()
    svc.close()
    return state_hash


def sql(url: str, statement: str, **params: object) -> None:
    store = open_store(url)
    assert isinstance(store, SqlStore)
    with store.engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    store.close()


def test_snapshots_every_n_events_and_restart_uses_them(store_url: str) -> None:
    expected = build(store_url, 40, snapshot_every=10)
    store = open_store(store_url)
    snap = store.latest_snapshot()
    assert snap is not None and snap.seq >= 30 and snap.seq % 1 == 0
    assert Ledger.from_events(store.read_events(0)).state_hash() == expected
    store.close()
    svc = LedgerService.open(store_url, ManualClock(T0), snapshot_every=10)
    assert svc.ledger.state_hash() == expected
    svc.close()


def test_restart_checks_the_snapshot_hash(store_url: str) -> None:
    build(store_url, 12, snapshot_every=5)
    sql(store_url, "UPDATE snapshots SET state_hash = :h", h="0" * 64)
    with pytest.raises(CorruptSnapshot) as info:
        LedgerService.open(store_url, ManualClock(T0))
    assert info.value.reason == "CORRUPT_SNAPSHOT"


def test_snapshot_with_altered_state_is_caught(sqlite_url: str) -> None:
    build(sqlite_url, 12, snapshot_every=5)
    store = open_store(sqlite_url)
    assert isinstance(store, SqlStore)
    snap = store.latest_snapshot()
    assert snap is not None
    altered = snap.state.replace(b'"seq":' + str(snap.seq).encode(), b'"seq":999', 1)
    assert altered != snap.state
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE snapshots SET state = :s WHERE seq = :q"), {"s": altered, "q": snap.seq}
        )
    store.close()
    with pytest.raises(CorruptSnapshot):
        LedgerService.open(sqlite_url, ManualClock(T0))


def test_truncated_last_record_is_reported_not_applied(store_url: str) -> None:
    build(store_url, 6, snapshot_every=0)  # 10 events
    sql(store_url, "UPDATE events SET body = substr(body, 1, 40) WHERE seq = 10")
    with pytest.raises(CorruptRecord) as info:
        LedgerService.open(store_url, ManualClock(T0))
    assert info.value.seq == 10 and info.value.reason == "CORRUPT_RECORD"
    assert "event 10" in info.value.message
    store = open_store(store_url)
    good = []
    with pytest.raises(CorruptRecord):
        for record in store.read_events(0):
            good.append(record.seq)
    assert good == list(range(1, 10))  # everything before it reads fine
    store.close()


def test_corrupted_record_with_valid_json_is_caught(store_url: str) -> None:
    build(store_url, 6, snapshot_every=0)
    # same length, still JSON, different amount: only the checksum can tell
    sql(
        store_url,
        "UPDATE events SET body = replace(body, :old, :new) WHERE seq = 10",
        old='"amount":1005',
        new='"amount":9005',
    )
    with pytest.raises(CorruptRecord) as info:
        LedgerService.open(store_url, ManualClock(T0))
    assert info.value.seq == 10 and "checksum" in info.value.message


def test_missing_record_is_caught(store_url: str) -> None:
    build(store_url, 6, snapshot_every=0)
    sql(store_url, "DELETE FROM events WHERE seq = 7")
    with pytest.raises(CorruptRecord) as info:
        LedgerService.open(store_url, ManualClock(T0))
    assert info.value.seq == 7 and "missing" in info.value.message


def test_torn_sqlite_file_is_reported(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "torn.db"
    url = f"sqlite:///{path}"
    build(url, 300, snapshot_every=0)
    store = open_store(url)
    assert isinstance(store, SqlStore)
    with store.engine.connect() as conn:  # fold the WAL into the main file
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.truncate(size // 2)
    with pytest.raises(CorruptDatabase) as info:
        svc = LedgerService.open(url, ManualClock(T0))
        svc.close()
    assert info.value.reason == "CORRUPT_DATABASE"


def test_long_replay_shows_progress_and_gives_the_same_state(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import omnistake.service as service_module

    expected = build(sqlite_url, 30, snapshot_every=0)
    old = service_module.PROGRESS_THRESHOLD
    service_module.PROGRESS_THRESHOLD = 10
    try:
        svc = LedgerService.open(sqlite_url, ManualClock(T0), progress=True)
    finally:
        service_module.PROGRESS_THRESHOLD = old
    assert svc.ledger.state_hash() == expected
    svc.close()
    assert "replaying the event log" in capsys.readouterr().err


def test_snapshot_of_another_state_format_is_skipped_not_trusted(store_url: str) -> None:
    from omnistake.service import state_format

    expected = build(store_url, 12, snapshot_every=5)
    # as if written by a release with another state layout: ignored, the log is replayed
    sql(store_url, "UPDATE snapshots SET format = :f, state_hash = :h", f="0.0.0/other", h="0" * 64)
    svc = LedgerService.open(store_url, ManualClock(T0), snapshot_every=5)
    assert svc.ledger.state_hash() == expected
    snap = svc.snapshot()
    assert snap.format == state_format()
    svc.close()
    store = open_store(store_url)
    latest = store.latest_snapshot()
    assert latest is not None and latest.format == state_format()
    store.close()


def test_missing_record_at_the_end_of_a_read_is_caught(store_url: str) -> None:
    build(store_url, 8, snapshot_every=0)  # 12 events
    sql(store_url, "DELETE FROM events WHERE seq = 10")
    store = open_store(store_url)
    assert [r.seq for r in store.read_events(7, 2)] == [8, 9]
    with pytest.raises(CorruptRecord) as info:
        list(store.read_events(9, 1))  # the range holds nothing, yet the log goes on
    assert info.value.seq == 10
    with pytest.raises(CorruptRecord):
        list(store.read_events(8, 5))
    store.close()
