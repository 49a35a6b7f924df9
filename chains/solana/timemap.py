"""Solana time into ledger time.

The ledger counts integer seconds and vault epochs of a fixed number of seconds, the same on
every chain. Solana counts slots (~400 ms) and Solana epochs (432,000 slots); the Clock
sysvar and ``blockTime`` give each slot a unix timestamp in whole seconds (stake-weighted, so
not exactly ``slot * 0.4``). This module anchors slots to those timestamps:

* :meth:`SolanaTimeMap.observe` records ``(slot, unix_timestamp)`` anchors (from the Clock or
  a transaction's ``block_time``); ledger time never goes backwards, so a timestamp lower
  than an earlier anchor's is clamped up to it;
* :meth:`SolanaTimeMap.ledger_time` gives any slot at or after the first anchor a time:
  exact at anchors, else extrapolated from the nearest lower anchor at ``slot_ms`` per slot
  and never past the next anchor;
* :class:`VaultEpochs` maps ledger seconds to vault epochs, so a vault epoch is the same
  wall-clock span here as on Ethereum or Bitcoin, whatever the Solana epoch length.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .backend import SvmBackend
from .errors import TimeMapError


class SolanaTimeMap:
    """Slot -> ledger-time anchors, monotone in both slot and time."""

    def __init__(self, *, slot_ms: int = 400) -> None:
        self.slot_ms = slot_ms
        self._slots: list[int] = []
        self._times: list[int] = []

    def observe(self, slot: int, unix_timestamp: int) -> int:
        """Record an anchor; returns the ledger time given to ``slot``."""
        i = bisect.bisect_left(self._slots, slot)
        if i < len(self._slots) and self._slots[i] == slot:
            return self._times[i]
        t = unix_timestamp
        if i > 0:
            t = max(t, self._times[i - 1])
        if i < len(self._slots):
            t = min(t, self._times[i])
        self._slots.insert(i, slot)
        self._times.insert(i, t)
        return t

    async def sync(self, backend: SvmBackend) -> int:
        """Anchor the backend's current Clock; returns its ledger time."""
        clock = await backend.get_clock()
        return self.observe(clock.slot, clock.unix_timestamp)

    def ledger_time(self, slot: int) -> int:
        """Ledger time (integer seconds) of ``slot``."""
        i = bisect.bisect_right(self._slots, slot) - 1
        if i < 0:
            raise TimeMapError(f"slot {slot} is before the first anchor; observe one first")
        t = self._times[i] + (slot - self._slots[i]) * self.slot_ms // 1000
        if i + 1 < len(self._slots):
            t = min(t, self._times[i + 1])
        return t

    def first_slot_at_or_after(self, t: int) -> int:
        """The first slot whose ledger time is ``>= t`` (ledger_time is monotone: bisect)."""
        if not self._slots:
            raise TimeMapError("no anchors observed")
        lo = self._slots[0]
        hi = self._slots[-1]
        if t > self._times[-1]:
            hi += -(-(t - self._times[-1]) * 1000 // self.slot_ms) + 1
        if self.ledger_time(hi) < t:
            raise TimeMapError(f"time {t} is beyond what the anchors can place")
        while lo < hi:
            mid = (lo + hi) // 2
            if self.ledger_time(mid) >= t:
                hi = mid
            else:
                lo = mid + 1
        return lo


@dataclass(frozen=True, slots=True)
class VaultEpochs:
    """Vault epochs of ``duration`` seconds starting at ledger time ``start``."""

    start: int
    duration: int

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise TimeMapError(f"epoch duration must be positive, got {self.duration}")

    def epoch_at(self, t: int) -> int:
        """The vault epoch containing ledger time ``t``."""
        if t < self.start:
            raise TimeMapError(f"time {t} is before the vault's first epoch at {self.start}")
        return (t - self.start) // self.duration

    def epoch_start(self, epoch: int) -> int:
        """Ledger time at which ``epoch`` begins."""
        return self.start + epoch * self.duration

    def epoch_of_slot(self, time_map: SolanaTimeMap, slot: int) -> int:
        """The vault epoch of a Solana slot."""
        return self.epoch_at(time_map.ledger_time(slot))
