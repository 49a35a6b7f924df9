"""Typed records that cross the plugin boundary.

Hooks return *specs* (what a plugin offers, with a factory); adapters return chain
*records* (blocks, facts, updates, outcomes). All are frozen dataclasses of plain data, so
they compare by value, hash, and print readably in test failures.

The one idea to keep in mind: an adapter never touches the ledger. It turns what its chain
finalized into :class:`ChainFact` s, each carrying a ledger command (see
:mod:`omnistake.ledger.commands`) and the chain's timestamp for it; the core executes them
as the ``SYSTEM`` principal with ``fact_id`` as the idempotency key. That is why the core has
no chain-specific cases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from omnistake.ids import parse_chain_id
from omnistake.ledger.commands import Command

from .errors import InvalidPluginRecord

if TYPE_CHECKING:
    from .protocol import ChainAdapter, EventObserver, EvidenceVerifier, PriceSource

#: ``factory(chain_id, options)`` builds an adapter for one chain of the namespace.
AdapterFactory = Callable[[str, Mapping[str, Any]], "ChainAdapter"]

_NAMESPACE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def check_namespace(namespace: str) -> str:
    """A CAIP-2 namespace: 3-8 characters of ``[-a-z0-9]``."""
    if (
        not isinstance(namespace, str)
        or not 3 <= len(namespace) <= 8
        or not set(namespace) <= _NAMESPACE_CHARS
    ):
        raise InvalidPluginRecord(
            f"namespace must be a CAIP-2 namespace like 'eip155' (got {namespace!r})",
            field="namespace",
        )
    return namespace


# -- what hooks return -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ChainAdapterSpec:
    """A chain adapter factory for every chain of one CAIP-2 ``namespace``.

    ``factory(chain_id, options)`` returns a :class:`~omnistake.plugins.ChainAdapter` for
    ``chain_id`` (``namespace:reference``); ``options`` are adapter-specific settings (RPC
    URL, vault addresses, confirmation depth...). ``version`` is the adapter's own version.
    """

    namespace: str
    name: str
    factory: AdapterFactory
    version: str = "0"
    description: str = ""

    def __post_init__(self) -> None:
        check_namespace(self.namespace)
        if not callable(self.factory):
            raise InvalidPluginRecord("factory must be callable", field="factory")


@dataclass(frozen=True, kw_only=True)
class EvidenceVerifierSpec:
    """Verifies slashing evidence of one ``kind`` (e.g. ``eots-double-sign``) for chains of
    ``namespace``; ``factory()`` returns an :class:`~omnistake.plugins.EvidenceVerifier`."""

    kind: str
    namespace: str
    name: str
    factory: Callable[[], EvidenceVerifier]
    version: str = "0"


@dataclass(frozen=True, kw_only=True)
class PriceSourceSpec:
    """A source of integer fixed-point prices; ``factory()`` returns a
    :class:`~omnistake.plugins.PriceSource`."""

    name: str
    factory: Callable[[], PriceSource]
    version: str = "0"


@dataclass(frozen=True, kw_only=True)
class EventObserverSpec:
    """Something told about every sync event (blocks applied, rollbacks, rejected facts,
    slash and payout outcomes); ``factory()`` returns an
    :class:`~omnistake.plugins.EventObserver`."""

    name: str
    factory: Callable[[], EventObserver]
    version: str = "0"


# -- describing a chain ------------------------------------------------------------------------


class Custody(StrEnum):
    """Who holds the collateral, which decides what the adapter's facts are.

    ``MIRRORED``: contracts on the chain enforce the vault rules (Symbiotic on Ethereum); the
    adapter emits a fact for every vault event. ``SELF_CUSTODIAL``: stakers keep their coins
    in scripts they control (Babylon-style Bitcoin); the adapter emits facts for verified
    staking, unbonding and slashing transactions. ``HUB_CUSTODY``: the hub's signer holds
    vault accounts (Solana); deposits are verified on request, payouts and slashes are
    transactions the adapter sends.
    """

    MIRRORED = "mirrored"
    SELF_CUSTODIAL = "self_custodial"
    HUB_CUSTODY = "hub_custody"


#: Capability names the core and the kit understand (ccxt-style ``has`` map). Values are
#: ``True`` (native), ``False`` (cannot), ``"emulated"`` (done by the adapter off-chain) or
#: ``None`` (unknown). Adapters may add their own keys.
CAPABILITIES = (
    "follow",
    "reorgs",
    "verify_deposit",
    "execute_slash",
    "execute_payout",
    "native_slashing",
    "mirrored_vaults",
)
CapabilityValue = bool | Literal["emulated"] | None


@dataclass(frozen=True, kw_only=True)
class ChainInfo:
    """What :meth:`ChainAdapter.describe` answers."""

    chain_id: str
    name: str
    custody: Custody
    confirmation_depth: int
    native_asset: str
    capabilities: Mapping[str, CapabilityValue] = field(default_factory=dict)
    block_time_seconds: int | None = None

    def __post_init__(self) -> None:
        parse_chain_id(self.chain_id)
        if self.confirmation_depth < 0:
            raise InvalidPluginRecord("confirmation_depth must be >= 0", field="confirmation_depth")

    @property
    def namespace(self) -> str:
        """The CAIP-2 namespace (``eip155``, ``bip122``, ``solana``...)."""
        return self.chain_id.split(":", 1)[0]

    def can(self, capability: str) -> bool:
        """True when the capability is native or emulated."""
        return self.capabilities.get(capability) in (True, "emulated")


@dataclass(frozen=True, kw_only=True)
class AssetInfo:
    """A collateral type on the chain: CAIP-19 id, decimals and symbol."""

    asset_id: str
    decimals: int
    symbol: str = ""


@dataclass(frozen=True, slots=True)
class BlockRef:
    """A block: height, hash (hex) and timestamp (integer seconds)."""

    height: int
    hash: str
    timestamp: int


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a sync loop stands: the last finalized block whose facts reached the ledger,
    plus an opaque ``state`` string the adapter may use to resume (never read by the core)."""

    chain_id: str
    height: int
    block_hash: str
    state: str = ""


