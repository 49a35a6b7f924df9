"""The ledger's in-memory state. Events change it (see apply.py); handlers and queries read
it. Everything time-dependent is a :class:`~omnistake.checkpoints.Trace`, so every query can
name its timestamp. ``dump`` gives a canonical plain-data form for state hashes and
snapshots; ``load`` is its inverse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omnistake.checkpoints import Trace

IntTrace = Trace[int]


def _dump_traces(traces: dict[str, IntTrace]) -> dict[str, Any]:
    return {k: traces[k].dump() for k in sorted(traces)}


def _load_traces(data: dict[str, Any]) -> dict[str, IntTrace]:
    return {k: Trace.load(v, 0) for k, v in data.items()}


def _dump_nested(traces: dict[str, dict[str, IntTrace]]) -> dict[str, Any]:
    return {k: _dump_traces(traces[k]) for k in sorted(traces)}


def _load_nested(data: dict[str, Any]) -> dict[str, dict[str, IntTrace]]:
    return {k: _load_traces(v) for k, v in data.items()}


@dataclass
class Asset:
    """A registered collateral type."""

    asset_id: str
    decimals: int
    symbol: str


@dataclass
class Network:
    """A registered network (service)."""

    network: str
    name: str
    max_slash_wad: int | None
    registered_at: int


@dataclass
class Operator:
    """A registered operator and its key per chain namespace."""

    operator: str
    keys: dict[str, str]
    registered_at: int


@dataclass
class SlashRequest:
    """A veto-slasher request."""

    network: str
    subnetwork: int
    operator: str
    amount: int
    capture: int
    veto_deadline: int
    completed: bool = False


@dataclass
class RewardDistribution:
    """One staker-reward distribution of a network in one token."""

    amount: int
    timestamp: int


@dataclass
class Vault:
    """One vault: its configuration, Symbiotic-style share accounting, delegator, slasher
    and reward state. Subnetwork keys are ``<network>#<id>``; (subnetwork, operator) keys are
    ``<network>#<id>|<operator>``."""

    vault: str
    asset_id: str
    curator: str
    epoch_duration: int
    epoch_duration_init: int
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
    domain: str = "hub"
    whitelisted: set[str] = field(default_factory=set)

    # share accounting
    active_stake: IntTrace = field(default_factory=lambda: Trace(0))
    active_shares: IntTrace = field(default_factory=lambda: Trace(0))
    active_shares_of: dict[str, IntTrace] = field(default_factory=dict)
    withdrawals: dict[int, int] = field(default_factory=dict)
    withdrawal_shares: dict[int, int] = field(default_factory=dict)
    withdrawal_shares_of: dict[int, dict[str, int]] = field(default_factory=dict)
    claimed: dict[int, set[str]] = field(default_factory=dict)

    # conservation counters: deposited == balance + claimed + slashed
    total_deposited: int = 0
    total_claimed: int = 0
    total_slashed: int = 0

    # delegator
    max_network_limit: dict[str, int] = field(default_factory=dict)
    max_network_limit_trace: dict[str, IntTrace] = field(default_factory=dict)
    network_limit: dict[str, IntTrace] = field(default_factory=dict)
    operator_network_shares: dict[str, dict[str, IntTrace]] = field(default_factory=dict)
    total_operator_network_shares: dict[str, IntTrace] = field(default_factory=dict)
    operator_network_limit: dict[str, dict[str, IntTrace]] = field(default_factory=dict)

    # slasher
    latest_slashed_capture: dict[str, int] = field(default_factory=dict)
    cumulative_slash: dict[str, IntTrace] = field(default_factory=dict)
    slash_requests: list[SlashRequest] = field(default_factory=list)
    resolvers: dict[str, Trace[str | None]] = field(default_factory=dict)

    # staker rewards: "<network>|<token>" -> distributions
    rewards: dict[str, list[RewardDistribution]] = field(default_factory=dict)
    active_shares_cache: dict[int, int] = field(default_factory=dict)
    # "<staker>|<network>|<token>" -> index of the first unclaimed distribution
    last_unclaimed: dict[str, int] = field(default_factory=dict)
    curator_fees: dict[str, int] = field(default_factory=dict)

    @property
    def balance(self) -> int:
        """Collateral the vault holds: deposited less claimed and slashed."""
        return self.total_deposited - self.total_claimed - self.total_slashed

    def epoch_at(self, t: int) -> int:
        """Epoch index at ``t`` (``t`` not before the vault's creation)."""
        return (t - self.epoch_duration_init) // self.epoch_duration

    def epoch_start(self, epoch: int) -> int:
        """First second of ``epoch``."""
        return self.epoch_duration_init + epoch * self.epoch_duration

    def dump(self) -> dict[str, Any]:
        """Canonical plain data."""
        return {
            "config": {
                "vault": self.vault,
                "asset_id": self.asset_id,
                "curator": self.curator,
                "epoch_duration": self.epoch_duration,
                "epoch_duration_init": self.epoch_duration_init,
                "delegator_type": self.delegator_type,
                "delegator_operator": self.delegator_operator,
                "delegator_network": self.delegator_network,
                "slasher_type": self.slasher_type,
                "veto_duration": self.veto_duration,
                "resolver_set_epochs_delay": self.resolver_set_epochs_delay,
                "burner": self.burner,
                "deposit_whitelist": self.deposit_whitelist,
                "deposit_limit": self.deposit_limit,
                "curator_fee_bps": self.curator_fee_bps,
                "domain": self.domain,
            },
            "whitelisted": sorted(self.whitelisted),
            "active_stake": self.active_stake.dump(),
            "active_shares": self.active_shares.dump(),
            "active_shares_of": _dump_traces(self.active_shares_of),
            "withdrawals": [[e, self.withdrawals[e]] for e in sorted(self.withdrawals)],
            "withdrawal_shares": [
                [e, self.withdrawal_shares[e]] for e in sorted(self.withdrawal_shares)
            ],
            "withdrawal_shares_of": [
                [e, {a: m[a] for a in sorted(m)}]
                for e, m in sorted(self.withdrawal_shares_of.items())
            ],
            "claimed": [[e, sorted(s)] for e, s in sorted(self.claimed.items())],
            "totals": [self.total_deposited, self.total_claimed, self.total_slashed],
            "max_network_limit": {
                k: self.max_network_limit[k] for k in sorted(self.max_network_limit)
            },
            "max_network_limit_trace": _dump_traces(self.max_network_limit_trace),
            "network_limit": _dump_traces(self.network_limit),
            "operator_network_shares": _dump_nested(self.operator_network_shares),
            "total_operator_network_shares": _dump_traces(self.total_operator_network_shares),
            "operator_network_limit": _dump_nested(self.operator_network_limit),
            "latest_slashed_capture": {
                k: self.latest_slashed_capture[k] for k in sorted(self.latest_slashed_capture)
            },
            "cumulative_slash": _dump_traces(self.cumulative_slash),
            "slash_requests": [
                [
                    r.network,
                    r.subnetwork,
                    r.operator,
                    r.amount,
                    r.capture,
                    r.veto_deadline,
                    r.completed,
                ]
                for r in self.slash_requests
            ],
            "resolvers": {k: self.resolvers[k].dump() for k in sorted(self.resolvers)},
            "rewards": {
                k: [[d.amount, d.timestamp] for d in self.rewards[k]] for k in sorted(self.rewards)
            },
            "active_shares_cache": [
                [t, self.active_shares_cache[t]] for t in sorted(self.active_shares_cache)
            ],
            "last_unclaimed": {k: self.last_unclaimed[k] for k in sorted(self.last_unclaimed)},
            "curator_fees": {k: self.curator_fees[k] for k in sorted(self.curator_fees)},
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> Vault:
        """Inverse of :meth:`dump`."""
        v = cls(**data["config"])
        v.whitelisted = set(data["whitelisted"])
        v.active_stake = Trace.load(data["active_stake"], 0)
        v.active_shares = Trace.load(data["active_shares"], 0)
        v.active_shares_of = _load_traces(data["active_shares_of"])
        v.withdrawals = {int(e): a for e, a in data["withdrawals"]}
        v.withdrawal_shares = {int(e): a for e, a in data["withdrawal_shares"]}
        v.withdrawal_shares_of = {int(e): dict(m) for e, m in data["withdrawal_shares_of"]}
        v.claimed = {int(e): set(s) for e, s in data["claimed"]}
        v.total_deposited, v.total_claimed, v.total_slashed = data["totals"]
        v.max_network_limit = dict(data["max_network_limit"])
        v.max_network_limit_trace = _load_traces(data["max_network_limit_trace"])
        v.network_limit = _load_traces(data["network_limit"])
        v.operator_network_shares = _load_nested(data["operator_network_shares"])
        v.total_operator_network_shares = _load_traces(data["total_operator_network_shares"])
        v.operator_network_limit = _load_nested(data["operator_network_limit"])
        v.latest_slashed_capture = dict(data["latest_slashed_capture"])
        v.cumulative_slash = _load_traces(data["cumulative_slash"])
        v.slash_requests = [SlashRequest(*r) for r in data["slash_requests"]]
        v.resolvers = {k: Trace.load(t, None) for k, t in data["resolvers"].items()}
        v.rewards = {
            k: [RewardDistribution(a, t) for a, t in lst] for k, lst in data["rewards"].items()
        }
        v.active_shares_cache = {int(t): s for t, s in data["active_shares_cache"]}
        v.last_unclaimed = dict(data["last_unclaimed"])
        v.curator_fees = dict(data["curator_fees"])
        return v


@dataclass
class OperatorRewardPool:
    """Operator rewards of one network in one token: funded balance, current Merkle root of
    cumulative claims, and what each operator has claimed so far."""

    balance: int = 0
    root: str = ""
    claimed: dict[str, int] = field(default_factory=dict)


@dataclass
class LedgerState:
    """Everything the ledger knows."""

    seq: int = 0
    # clock domain ("hub" or a CAIP-2 chain id) -> latest event time in it; never goes back
    clocks: dict[str, int] = field(default_factory=dict)
    assets: dict[str, Asset] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)
    operators: dict[str, Operator] = field(default_factory=dict)
    vaults: dict[str, Vault] = field(default_factory=dict)
    # "<operator>|<vault>" and "<domain>|<operator>|<network>" -> 1/0 traces
    vault_opt_ins: dict[str, IntTrace] = field(default_factory=dict)
    network_opt_ins: dict[str, IntTrace] = field(default_factory=dict)
    # "<network>|<token>" -> pool
    operator_rewards: dict[str, OperatorRewardPool] = field(default_factory=dict)
    # instruction id -> [chain_id, kind, vault, status, tx_id, detail] (latest outcome)
    instruction_outcomes: dict[str, list[str]] = field(default_factory=dict)

    def dump(self) -> dict[str, Any]:
        """Canonical plain data of the whole state."""
        return {
            "seq": self.seq,
            "clocks": dict(sorted(self.clocks.items())),
            "assets": {k: [a.decimals, a.symbol] for k, a in sorted(self.assets.items())},
            "networks": {
                k: [n.name, n.max_slash_wad, n.registered_at]
                for k, n in sorted(self.networks.items())
            },
            "operators": {
                k: [dict(sorted(o.keys.items())), o.registered_at]
                for k, o in sorted(self.operators.items())
            },
            "vaults": {k: self.vaults[k].dump() for k in sorted(self.vaults)},
            "vault_opt_ins": _dump_traces(self.vault_opt_ins),
            "network_opt_ins": _dump_traces(self.network_opt_ins),
            "operator_rewards": {
                k: [p.balance, p.root, dict(sorted(p.claimed.items()))]
                for k, p in sorted(self.operator_rewards.items())
            },
            "instruction_outcomes": {
                k: list(v) for k, v in sorted(self.instruction_outcomes.items())
            },
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> LedgerState:
        """Inverse of :meth:`dump`."""
        s = cls(seq=data["seq"], clocks=dict(data["clocks"]))
        s.assets = {k: Asset(k, d, sym) for k, (d, sym) in data["assets"].items()}
        s.networks = {k: Network(k, n, m, t) for k, (n, m, t) in data["networks"].items()}
        s.operators = {k: Operator(k, dict(keys), t) for k, (keys, t) in data["operators"].items()}
        s.vaults = {k: Vault.load(v) for k, v in data["vaults"].items()}
        s.vault_opt_ins = _load_traces(data["vault_opt_ins"])
        s.network_opt_ins = _load_traces(data["network_opt_ins"])
        s.operator_rewards = {
            k: OperatorRewardPool(b, r, dict(c))
            for k, (b, r, c) in data["operator_rewards"].items()
        }
        s.instruction_outcomes = {k: list(v) for k, v in data["instruction_outcomes"].items()}
        return s
