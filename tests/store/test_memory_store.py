"""The in-memory store behind the same service (what embedders and other tests use)."""

from __future__ import annotations

import threading

import pytest
from omnistake.clock import ManualClock
from omnistake.errors import IdempotencyConflict
from omnistake.ledger import Ledger
from omnistake.service import LedgerService
from omnistake.store import MemoryStore
from store_world import T0, WHO, deposit, withdraw, world


def test_memory_service_idempotency_concurrency_and_rebuild() -> None:
    store = MemoryStore()
    svc = LedgerService(store, ManualClock(T0), snapshot_every=5)
    for rid, command in world():
        svc.execute_sync(command, principal=WHO, request_id=rid, at=T0)

    def worker(k: int) -> None:
        for i in range(10):
            svc.execute_sync(deposit(k * 10 + i), principal=WHO, request_id=f"m{k}-{i}", at=T0 + 1)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert svc.ledger.seq == 44
    assert svc.execute_sync(deposit(0), principal=WHO, request_id="m0-0", at=T0 + 1).replayed
    with pytest.raises(IdempotencyConflict):
        svc.execute_sync(deposit(1), principal=WHO, request_id="m0-0", at=T0 + 1)
    assert store.latest_snapshot() is not None
    assert Ledger.from_events(store.read_events(0)).state_hash() == svc.ledger.state_hash()

    svc.execute_sync(withdraw(5, 1_000), principal=WHO, request_id="late", at=T0 + 2)
    report = svc.rebuild(lambda rid: rid == "m0-5")
    assert [(r.request_id, r.reason) for r in report.rejected] == [("late", "INSUFFICIENT_SHARES")]
    assert svc.ledger.seq == 43 and store.find_request("m0-5") is None
    assert Ledger.from_events(store.read_events(0)).state_hash() == report.state_hash
    svc.close()
