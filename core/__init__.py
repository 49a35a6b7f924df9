"""omnistake: a chain-agnostic restaking core.

Embed it::

    from omnistake import Ledger, ManualClock, ADMIN, Principal, Role
    from omnistake.ledger.commands import RegisterNetwork, CreateVault, Deposit

See README.md for a tour.
"""

from omnistake.clock import Clock, ManualClock, SystemClock
from omnistake.errors import OmnistakeError
from omnistake.ledger import Ledger, LedgerState, Recorded, commands, events
from omnistake.principals import ADMIN, SYSTEM, Principal, Role

__version__ = "0.1.0"

__all__ = [
    "ADMIN",
    "SYSTEM",
    "Clock",
    "Ledger",
    "LedgerState",
    "ManualClock",
    "OmnistakeError",
    "Principal",
    "Recorded",
    "Role",
    "SystemClock",
    "__version__",
    "commands",
    "events",
]
