"""A stateful test over LedgerService on both backends: random deposits, withdrawals,
retries (same and different body), clock moves, snapshots and restarts (reopen the store).
The service must always agree with an in-memory model ledger fed the same commands, and
after a restart with a clean replay of its log."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from omnistake.clock import ManualClock
from omnistake.errors import IdempotencyConflict, OmnistakeError
from omnistake.ledger import Ledger
from omnistake.ledger.commands import Command
from omnistake.service import LedgerService
from omnistake.store import open_store
from store_world import T0, WHO, deposit, withdraw, world

SETTINGS = settings(
    max_examples=10,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def machine_for(new_url: Callable[[], str]) -> type[RuleBasedStateMachine]:
    class ServiceMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.url = new_url()
            self.clock = ManualClock(T0)
            self.svc = LedgerService.open(self.url, self.clock, snapshot_every=7)
            self.model = Ledger(ManualClock(T0))
            self.sent: dict[str, tuple[Command, list[object]]] = {}
            for rid, command in world():
                self.run(rid, command)

        def run(self, rid: str, command: Command) -> None:
            at = self.clock.now()
            try:
                expected = self.model.execute(command, principal=WHO, at=at)
            except OmnistakeError as model_error:
                try:
                    self.svc.execute_sync(command, principal=WHO, request_id=rid, at=at)
                except OmnistakeError as error:
                    assert error.reason == model_error.reason
                else:
                    raise AssertionError(f"service accepted what the model rejects: {command}")
                return
            result = self.svc.execute_sync(command, principal=WHO, request_id=rid, at=at)
            assert not result.replayed
            assert result.events == expected
            self.sent[rid] = (command, list(result.events))

        @rule(who=st.integers(0, 4), amount=st.integers(1, 10**9))
        def deposit(self, who: int, amount: int) -> None:
            self.run(f"r{len(self.sent)}-{self.clock.now()}", deposit(who, amount))

        @rule(who=st.integers(0, 4), amount=st.integers(1, 10**9))
        def withdraw(self, who: int, amount: int) -> None:
            self.run(f"w{len(self.sent)}-{self.clock.now()}", withdraw(who, amount))

        @rule(data=st.data())
        def retry_same(self, data: st.DataObject) -> None:
            if not self.sent:
                return
            rid = data.draw(st.sampled_from(sorted(self.sent)))
            command, events = self.sent[rid]
            result = self.svc.execute_sync(command, principal=WHO, request_id=rid)
            assert result.replayed and result.events == events

        @rule(data=st.data())
        def retry_different(self, data: st.DataObject) -> None:
            if not self.sent:
                return
            rid = data.draw(st.sampled_from(sorted(self.sent)))
            try:
                self.svc.execute_sync(deposit(9, 1), principal=WHO, request_id=rid)
            except IdempotencyConflict:
                return
            raise AssertionError("a reused request id with another body was accepted")

        @rule(seconds=st.integers(1, 10 * 86400))
        def advance(self, seconds: int) -> None:
            self.clock.advance(seconds)

        @rule()
        def snapshot(self) -> None:
            snap = self.svc.snapshot()
            assert snap.state_hash == self.model.state_hash()

        @rule()
        def restart(self) -> None:
            self.svc.close()
            self.svc = LedgerService.open(self.url, self.clock, snapshot_every=7)
            store = open_store(self.url)
            replayed = Ledger.from_events(store.read_events(0)).state_hash()
            store.close()
            assert self.svc.ledger.state_hash() == replayed

        @invariant()
        def agrees_with_the_model(self) -> None:
            assert self.svc.ledger.state_hash() == self.model.state_hash()

        def teardown(self) -> None:
            self.svc.close()

    return ServiceMachine


def test_stateful_sqlite(tmp_path: Path) -> None:
    def new_url() -> str:
        return f"sqlite:///{tempfile.mkdtemp(dir=tmp_path)}/ledger.db"

    run_state_machine_as_test(machine_for(new_url), settings=SETTINGS)


@pytest.mark.postgres
def test_stateful_postgresql(pg_server: object) -> None:
    run_state_machine_as_test(machine_for(pg_server.new_database), settings=SETTINGS)  # type: ignore[attr-defined]  # type: ignore[attr-defined]