# -- what follow() yields ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainFact:
    """One finalized chain event as a ledger command.

    ``fact_id`` is the idempotency key (at most 128 characters) and must be derived from the
    chain fact itself (e.g. ``<chain_id>:<block_hash>:<log_index>``): following the same
    block twice yields the same ids, so a replay never applies anything twice. ``at`` is the
    chain's timestamp for it (its block's timestamp).
    """

    fact_id: str
    command: Command
    at: int

    def __post_init__(self) -> None:
        if not isinstance(self.fact_id, str) or not 1 <= len(self.fact_id) <= 128:
            raise InvalidPluginRecord("fact_id must be 1-128 characters", field="fact_id")
        if not isinstance(self.command, Command):
            raise InvalidPluginRecord(
                f"a fact carries a ledger command, not {type(self.command).__name__}",
                field="command",
            )


@dataclass(frozen=True, slots=True)
class Finalized:
    """A block became final (``confirmation_depth`` blocks on top of it): feed its facts."""

    block: BlockRef
    facts: tuple[ChainFact, ...] = ()
    cursor_state: str = ""


@dataclass(frozen=True, slots=True)
class RolledBack:
    """The chain dropped every block above ``to_block``.

    ``deep=False``: only blocks that were not final yet were dropped; none of their facts
    reached the ledger, and the core does nothing but report it. ``deep=True``: finalized
    blocks were dropped (a reorg deeper than the confirmation depth); ``orphaned_fact_ids``
    lists the facts of those blocks, and the core rebuilds its history without them.
    """

    to_block: BlockRef
    orphaned_fact_ids: tuple[str, ...] = ()
    deep: bool = False


ChainUpdate = Finalized | RolledBack


# -- deposits, slashes and payouts -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DepositClaim:
    """A staker says: "I deposited (or locked) into ``vault``, see ``reference``" (a
    transaction id); ``proof`` holds whatever else the chain needs (hex strings)."""

    vault: str
    staker: str
    reference: str
    amount: int | None = None
    proof: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class VerifiedDeposit:
    """A deposit the adapter verified: the fact to feed, and the block that holds it."""

    fact: ChainFact
    block: BlockRef
    confirmations: int


