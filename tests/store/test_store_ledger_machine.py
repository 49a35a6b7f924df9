"""The ledger's own stateful test (tests/core/test_ledger_stateful.py: every command type,
every invariant), run through a durable LedgerService on SQLite and on PostgreSQL. Each
example also reopens its store at the end: the restarted service (snapshot + replay) must
have exactly the state the running one had."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from omnistake.clock import ManualClock
from omnistake.ledger import Ledger, Recorded
from omnistake.ledger.commands import Command
from omnistake.principals import Principal
from omnistake.service import LedgerService

# The machine lives with the ledger's tests; import it as a module (not its TestCase name,
# which pytest would collect here a second time).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "core"))
import test_ledger_stateful as ledger_machine

SETTINGS = settings(
    max_examples=6,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class ServiceLedger:
    """A Ledger look-alike whose commands go through a durable LedgerService (persisted
    before they are applied); queries read the service's in-memory ledger."""

    def __init__(self, service: LedgerService) -> None:
        self.service = service

    def execute(
        self, command: Command, *, principal: Principal, at: int | None = None
    ) -> list[Recorded]:
        return self.service.execute_sync(command, principal=principal, at=at).events

    def __getattr__(self, name: str) -> Any:
        return getattr(self.service.ledger, name)


def machine_on(new_url: Callable[[], str]) -> type[ledger_machine.LedgerMachine]:
    class DurableLedgerMachine(ledger_machine.LedgerMachine):
        def __init__(self) -> None:
            self.url = new_url()
            super().__init__()

        def make_ledger(self, clock: ManualClock) -> Ledger:  # type: ignore[override]
            self.service = LedgerService.open(self.url, clock, snapshot_every=50)
            return ServiceLedger(self.service)  # type: ignore[return-value]

        def teardown(self) -> None:
            want = self.service.ledger.state_hash()
            seq = self.service.ledger.seq
            self.service.close()
            reopened = LedgerService.open(self.url, ManualClock(self.now))
            try:
                assert reopened.ledger.seq == seq
                assert reopened.ledger.state_hash() == want
            finally:
                reopened.close()

    return DurableLedgerMachine


def test_ledger_machine_on_sqlite(tmp_path: Path) -> None:
    def new_url() -> str:
        return f"sqlite:///{tempfile.mkdtemp(dir=tmp_path)}/ledger.db"

    run_state_machine_as_test(machine_on(new_url), settings=SETTINGS)


@pytest.mark.postgres
def test_ledger_machine_on_postgresql(pg_server: Any) -> None:
    run_state_machine_as_test(machine_on(pg_server.new_database), settings=SETTINGS)
