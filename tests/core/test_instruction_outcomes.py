"""Outcomes of slash and payout instructions are part of the ledger's history."""

from __future__ import annotations

import json

import pytest
from omnistake import ADMIN, SYSTEM, Ledger, LedgerState, ManualClock, Principal, Role
from omnistake.errors import AlreadySet, InvalidArgument, Unauthorized
from omnistake.ledger import canonical_state, state_hash
from omnistake.ledger.commands import RecordInstructionOutcome


def _outcome(status: str, **overrides: str) -> RecordInstructionOutcome:
    fields: dict[str, str] = {
        "chain_id": "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
        "instruction_id": "Slashed:abc",
        "kind": "slash",
        "vault": "sol-vault",
        "status": status,
        "tx_id": "5sig",
    }
    fields.update(overrides)
    return RecordInstructionOutcome(**fields)


def test_submitted_then_executed_then_final() -> None:
    ledger = Ledger(ManualClock())
    ledger.execute(_outcome("submitted"), principal=SYSTEM)
    assert ledger.instruction_outcome("Slashed:abc")["status"] == "submitted"  # type: ignore[index]
    ledger.execute(_outcome("executed"), principal=SYSTEM)
    assert ledger.instruction_outcome("Slashed:abc") == {
        "chain_id": "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
        "kind": "slash",
        "vault": "sol-vault",
        "status": "executed",
        "tx_id": "5sig",
        "detail": "",
    }
    before = ledger.state_hash()
    with pytest.raises(AlreadySet):
        ledger.execute(_outcome("failed"), principal=SYSTEM)
    assert ledger.state_hash() == before


def test_only_system_or_admin_records() -> None:
    ledger = Ledger(ManualClock())
    with pytest.raises(Unauthorized):
        ledger.execute(_outcome("executed"), principal=Principal(Role.NETWORK, "net"))
    ledger.execute(_outcome("executed"), principal=ADMIN)
    assert ledger.instruction_outcome("missing") is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("chain_id", "not a chain"), ("kind", "refund"), ("status", "done"), ("instruction_id", "")],
)
def test_bad_input_is_rejected_with_the_field(field: str, value: str) -> None:
    ledger = Ledger(ManualClock())
    with pytest.raises(InvalidArgument) as err:
        ledger.execute(_outcome(**{"status": "executed", field: value}), principal=SYSTEM)
    assert err.value.field == field
    assert ledger.seq == 0


def test_outcomes_survive_a_snapshot_round_trip() -> None:
    ledger = Ledger(ManualClock())
    ledger.execute(_outcome("failed", detail="vault empty"), principal=SYSTEM)
    loaded = LedgerState.load(json.loads(canonical_state(ledger.state)))
    assert state_hash(loaded) == ledger.state_hash()
    assert loaded.instruction_outcomes["Slashed:abc"][3] == "failed"
