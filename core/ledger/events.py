"""Events: the facts the ledger records. Only events change state; they carry every number
the command computed, so replaying them is plain bookkeeping that cannot fail.

Every event carries ``at``, the integer second it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from omnistake.ledger.records import Record


class Event(Record):
    """Base of all events."""

    _registry: ClassVar[dict[str, type[Record]]] = {}
    at: int


@dataclass(frozen=True, kw_only=True)
class AssetRegistered(Event):
    at: int
    asset_id: str
    decimals: int
    symbol: str


@dataclass(frozen=True, kw_only=True)
class NetworkRegistered(Event):
    at: int
    network: str
    name: str
    max_slash_wad: int | None


@dataclass(frozen=True, kw_only=True)
class OperatorRegistered(Event):
    at: int
    operator: str
    keys: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class OperatorKeySet(Event):
    at: int
    operator: str
    namespace: str
    key: str


@dataclass(frozen=True, kw_only=True)
class VaultCreated(Event):
    at: int
    vault: str
    asset_id: str
    curator: str
    epoch_duration: int
    delegator_type: str
    delegator_operator: str | None
    delegator_network: str | None
    slasher_type: str
    veto_duration: int
    resolver_set_epochs_delay: int
    burner: str | None
    deposit_whitelist: bool
    deposit_limit: int | None
    curator_fee_bps: int
    domain: str


@dataclass(frozen=True, kw_only=True)
class DepositWhitelistSet(Event):
    at: int
    vault: str
    enabled: bool


@dataclass(frozen=True, kw_only=True)
class DepositorWhitelisted(Event):
    at: int
    vault: str
    account: str
    allowed: bool


@dataclass(frozen=True, kw_only=True)
class DepositLimitSet(Event):
    at: int
    vault: str
    limit: int | None


@dataclass(frozen=True, kw_only=True)
class Deposited(Event):
    at: int
    vault: str
    depositor: str
    staker: str
    amount: int
    shares: int


@dataclass(frozen=True, kw_only=True)
class WithdrawalRequested(Event):
    """Active ``burned_shares`` / ``amount`` left active stake into epoch ``epoch``'s bucket,
    minting ``withdrawal_shares`` of that bucket for ``claimer``."""

    at: int
    vault: str
    staker: str
    claimer: str
    amount: int
    burned_shares: int
    epoch: int
    withdrawal_shares: int


@dataclass(frozen=True, kw_only=True)
class WithdrawalClaimed(Event):
    at: int
    vault: str
    claimer: str
    recipient: str
    epoch: int
    amount: int


@dataclass(frozen=True, kw_only=True)
class VaultOptInChanged(Event):
    at: int
    operator: str
    vault: str
    opted_in: bool


@dataclass(frozen=True, kw_only=True)
class NetworkOptInChanged(Event):
    at: int
    domain: str
    operator: str
    network: str
    opted_in: bool


@dataclass(frozen=True, kw_only=True)
class MaxNetworkLimitSet(Event):
    """Also lowers the network limit to ``amount`` where it was above."""

    at: int
    vault: str
    network: str
    subnetwork: int
    amount: int


@dataclass(frozen=True, kw_only=True)
class NetworkLimitSet(Event):
    at: int
    vault: str
    network: str
    subnetwork: int
    amount: int


@dataclass(frozen=True, kw_only=True)
class OperatorNetworkSharesSet(Event):
    at: int
    vault: str
    network: str
    subnetwork: int
    operator: str
    shares: int


@dataclass(frozen=True, kw_only=True)
class OperatorNetworkLimitSet(Event):
    at: int
    vault: str
    network: str
    subnetwork: int
    operator: str
    amount: int


@dataclass(frozen=True, kw_only=True)
class ResolverSet(Event):
    """``resolver`` holds from ``effective_at``; ``replaces_pending`` drops a change that had
    not taken effect yet; ``effective_at`` None means only that pending change was dropped."""

    at: int
    vault: str
    network: str
    subnetwork: int
    resolver: str | None
    effective_at: int | None
    replaces_pending: bool


@dataclass(frozen=True, kw_only=True)
class SlashRequested(Event):
    at: int
    vault: str
    request: int
    network: str
    subnetwork: int
    operator: str
    amount: int
    capture: int
    veto_deadline: int


@dataclass(frozen=True, kw_only=True)
class SlashVetoed(Event):
    at: int
    vault: str
    request: int
    resolver: str


@dataclass(frozen=True, kw_only=True)
class SlashInstructed(Event):
    """A network asked the hub to slash a mirrored vault: the vault is not changed here; its
    chain adapter sends the ``action`` (``slash``, ``request_slash`` or ``execute_slash``)
    as the network's middleware, and the chain's own slash event flows back as a fact."""

    at: int
    vault: str
    action: str
    network: str
    subnetwork: int
    operator: str
    amount: int
    capture: int
    request: int | None


@dataclass(frozen=True, kw_only=True)
class Slashed(Event):
    """A slash took effect. ``slashed`` is the slasher's amount (what counts against the
    guarantee); ``burned`` what actually left the vault, split into ``active_burned`` and the
    withdrawal buckets of epochs ``epoch`` and ``epoch + 1``. ``burner`` is None when the
    collateral was burned, else the redistribution recipient."""

    at: int
    vault: str
    network: str
    subnetwork: int
    operator: str
    capture: int
    request: int | None
    requested: int
    slashed: int
    burned: int
    active_burned: int
    epoch: int
    withdrawals_burned: int
    next_withdrawals_burned: int
    burner: str | None


@dataclass(frozen=True, kw_only=True)
class CuratorFeeSet(Event):
    at: int
    vault: str
    fee_bps: int


@dataclass(frozen=True, kw_only=True)
class StakerRewardsDistributed(Event):
    at: int
    vault: str
    network: str
    token: str
    index: int
    amount: int
    fee: int
    timestamp: int
    active_shares: int


@dataclass(frozen=True, kw_only=True)
class StakerRewardsClaimed(Event):
    at: int
    vault: str
    staker: str
    network: str
    token: str
    recipient: str
    amount: int
    next_index: int


@dataclass(frozen=True, kw_only=True)
class CuratorFeeClaimed(Event):
    at: int
    vault: str
    token: str
    recipient: str
    amount: int


@dataclass(frozen=True, kw_only=True)
class OperatorRewardsDistributed(Event):
    at: int
    network: str
    token: str
    amount: int
    root: str


@dataclass(frozen=True, kw_only=True)
class OperatorRewardsClaimed(Event):
    at: int
    network: str
    token: str
    operator: str
    recipient: str
    amount: int
    total_claimed: int


@dataclass(frozen=True, kw_only=True)
class InstructionOutcomeRecorded(Event):
    at: int
    chain_id: str
    instruction_id: str
    kind: str
    vault: str
    status: str
    tx_id: str
    detail: str
