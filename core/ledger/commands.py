"""Commands: what callers ask the ledger to do. A command is validated against state and
either rejected with a typed error (changing nothing) or turned into events.

Every command is a frozen, keyword-only dataclass of plain data. Amounts are ints in the
asset's base units; ids are strings (CAIP-19 assets, CAIP-10 staker accounts, hub ids for
vaults, networks and operators); ``subnetwork`` is the uint96 identifier within a network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from omnistake.ledger.records import Record


class Command(Record):
    """Base of all commands."""

    _registry: ClassVar[dict[str, type[Record]]] = {}


# -- registry -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterAsset(Command):
    """Make a collateral type known: a CAIP-19 id and its decimals."""

    asset_id: str
    decimals: int
    symbol: str = ""


@dataclass(frozen=True, kw_only=True)
class RegisterNetwork(Command):
    """Register a network (a service buying security). ``max_slash_wad`` optionally caps any
    single slash at that fraction of the slashed stake (100 % = 100e18, Karak-style)."""

    network: str
    name: str = ""
    max_slash_wad: int | None = None


@dataclass(frozen=True, kw_only=True)
class RegisterOperator(Command):
    """Register an operator, with its key per chain namespace (``eip155``: EVM address,
    ``bip122``: x-only public key, ``solana``: pubkey)."""

    operator: str
    keys: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class SetOperatorKey(Command):
    """Set or replace an operator's key for one chain namespace."""

    operator: str
    namespace: str
    key: str


# -- vaults ----------------------------------------------------------------------------------

DELEGATOR_TYPES = (
    "network_restake",
    "full_restake",
    "operator_specific",
    "operator_network_specific",
)
SLASHER_TYPES = ("none", "instant", "veto")


@dataclass(frozen=True, kw_only=True)
class CreateVault(Command):
    """Create a vault for one asset, with its delegator and slasher policies.

    ``delegator_operator`` is required by the operator-specific policies and
    ``delegator_network`` by operator-network-specific. ``burner`` is the account slashed
    collateral is redistributed to, or None to burn it. ``deposit_limit`` None means none.
    ``domain`` is the vault's clock: ``hub`` for hub-kept vaults, or the CAIP-2 chain id of
    the chain a mirrored vault lives on (only chain adapters change mirrored vaults, at that
    chain's block timestamps).
    """

    vault: str
    asset_id: str
    curator: str
    epoch_duration: int
    delegator_type: str = "network_restake"
    delegator_operator: str | None = None
    delegator_network: str | None = None
    slasher_type: str = "instant"
    veto_duration: int = 0
    resolver_set_epochs_delay: int = 3
    burner: str | None = None
    deposit_whitelist: bool = False
    deposit_limit: int | None = None
    curator_fee_bps: int = 0
    domain: str = "hub"


@dataclass(frozen=True, kw_only=True)
class SetDepositWhitelist(Command):
    """Turn the vault's deposit whitelist on or off."""

    vault: str
    enabled: bool


@dataclass(frozen=True, kw_only=True)
class SetDepositorWhitelisted(Command):
    """Allow or disallow one depositor account while the whitelist is on."""

    vault: str
    account: str
    allowed: bool


@dataclass(frozen=True, kw_only=True)
class SetDepositLimit(Command):
    """Cap the vault's active stake (None removes the cap)."""

    vault: str
    limit: int | None


@dataclass(frozen=True, kw_only=True)
class Deposit(Command):
    """Deposit ``amount`` for ``staker``, who receives the shares. ``depositor`` (who pays,
    checked against the whitelist) defaults to the staker."""

    vault: str
    staker: str
    amount: int
    depositor: str | None = None


@dataclass(frozen=True, kw_only=True)
class Withdraw(Command):
    """Queue a withdrawal of ``amount`` assets of ``staker``'s active stake for ``claimer``
    (default: the staker); claimable from the start of epoch e+2."""

    vault: str
    staker: str
    amount: int
    claimer: str | None = None


@dataclass(frozen=True, kw_only=True)
class Redeem(Command):
    """Queue a withdrawal of ``shares`` active shares (immune to front-running slashes)."""

    vault: str
    staker: str
    shares: int
    claimer: str | None = None


@dataclass(frozen=True, kw_only=True)
class Claim(Command):
    """Claim matured withdrawals of the given epochs (one epoch: claim; several: batch).
    ``recipient`` is where a chain adapter pays out (default: the claimer)."""

    vault: str
    claimer: str
    epochs: list[int]
    recipient: str | None = None


# -- opt-ins ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OptInVault(Command):
    """The operator opts in to a vault."""

    operator: str
    vault: str


@dataclass(frozen=True, kw_only=True)
class OptOutVault(Command):
    """The operator opts out of a vault."""

    operator: str
    vault: str


@dataclass(frozen=True, kw_only=True)
class OptInNetwork(Command):
    """The operator opts in to a network (in a clock domain: ``hub``, or a mirrored chain)."""

    operator: str
    network: str
    domain: str = "hub"