@dataclass(frozen=True, kw_only=True)
class SlashInstruction:
    """The hub decided a slash that the chain must carry out (send the slash transaction as
    the network's middleware, or complete a pre-signed slashing transaction)."""

    instruction_id: str
    vault: str
    asset_id: str
    network: str
    operator: str
    amount: int
    capture: int
    subnetwork: int = 0
    evidence: Mapping[str, str] = field(default_factory=dict)
    #: Where the slashed collateral goes: None burns it, else the redistribution account
    #: (CAIP-10), as the ledger vault's ``burner`` says.
    burner: str | None = None
    #: For mirrored vaults, what to send as the network's middleware: ``slash`` (instant
    #: slasher), ``request_slash`` or ``execute_slash`` (veto slasher, with ``request``).
    #: Hub-kept and self-custodial vaults always get ``slash``: the ledger already slashed.
    action: str = "slash"
    request: int | None = None


@dataclass(frozen=True, kw_only=True)
class PayoutInstruction:
    """The hub owes ``recipient`` ``amount`` of ``asset_id`` from a vault it keeps."""

    instruction_id: str
    vault: str
    asset_id: str
    recipient: str
    amount: int
    reason: str = "withdrawal"


class OutcomeStatus(StrEnum):
    """How an instruction ended. ``SUBMITTED``: sent, its effect will come back as a fact."""

    EXECUTED = "executed"
    SUBMITTED = "submitted"
    FAILED = "failed"


@dataclass(frozen=True, kw_only=True)
class SlashOutcome:
    """What the adapter did with a :class:`SlashInstruction`."""

    instruction_id: str
    status: OutcomeStatus
    tx_id: str = ""
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class PayoutOutcome:
    """What the adapter did with a :class:`PayoutInstruction`."""

    instruction_id: str
    status: OutcomeStatus
    tx_id: str = ""
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class SyncStatus:
    """How far the chain is (head, latest final block), as the adapter sees it; the sync
    loop adds its ``cursor`` (the last block whose facts reached the ledger)."""

    chain_id: str
    head: BlockRef | None
    finalized: BlockRef | None
    cursor: Cursor | None = None
    detail: str = ""

    @property
    def lag_blocks(self) -> int | None:
        """Finalized blocks not yet fed to the ledger (None while unknown)."""
        if self.finalized is None:
            return None
        return self.finalized.height - (self.cursor.height if self.cursor else -1)


# -- evidence and prices -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Offence:
    """Verified slashing evidence: who misbehaved, when, and the evidence's digest."""

    kind: str
    operator: str
    at: int
    digest: str
    detail: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Price:
    """``value / 10**decimals`` units of ``quote`` per unit of ``asset_id`` at ``at``."""

    asset_id: str
    quote: str
    value: int
    decimals: int
    at: int


# -- what the sync loop reports to observers ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BlockApplied:
    """A finalized block's facts reached the ledger (``replayed`` were already there)."""

    chain_id: str
    block: BlockRef
    applied: int
    replayed: int
    rejected: int


@dataclass(frozen=True, kw_only=True)
class ChainRolledBack:
    """The sync loop handled a rollback (``rebuilt``: the ledger history was rebuilt)."""

    chain_id: str
    to_block: BlockRef
    deep: bool
    orphaned: int
    rebuilt: bool


@dataclass(frozen=True, kw_only=True)
class FactRejected:
    """The ledger rejected a chain fact (typed reason)."""

    chain_id: str
    fact_id: str
    reason: str
    message: str


@dataclass(frozen=True, kw_only=True)
class InstructionDone:
    """A slash or payout instruction's outcome, as recorded by the sync loop."""

    chain_id: str
    instruction: SlashInstruction | PayoutInstruction
    outcome: SlashOutcome | PayoutOutcome


SyncEvent = BlockApplied | ChainRolledBack | FactRejected | InstructionDone
