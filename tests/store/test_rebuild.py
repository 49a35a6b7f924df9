"""Command journal and rebuild (chain reorgs deeper than the confirmation depth)."""

from __future__ import annotations

import json

import pytest
from omnistake.clock import ManualClock
from omnistake.ledger import Ledger
from omnistake.principals import Principal, Role
from omnistake.service import LedgerService
from omnistake.store import open_store
from store_world import T0, WHO, deposit, staker, withdraw, world

STAKER_1 = Principal(Role.STAKER, staker(1))


def fresh(url: str) -> LedgerService:
    svc = LedgerService.open(url, ManualClock(T0))
    for rid, command in world():
        svc.execute_sync(command, principal=WHO, request_id=rid, at=T0)
    return svc


def test_journal_records_body_principal_at_and_ids(store_url: str) -> None:
    svc = fresh(store_url)
    svc.execute_sync(deposit(1), principal=STAKER_1, request_id="A", at=T0 + 10)
    auto = svc.execute_sync(deposit(2), principal=WHO, at=T0 + 11)
    entries = list(svc.store.journal())
    assert [e.request_id for e in entries][:5] == [rid for rid, _ in world()] + ["A"]
    a = entries[4]
    assert a.principal == str(STAKER_1) and a.at == T0 + 10
    assert json.loads(a.command)["type"] == "Deposit"
    assert entries[5].request_id == auto.request_id and auto.request_id.startswith("auto-")
    assert [e.pos for e in entries] == list(range(1, 7))
    svc.close()


def test_rebuild_without_b_equals_a_fresh_history_of_a_c_d(
    store_url: str, tmp_path: object
) -> None:
    a, b, c, d = deposit(1), deposit(2), deposit(3), deposit(4)
    svc = fresh(store_url)
    for rid, command, t in (("A", a, 10), ("B", b, 20), ("C", c, 30), ("D", d, 40)):
        svc.execute_sync(command, principal=WHO, request_id=rid, at=T0 + t)
    before = svc.ledger.state_hash()
    report = svc.rebuild(lambda rid: rid == "B")
    assert report.skipped == ["B"] and report.rejected == []
    assert report.executed == 4 + 3

    reference = LedgerService.open(f"sqlite:///{tmp_path}/ref.db", ManualClock(T0))
    for rid, command in world():
        reference.execute_sync(command, principal=WHO, request_id=rid, at=T0)
    for rid, command, t in (("A", a, 10), ("C", c, 30), ("D", d, 40)):
        reference.execute_sync(command, principal=WHO, request_id=rid, at=T0 + t)
    expected = reference.ledger.state_hash()
    reference.close()

    assert report.state_hash == expected != before
    assert svc.ledger.state_hash() == expected
    assert svc.store.find_request("B") is None
    assert [e.request_id for e in svc.store.journal()][-3:] == ["A", "C", "D"]
    # the replaced history is what the store holds and what a restart loads
    svc.execute_sync(deposit(5), principal=WHO, request_id="E", at=T0 + 50)
    after = svc.ledger.state_hash()
    svc.close()
    store = open_store(store_url)
    assert Ledger.from_events(store.read_events(0)).state_hash() == after
    store.close()
    again = LedgerService.open(store_url, ManualClock(T0))
    assert again.ledger.state_hash() == after
    again.close()


def test_rebuild_reports_commands_that_depended_on_the_excluded_one(store_url: str) -> None:
    svc = fresh(store_url)
    svc.execute_sync(deposit(1, amount=500), principal=WHO, request_id="A", at=T0 + 10)
    svc.execute_sync(deposit(2, amount=700), principal=WHO, request_id="B", at=T0 + 20)
    svc.execute_sync(deposit(3, amount=900), principal=WHO, request_id="C", at=T0 + 30)
    # D spends what B deposited
    svc.execute_sync(withdraw(2, 300), principal=WHO, request_id="D", at=T0 + 40)
    report = svc.rebuild(lambda rid: rid == "B")
    assert [(r.request_id, r.reason) for r in report.rejected] == [("D", "INSUFFICIENT_SHARES")]
    assert report.skipped == ["B"]
    expected = Ledger(ManualClock(T0))
    for _, command in world():
        expected.execute(command, principal=WHO, at=T0)
    expected.execute(deposit(1, amount=500), principal=WHO, at=T0 + 10)
    expected.execute(deposit(3, amount=900), principal=WHO, at=T0 + 30)
    assert report.state_hash == expected.state_hash() == svc.ledger.state_hash()
    assert svc.store.find_request("D") is None
    svc.close()


def test_rebuild_is_one_transaction(sqlite_url: str) -> None:
    svc = fresh(sqlite_url)
    for i in range(5):
        svc.execute_sync(deposit(i), principal=WHO, request_id=f"r{i}", at=T0 + i + 1)
    before = [r.event for r in svc.store.read_events(0)]
    boom = RuntimeError("exclude predicate failed")

    def exclude(rid: str) -> bool:
        if rid == "r3":
            raise boom
        return rid == "r1"

    with pytest.raises(RuntimeError):
        svc.rebuild(exclude)
    assert [r.event for r in svc.store.read_events(0)] == before
    assert svc.ledger.state_hash() == Ledger.from_events(before).state_hash()
    svc.close()


def test_replace_history_rolls_back_as_a_whole(store_url: str) -> None:
    from omnistake.store import Batch
    from omnistake.store.errors import StoreError

    svc = fresh(store_url)
    svc.execute_sync(deposit(1), principal=WHO, request_id="x1", at=T0 + 1)
    store = svc.store
    before = [r.event for r in store.read_events(0)]
    journal = list(store.journal())
    records = list(store.read_events(0))
    # the second batch leaves a gap: the store refuses it after having deleted the old rows
    bad = [Batch(records[:2], None), Batch(records[3:], None)]
    with pytest.raises(StoreError):
        store.replace_history(bad)
    assert [r.event for r in store.read_events(0)] == before
    assert list(store.journal()) == journal
    svc.close()