@dataclass(frozen=True, kw_only=True)
class OptOutNetwork(Command):
    """The operator opts out of a network."""

    operator: str
    network: str
    domain: str = "hub"


# -- delegation limits -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SetMaxNetworkLimit(Command):
    """The network caps what the vault may allocate to one of its subnetworks."""

    vault: str
    network: str
    subnetwork: int = 0
    amount: int


@dataclass(frozen=True, kw_only=True)
class SetNetworkLimit(Command):
    """The curator allocates stake to a subnetwork (at most its max network limit)."""

    vault: str
    network: str
    subnetwork: int = 0
    amount: int


@dataclass(frozen=True, kw_only=True)
class SetOperatorNetworkShares(Command):
    """Network-restake policy: the operator's shares of the subnetwork's allocation."""

    vault: str
    network: str
    subnetwork: int = 0
    operator: str
    shares: int


@dataclass(frozen=True, kw_only=True)
class SetOperatorNetworkLimit(Command):
    """Full-restake policy: the operator's limit within the subnetwork's allocation."""

    vault: str
    network: str
    subnetwork: int = 0
    operator: str
    amount: int


# -- slashing --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SetResolver(Command):
    """The network sets the veto resolver of a subnetwork on a veto-slasher vault. The first
    resolver holds at once; later changes take effect ``resolver_set_epochs_delay`` epochs
    after the current epoch's start. None removes the resolver (after one was set)."""

    vault: str
    network: str
    subnetwork: int = 0
    resolver: str | None


@dataclass(frozen=True, kw_only=True)
class Slash(Command):
    """Instant slash of ``operator`` for the subnetwork, against stake captured at
    ``capture`` (strictly in the past, within one epoch)."""

    vault: str
    network: str
    subnetwork: int = 0
    operator: str
    amount: int
    capture: int


@dataclass(frozen=True, kw_only=True)
class RequestSlash(Command):
    """Veto-slasher vaults: ask for a slash; the resolver may veto it until the deadline."""

    vault: str
    network: str
    subnetwork: int = 0
    operator: str
    amount: int
    capture: int


@dataclass(frozen=True, kw_only=True)
class VetoSlash(Command):
    """The resolver vetoes a pending slash request."""

    vault: str
    request: int


@dataclass(frozen=True, kw_only=True)
class ExecuteSlash(Command):
    """The network executes a slash request after its veto window."""

    vault: str
    request: int


# -- rewards ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SetCuratorFee(Command):
    """The curator sets its fee on staker rewards, in basis points."""

    vault: str
    fee_bps: int


@dataclass(frozen=True, kw_only=True)
class DistributeStakerRewards(Command):
    """The network pays ``amount`` of ``token`` to the vault's stakers, pro rata to their
    active shares at ``timestamp`` (strictly in the past), less the curator fee, which may
    not exceed ``max_curator_fee_bps``."""

    vault: str
    network: str
    token: str
    amount: int
    timestamp: int
    max_curator_fee_bps: int = 10_000


@dataclass(frozen=True, kw_only=True)
class ClaimStakerRewards(Command):
    """A staker claims its share of a network's distributions in ``token``, oldest first,
    at most ``max_distributions`` of them."""

    vault: str
    staker: str
    network: str
    token: str
    max_distributions: int = 1_000
    recipient: str | None = None


@dataclass(frozen=True, kw_only=True)
class ClaimCuratorFee(Command):
    """The curator claims its accumulated fee in ``token``."""

    vault: str
    token: str
    recipient: str | None = None


@dataclass(frozen=True, kw_only=True)
class DistributeOperatorRewards(Command):
    """The network funds operator rewards in ``token`` and publishes a new Merkle root of
    cumulative ``(operator, total_claimable)`` leaves (hex, see omnistake.merkle)."""

    network: str
    token: str
    amount: int
    root: str


@dataclass(frozen=True, kw_only=True)
class ClaimOperatorRewards(Command):
    """An operator claims up to its cumulative ``total_claimable`` with a Merkle proof."""

    network: str
    token: str
    operator: str
    total_claimable: int
    proof: list[str]
    recipient: str | None = None


# -- chain outcomes --------------------------------------------------------------------------

INSTRUCTION_KINDS = ("slash", "payout")
OUTCOME_STATUSES = ("submitted", "executed", "failed")


@dataclass(frozen=True, kw_only=True)
class RecordInstructionOutcome(Command):
    """A chain adapter reports how a slash or payout instruction the hub handed it ended on
    chain (``submitted``: sent, its effect comes back as a chain fact; ``executed``: done;
    ``failed``: it cannot succeed, see ``detail``). Only the hub's own adapters (system)
    record outcomes; a final outcome (executed or failed) is recorded once."""

    chain_id: str
    instruction_id: str
    kind: str
    vault: str
    status: str
    tx_id: str = ""
    detail: str = ""
