"""The ledger: commands in, events out, state changed only by events."""

from omnistake.ledger import commands, events
from omnistake.ledger.ledger import Ledger, Recorded, canonical_state, state_hash
from omnistake.ledger.state import LedgerState

__all__ = [
    "Ledger",
    "LedgerState",
    "Recorded",
    "canonical_state",
    "commands",
    "events",
    "state_hash",
]
