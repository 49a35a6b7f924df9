"""The one interface every chain adapter implements: the adapter author's reference.

An adapter is an asyncio object built by a :class:`~omnistake.plugins.ChainAdapterSpec`
factory for one chain (``factory(chain_id, options)``). It never writes to the ledger: it
describes its chain, follows it and turns finalized chain events into
:class:`~omnistake.plugins.ChainFact` s (ledger commands at chain timestamps), and carries out
the slashes and payouts the hub decides. The core's sync loop
(:class:`~omnistake.plugins.ChainSync`) does the rest.

Three custody models fit the same methods (see :class:`~omnistake.plugins.Custody`):

============== ================================ ================= =======================
custody        ``follow`` emits facts for        ``verify_deposit`` slash / payout
============== ================================ ================= =======================
mirrored       every vault event (deposits,     unsupported        send the middleware's
(Ethereum)     withdrawals, claims, slashes)                       slash tx; no payouts
self-custodial verified staking, unbonding and  checks a staking   complete the pre-signed
(Bitcoin)      slashing transactions            tx + inclusion     slashing tx
hub custody    transfers into vault accounts    checks a transfer  sign and send transfers
(Solana)       (or nothing: deposits on demand)
============== ================================ ================= =======================

Say which methods do real work in ``ChainInfo.capabilities``; a method the chain cannot do
raises :class:`~omnistake.plugins.Unsupported`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from .records import (
    AssetInfo,
    ChainInfo,
    ChainUpdate,
    Cursor,
    DepositClaim,
    Offence,
    PayoutInstruction,
    PayoutOutcome,
    Price,
    SlashInstruction,
    SlashOutcome,
    SyncEvent,
    SyncStatus,
    VerifiedDeposit,
)


@runtime_checkable
class ChainAdapter(Protocol):
    """A chain, as the core sees it. Every method is a coroutine except :meth:`follow`,
    which returns an async iterator."""

    async def describe(self) -> ChainInfo:
        """The chain's id, custody model, confirmation depth, native asset and
        capabilities. Cheap and stable: the core may call it often."""
        ...

    async def list_assets(self) -> Sequence[AssetInfo]:
        """Collateral types this adapter can follow on its chain (CAIP-19 ids on
        ``describe().chain_id``). The sync loop registers them in the ledger."""
        ...

    def follow(self, cursor: Cursor | None) -> AsyncIterator[ChainUpdate]:
        """Follow the chain from ``cursor`` (None: from the adapter's start block), forever.

        Yield :class:`~omnistake.plugins.Finalized` for each block, in height order with no
        gaps, once it has ``confirmation_depth`` blocks on top of it; never yield a block
        that is not final. Its facts are the ledger commands that block's events mean, with
        ids derived from the chain (same block, same ids) and ``at`` = the block timestamp.

        When the chain reorganises, yield :class:`~omnistake.plugins.RolledBack` to the
        common ancestor: ``deep=False`` when only unfinalized blocks were dropped;
        ``deep=True`` when blocks already yielded as final were dropped, with their fact
        ids. If ``cursor`` itself is no longer on the canonical chain, begin with a deep
        ``RolledBack``. After catching up, wait for new blocks (the caller cancels).
        """
        ...

    async def verify_deposit(self, claim: DepositClaim) -> VerifiedDeposit:
        """Check a claimed deposit or lock on chain (transaction, inclusion, enough
        confirmations, amount, destination) and return the fact to feed. Raise
        :class:`~omnistake.plugins.DepositRejected` with the reason when it does not hold,
        :class:`~omnistake.plugins.Unsupported` when deposits only arrive through
        :meth:`follow` (mirrored chains)."""
        ...

    async def execute_slash(self, instruction: SlashInstruction) -> SlashOutcome:
        """Carry out a slash the hub decided. Must be idempotent per ``instruction_id``
        (the core may hand the same instruction again after a crash). A mirrored chain
        sends the transaction and answers ``SUBMITTED``: the slash comes back as a fact."""
        ...

    async def execute_payout(self, instruction: PayoutInstruction) -> PayoutOutcome:
        """Pay a withdrawal (or reward) out of a vault the hub keeps. Idempotent per
        ``instruction_id``."""
        ...

    async def sync_status(self) -> SyncStatus:
        """The chain's head and latest final block as the adapter sees them now."""
        ...

    async def close(self) -> None:
        """Release connections and tasks. Calling it twice is harmless."""
        ...


@runtime_checkable
class EvidenceVerifier(Protocol):
    """Checks slashing evidence (e.g. an EOTS double-sign) and names the offender."""

    async def verify(self, evidence: bytes) -> Offence:
        """Return the verified offence, or raise a typed error naming why it is not one."""
        ...


@runtime_checkable
class PriceSource(Protocol):
    """Integer fixed-point prices (never floats)."""

    async def price(self, asset_id: str, quote: str, at: int) -> Price:
        """The price of ``asset_id`` in ``quote`` at (or just before) ``at``."""
        ...


@runtime_checkable
class EventObserver(Protocol):
    """Told about every sync event. Exceptions it raises are logged, never fatal."""

    async def notify(self, event: SyncEvent) -> None:
        """Handle one event."""
        ...
